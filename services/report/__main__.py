from ecs_runtime import batch
from services.report.handler import REPORT

if __name__ == "__main__":
    batch.run(REPORT, service="report")

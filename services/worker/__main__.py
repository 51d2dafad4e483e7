from ecs_runtime import queue
from services.worker.operations import HANDLERS

if __name__ == "__main__":
    queue.run(HANDLERS, service="worker")

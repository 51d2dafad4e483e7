from ecs_runtime import upload
from services.ingest.handler import ingest

if __name__ == "__main__":
    upload.run(upload.UploadHandler(ingest, needs_results_table=True), service="ingest")

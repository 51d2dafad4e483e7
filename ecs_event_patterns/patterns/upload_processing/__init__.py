"""Pattern 1, upload processing: S3 upload -> EventBridge rule -> one Fargate task per object -> DynamoDB."""

from ecs_event_patterns.patterns.upload_processing.component import UploadProcessing, UploadProcessingArgs

__all__ = ["UploadProcessing", "UploadProcessingArgs"]

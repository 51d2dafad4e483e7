"""Pattern 1, upload processing: S3 upload -> EventBridge rule -> one Fargate task per object -> DynamoDB."""

from components.patterns.upload_processing.component import UploadProcessing, UploadProcessingArgs

__all__ = ["UploadProcessing", "UploadProcessingArgs"]

"""Queue pattern: long-poll SQS, run each message's job on S3 data, delete only what completed."""

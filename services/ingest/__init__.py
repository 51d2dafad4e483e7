"""Upload pattern: process the one S3 object an `Object Created` event names and record the result."""

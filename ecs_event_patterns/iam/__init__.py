"""IAM: grant helpers (exact actions and ARNs), trust policies and resource policies."""

"""Worker programs that run in the ECS task containers (`python -m services.<worker>`)."""

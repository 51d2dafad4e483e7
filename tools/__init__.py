"""Developer tools: the recording Pulumi mock and the offline policy gate."""

"""The runtime every worker shares: settings, JSON logs, AWS clients, signals, exit codes, record parsing."""

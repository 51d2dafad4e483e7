"""Offline policy gate: a Pulumi Python program on the recording mock, checked by real pack analyzers."""

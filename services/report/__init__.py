"""Scheduled pattern: validate every object under an input prefix not yet done, write one report."""

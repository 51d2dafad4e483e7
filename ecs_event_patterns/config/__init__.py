"""Stack config: typed, frozen settings, the stack-file parser, per-environment defaults, expressions."""

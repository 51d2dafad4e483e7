"""The four patterns, each a package holding its ComponentResource beside its private helpers."""

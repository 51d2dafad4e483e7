"""Pulumi components of ecs-event-patterns: `patterns/` (the four patterns), `blocks/` (what they share),
`iam/` (grants, trust and resource policies) and `config/` (the stack settings)."""

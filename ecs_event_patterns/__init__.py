"""ecs-event-patterns, the Pulumi components: `patterns/` (the four patterns), `blocks/` (what they share),
`iam/` (grants, trust and resource policies) and `config/` (the stack settings)."""

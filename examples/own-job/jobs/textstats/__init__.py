"""textstats: a team's own jobs on the ECS event patterns runtime (`ecs_runtime`), nothing else of ours.

- `textstats.upload:WORD_COUNT` (upload processing): each text file uploaded under `incoming/` gets a
  result item with its lines, words and characters;
- `textstats.publish:handlers` (queue workers): `publish_stats` messages name a text file in the queue's
  data bucket; its counts are written, signed with the team's key, to the team's own publishing bucket.
"""

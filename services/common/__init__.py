"""What the bundled example jobs share: streaming parse and validation of CSV and JSON Lines objects."""

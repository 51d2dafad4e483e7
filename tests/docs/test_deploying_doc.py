"""docs/deploying.md points at code and tests that exist, and README links it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "deploying.md").read_text()


def test_every_file_and_test_the_page_names_exists():
    named = re.findall(r"`((?:ecs_event_patterns|tests|tools|policies)/[\w/.-]+?)(?:::(\w+))?`", DOC)
    assert len(named) >= 10
    for path, test in named:
        assert (ROOT / path).exists(), path
        if test:
            assert re.search(rf"^def {test}\(", (ROOT / path).read_text(), re.M), f"{path}::{test}"


def test_readme_links_the_page():
    assert "(docs/deploying.md)" in (ROOT / "README.md").read_text()

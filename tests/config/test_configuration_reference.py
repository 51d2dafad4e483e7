"""docs/configuration.md's generated tables are what the settings models say today."""

from ecs_event_patterns.config import environment_defaults, reference


def test_the_committed_reference_is_current():
    committed = reference.DOC.read_text(encoding="utf-8")

    assert reference.render(committed) == committed, f"run `{reference.COMMAND}`"


def test_every_generated_region_is_in_the_doc_and_filled():
    committed = reference.DOC.read_text(encoding="utf-8")

    names = [match["name"] for match in reference._REGION.finditer(committed)]
    assert names == ["environment-defaults", "reference", "fargate-sizes"]
    assert all(match["body"].count("\n|") >= 3 for match in reference._REGION.finditer(committed))


def test_a_changed_setting_makes_the_doc_stale(monkeypatch):
    committed = reference.DOC.read_text(encoding="utf-8")
    monkeypatch.setitem(
        environment_defaults.WHY_THEY_DIFFER, "network.az_count", "a reason the doc does not give"
    )

    assert "a reason the doc does not give" in reference.render(committed)
    assert reference.main([]) == 1

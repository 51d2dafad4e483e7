"""The URN snapshot's rules on a small program: a rename without an alias is caught, with one it passes."""

from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from tools import pulumi_mocks, urn_snapshot

COMPONENT = "urn:pulumi:dev::ecs-event-patterns::test:index:Box"
OLD_QUEUE = f"{COMPONENT}$aws:sqs/queue:Queue::jobs-dlq"
NEW_QUEUE = f"{COMPONENT}$aws:sqs/queue:Queue::jobs-dead-letters"


class Box(pulumi.ComponentResource):
    def __init__(
        self, name: str, queue_suffix: str, aliases: list[pulumi.Alias], component_aliases: list[pulumi.Alias]
    ) -> None:
        super().__init__("test:index:Box", name, None, pulumi.ResourceOptions(aliases=component_aliases))
        self.queue = aws.sqs.Queue(
            f"{name}-{queue_suffix}", opts=pulumi.ResourceOptions(parent=self, aliases=aliases)
        )
        self.register_outputs({"queueArn": self.queue.arn})


def urns(
    name: str = "jobs",
    queue_suffix: str = "dlq",
    aliases: list[pulumi.Alias] | None = None,
    component_aliases: list[pulumi.Alias] | None = None,
) -> dict[str, tuple[str, ...]]:
    """The snapshot of a program with one Box, its queue renamed or aliased as asked."""
    monitor = pulumi_mocks.install(stack="dev")
    pulumi_mocks.run(lambda: Box(name, queue_suffix, aliases or [], component_aliases or []))
    return urn_snapshot.snapshot_of(monitor.recorded)


@pytest.fixture(scope="module")
def committed() -> dict[str, tuple[str, ...]]:
    return urns()


def test_the_snapshot_of_an_unchanged_program_is_current(committed):
    assert committed == {f"{COMPONENT}::jobs": (), OLD_QUEUE: ()}
    drift = urn_snapshot.compare("dev", committed, urns())
    assert drift.lost == ()
    assert drift.diff == ""


def test_a_renamed_child_without_an_alias_loses_its_urn(committed):
    drift = urn_snapshot.compare("dev", committed, urns(queue_suffix="dead-letters"))

    assert drift.lost == (OLD_QUEUE,)
    assert f"  {OLD_QUEUE}\n" in drift.report()
    assert "aliases=[pulumi.Alias(name=<old name>)]" in drift.report()


def test_a_renamed_child_with_an_alias_answers_for_its_old_urn(committed):
    current = urns(queue_suffix="dead-letters", aliases=[pulumi.Alias(name="jobs-dlq")])
    drift = urn_snapshot.compare("dev", committed, current)

    assert drift.lost == ()
    assert current[NEW_QUEUE] == (OLD_QUEUE,)
    # The new URN is not in the snapshot yet: the report says how to regenerate it, and shows the pair.
    assert f"`{urn_snapshot.REGENERATE}`" in drift.report()
    assert f"+{NEW_QUEUE}\n+  answers for {OLD_QUEUE}\n" in drift.diff
    assert f"-{OLD_QUEUE}\n" in drift.diff


def test_regenerating_after_an_aliased_rename_keeps_the_old_urn(committed, tmp_path: Path):
    current = urns(queue_suffix="dead-letters", aliases=[pulumi.Alias(name="jobs-dlq")])
    assert urn_snapshot.write(
        urn_snapshot.compare("dev", committed, current), current, allow_removed=False, directory=tmp_path
    )

    regenerated = urn_snapshot.read("dev", tmp_path)
    assert regenerated == {f"{COMPONENT}::jobs": (), NEW_QUEUE: (OLD_QUEUE,)}
    # Dropping the alias later is caught too: the old URN stays deployed until every stack moved.
    assert urn_snapshot.compare("dev", regenerated, urns(queue_suffix="dead-letters")).lost == (OLD_QUEUE,)


def test_regenerating_refuses_to_forget_a_lost_urn(committed, tmp_path: Path):
    current = urns(queue_suffix="dead-letters")
    drift = urn_snapshot.compare("dev", committed, current)

    assert not urn_snapshot.write(drift, current, allow_removed=False, directory=tmp_path)
    assert not urn_snapshot.path_for("dev", tmp_path).exists()
    assert urn_snapshot.write(drift, current, allow_removed=True, directory=tmp_path)
    assert urn_snapshot.read("dev", tmp_path) == current


def test_children_of_a_renamed_component_inherit_its_alias(committed):
    """The engine gives each child an alias under the parent's old URN, with the old name prefix."""
    assert set(urn_snapshot.compare("dev", committed, urns(name="work")).lost) == {
        f"{COMPONENT}::jobs",
        OLD_QUEUE,
    }

    current = urns(name="work", component_aliases=[pulumi.Alias(name="jobs")])
    assert current[f"{COMPONENT}$aws:sqs/queue:Queue::work-dlq"] == (OLD_QUEUE,)
    assert urn_snapshot.compare("dev", committed, current).lost == ()


def test_a_snapshot_line_that_is_no_urn_is_an_error():
    with pytest.raises(ValueError, match=r"dev.txt:2: not a URN line: 'jobs-dlq'; regenerate with python -m"):
        urn_snapshot.parse(f"{OLD_QUEUE}\njobs-dlq\n", "dev.txt")

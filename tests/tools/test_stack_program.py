"""tools.stack_program runs another program directory as the Pulumi CLI would: its project name, its stack
file, its directory as the working directory (relative paths in it mean what they mean under the CLI)."""

from pathlib import Path

from tools.stack_program import install_stack, run_program

PROGRAM = """
from pathlib import Path

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
aws.sqs.Queue("work", name=config.require("queue_name"))
pulumi.export("context_exists", Path(config.require("context")).is_dir())
"""


def test_another_program_runs_with_its_project_stack_file_and_directory(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  shop:queue_name: orders\n  shop:context: ./jobs\n"
    )
    (tmp_path / "__main__.py").write_text(PROGRAM)
    (tmp_path / "jobs").mkdir()

    monitor = install_stack("test", directory=tmp_path)
    exports = run_program(tmp_path)

    assert exports == {"context_exists": True}
    queue = monitor.by_name("work")
    assert queue.urn == "urn:pulumi:test::shop::aws:sqs/queue:Queue::work"
    assert queue.inputs["name"] == "orders"
    assert queue.outputs["arn"] == "arn:aws:sqs:eu-west-1:123456789012:orders"
    assert Path.cwd() != tmp_path, "the working directory is restored"

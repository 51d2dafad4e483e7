"""Programs that are not ours: their own environment, a missing module named without a traceback."""

import json

from tests.gate.test_gate import gate


def project(directory, main: str, requirements: str | None = None):
    (directory / "Pulumi.yaml").write_text("name: shop\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (directory / "__main__.py").write_text(main)
    if requirements is not None:
        (directory / "requirements.txt").write_text(requirements)
    return directory


def test_a_missing_module_is_named_with_how_to_install_it(tmp_path):
    program = project(
        tmp_path, "import pulumi\nimport pulumi_gcp_like_thing.storage\n", "pulumi-gcp-like-thing\n"
    )
    completed = gate("--stack", "dev", "--cwd", str(program), "--json")
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    message = (
        f"program {program / '__main__.py'} imports 'pulumi_gcp_like_thing', which is not installed in its Python "
        "environment"
    )
    assert message in completed.stderr
    assert f"-m pip install -r {program / 'requirements.txt'}" in completed.stderr


def test_without_requirements_the_distribution_is_named(tmp_path):
    program = project(tmp_path, "import some_missing_sdk\n")
    completed = gate("--stack", "dev", "--cwd", str(program))
    assert completed.returncode == 2
    assert completed.stderr.strip().endswith("-m pip install some-missing-sdk")
    assert "Traceback" not in completed.stderr


CONFIG_ERROR = """
class SettingsError(ValueError):
    def __init__(self, problems):
        self.problems = problems
        super().__init__(f"{len(problems)} problems in the stack config:" + "".join(f"\\n  {p}" for p in problems))


raise SettingsError(["queue.max_tasks: 0 is below queue.min_tasks 1", "batch.schedule: 'every hour' is not a rate"])
"""


def test_a_config_error_prints_its_problems_not_a_traceback_and_json_lists_them(tmp_path):
    program = project(tmp_path, CONFIG_ERROR)
    completed = gate("--stack", "dev", "--cwd", str(program), "--json")
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert json.loads(completed.stdout)["errors"] == [
        f"program {program / '__main__.py'}: 2 problems in the stack config:",
        "queue.max_tasks: 0 is below queue.min_tasks 1",
        "batch.schedule: 'every hour' is not a rate",
    ]
    assert completed.stderr.splitlines()[-2:] == [
        "  queue.max_tasks: 0 is below queue.min_tasks 1",
        "  batch.schedule: 'every hour' is not a rate",
    ]

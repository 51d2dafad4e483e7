"""The distribution a team installs: `ecs_event_patterns` alone, with its dependencies declared.

The wheel is built from a copy of this checkout (setuptools writes `build/` and `*.egg-info` into the tree
it builds), without build isolation, so offline: the build backend is pinned in requirements-dev.txt.
"""

import ast
import email
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIP = (sys.executable, "-m", "pip", "--quiet")
PACKAGE = ROOT / "ecs_event_patterns"
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "venv",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "build",
    "*.egg-info",
)


def declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    return {canonicalize_name(requirement.name): requirement for requirement in requirements}


def pinned() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"requirements.txt: {line} is not an exact pin"
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_the_program_pins_exactly_the_declared_dependencies_each_inside_its_range():
    ranges, pins = declared(), pinned()

    assert sorted(pins) == sorted(ranges)
    outside = {
        name: pins[name] for name, requirement in ranges.items() if pins[name] not in requirement.specifier
    }
    assert outside == {}, f"pinned outside the declared range: {outside}"
    unbounded_below = [str(r) for r in ranges.values() if not any(s.operator == ">=" for s in r.specifier)]
    assert unbounded_below == []


def _imported_top_level_names(folder: Path) -> set[str]:
    names: set[str] = set()
    for source in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"ecs_event_patterns"}


def _locked_to(names: set[str]) -> set[str]:
    """Packages a declared one requires at one exact version (pydantic-core, released with pydantic): these
    come with it and are not declared a second time, with a range that could only disagree."""
    locked: set[str] = set()
    for name in names:
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None and any(s.operator == "==" for s in requirement.specifier):
                locked.add(canonicalize_name(requirement.name))
    return locked


def test_every_package_the_components_import_is_a_declared_dependency():
    distributions = importlib.metadata.packages_distributions()
    imported = _imported_top_level_names(PACKAGE)
    providers = {name: {canonicalize_name(d) for d in distributions.get(name, [])} for name in imported}
    covered = set(declared()) | _locked_to(set(declared()))

    assert {name for name, found in providers.items() if not found} == set(), (
        "imports of no installed package"
    )
    undeclared = {name: found for name, found in providers.items() if not found & covered}
    assert undeclared == {}
    assert "pydantic-core" in covered - set(declared())
    assert "pulumi_aws" in imported  # the walk sees the imports


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("checkout") / "ecs-event-patterns"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_the_wheel_holds_ecs_event_patterns_only(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        files = archive.namelist()
    top_level = {name.split("/")[0] for name in files if ".dist-info/" not in name}
    sources = {f"ecs_event_patterns/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*.py")}

    assert wheel.name == "ecs_event_patterns-0.1.0-py3-none-any.whl"
    assert top_level == {"ecs_event_patterns"}
    assert sources <= set(files), f"left out: {sorted(sources - set(files))}"
    assert "ecs_event_patterns/py.typed" in files  # a team's mypy reads the components' hints
    (entry_points,) = [name for name in files if name.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(wheel) as archive:
        commands = archive.read(entry_points).decode().split()
    assert commands == [
        "[console_scripts]",
        "policy-gate",
        "=",
        "ecs_event_patterns.policy_gate_command:main",
    ]


def test_the_wheel_declares_the_dependencies_of_pyproject(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        message = email.message_from_bytes(archive.read(metadata))

    assert message["Name"] == "ecs-event-patterns"
    assert message["Requires-Python"] == ">=3.11"
    requires = {
        canonicalize_name(Requirement(r).name): str(Requirement(r))
        for r in message.get_all("Requires-Dist", [])
    }
    assert requires == {name: str(requirement) for name, requirement in declared().items()}


def test_the_installed_wheel_imports_from_outside_the_repository(wheel: Path, tmp_path: Path):
    target, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(
        [*PIP, "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    program = (
        "import ecs_event_patterns.patterns.queue_workers as queue_workers\n"
        "import ecs_event_patterns.patterns.upload_processing, ecs_event_patterns.patterns.scheduled_batch\n"
        "import ecs_event_patterns.patterns.stopped_task_alerts\n"
        "print(queue_workers.__file__)\n"
        "print(queue_workers.QueueWorkers.__name__, queue_workers.QueueWorkersArgs.__name__)\n"
        "import importlib.util\n"
        "print([n for n in ('tools', 'services', 'components') if importlib.util.find_spec(n)])\n"
    )
    # The dependencies come from this environment; the package only from the installed wheel (first on the
    # path), run from a directory that is not the repository's.
    completed = subprocess.run(
        [sys.executable, "-c", program],
        cwd=elsewhere,
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    location, classes, generic = completed.stdout.splitlines()
    assert Path(location).is_relative_to(target)
    assert classes == "QueueWorkers QueueWorkersArgs"
    assert generic == "[]"

"""`python -m tools.policy_gate`: run a Pulumi Python program on the mock and every policy pack over it.

Exit codes: 0 no mandatory violation, 1 at least one, 2 usage error, config that does not match a pack's
schema, a program that fails, or a pack that does not start.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tools.stack_files import StackFileError, load_document

from . import program, report
from .errors import GateError

if TYPE_CHECKING:
    from .analyzer import PackServers

USAGE_ERROR = 2
FORMATS = ("text", "json", "sarif", "markdown")


class UsageError(GateError):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-gate",
        description="Offline policy gate: runs a Pulumi Python program on the mock runtime and drives each "
        "policy pack through its analyzer protocol, like `pulumi preview --policy-pack`.",
    )
    parser.add_argument(
        "--stack", required=True, help="stack name; config comes from DIR/Pulumi.<stack>.yaml"
    )
    parser.add_argument("--cwd", default=".", help="the program's directory (default: .)")
    parser.add_argument(
        "--policy-pack",
        action="append",
        default=[],
        metavar="DIR",
        help="a policy pack directory (default: every folder under policies/ with a PulumiPolicy.yaml)",
    )
    parser.add_argument(
        "--policy-pack-config",
        action="append",
        default=[],
        metavar="FILE",
        help="config for the pack at the same position (default, for the default packs only: "
        "policies/config/<stack>.json when present)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="what to print: text grouped like `pulumi preview` (default), one JSON object, SARIF 2.1.0 for "
        "code scanning, or a Markdown summary",
    )
    parser.add_argument("--json", action="store_true", help="the same as --format json")
    parser.add_argument(
        "--preview",
        action="store_true",
        help="run as `pulumi preview` would: every value computed from another resource is unknown, so each "
        "policy shows what it can check before the resources exist",
    )
    parser.add_argument("--sarif", metavar="FILE", help="also write the SARIF log to FILE")
    parser.add_argument(
        "--summary",
        metavar="FILE",
        help="also append the Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)",
    )
    return parser


BUNDLED_POLICIES = Path(__file__).resolve().parents[2] / "policies"
"""The packs beside the gate in this repository: the default where the gate runs has no `policies/`."""


def _policies_folder() -> Path:
    """`policies/` of the directory the gate runs from (not --cwd: a team runs our packs on their program),
    else the repository's own, so a checkout's gate runs from any directory."""
    here = Path("policies")
    if any(here.glob("*/PulumiPolicy.yaml")) or not BUNDLED_POLICIES.is_dir():
        return here
    return BUNDLED_POLICIES


def _packs(given: Sequence[str]) -> list[Path]:
    if given:
        packs = [Path(item) for item in given]
        missing = [str(pack) for pack in packs if not (pack / "PulumiPolicy.yaml").is_file()]
        if missing:
            raise UsageError(f"not a policy pack (no PulumiPolicy.yaml): {', '.join(missing)}")
        return packs
    packs = sorted(path.parent for path in _policies_folder().glob("*/PulumiPolicy.yaml"))
    if not packs:
        raise UsageError("no policy packs under policies/; name one with --policy-pack")
    return packs


def _configs(
    given: Sequence[str], packs: Sequence[Path], stack: str, *, explicit_packs: bool
) -> list[Path | None]:
    """One config per pack (paired by position, as the CLI pairs them), or the stack's default for all."""
    if given:
        if len(given) != len(packs):
            raise UsageError(
                f"{len(given)} --policy-pack-config for {len(packs)} policy packs: one per pack, in order"
            )
        return [Path(item) for item in given]
    default = _policies_folder() / "config" / f"{stack}.json"
    if explicit_packs or not default.is_file():
        return [None] * len(packs)  # the stack's config is written for our packs, not for packs named here
    return [default] * len(packs)


def _version(pack: Path, reported: str) -> str:
    try:
        declared = load_document(pack / "PulumiPolicy.yaml") or {}
    except StackFileError:
        return reported
    return str(declared.get("version") or reported) if isinstance(declared, dict) else reported


def run(args: argparse.Namespace, packs: PackServers | None = None) -> report.GateResult:
    """One gate run. `packs` lends servers already running (they stay running); by default the run starts
    and stops its own."""
    pack_dirs = _packs(args.policy_pack)
    config_paths = _configs(
        args.policy_pack_config, pack_dirs, args.stack, explicit_packs=bool(args.policy_pack)
    )
    loaded = program.load(Path(args.cwd), args.stack)
    with program.start(loaded, args.stack, preview=args.preview) as running:
        # Imported only now, while the program runs in its own process: grpc, jsonschema and the Pulumi
        # SDK's protobuf modules take about 0.8 s to import, a fifth of a stack's gate run (issue 12).
        from . import pack_config
        from .analyzer import PackServers

        with PackServers() as own:
            servers = [(packs or own).start(pack.resolve()) for pack in pack_dirs]
            settings = [pack_config.load(path) if path else {} for path in config_paths]
            if loaded.environment_note:
                print(f"note: {loaded.environment_note}", file=sys.stderr)
            for warning in loaded.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            # The packs' schemas and levels while the program runs: a config that does not match them, or a
            # pack that does not start, stops the gate (and the program) without waiting for the program.
            for server in servers:
                server.connect()
            infos = [server.info() for server in servers]
            shared_default = not args.policy_pack_config
            all_names = {policy.name for info in infos for policy in info.policies}
            resolved_settings = [
                pack_config.resolve(
                    info,
                    pack_settings,
                    source=str(path or "defaults"),
                    known_policies=all_names if shared_default else {policy.name for policy in info.policies},
                )
                for info, pack_settings, path in zip(infos, settings, config_paths, strict=True)
            ]
            resources = running.resources()
            results = []
            for pack, server, info, resolved in zip(
                pack_dirs, servers, infos, resolved_settings, strict=True
            ):
                # Configured just before its analysis: a pack named twice is one server with two configs.
                server.configure_stack(project=loaded.project, stack=args.stack, dry_run=args.preview)
                server.configure(resolved)
                diagnostics, not_applicable = server.analyze_program(resources)
                results.append(
                    report.PackResult(
                        name=info.name,
                        version=_version(pack, info.version),
                        path=str(pack),
                        levels={name: level for name, (level, _) in resolved.items()},
                        diagnostics=diagnostics,
                        not_applicable=not_applicable,
                    )
                )
    return report.GateResult(
        stack=args.stack,
        program=str(loaded.main),
        packs=results,
        resources={resource["urn"]: resource for resource in resources},
        warnings=loaded.warnings,
    )


def _render(result: report.GateResult, kind: str) -> str:
    if kind == "json":
        return report.as_json(result)
    if kind == "sarif":
        return report.as_sarif(result, Path.cwd())
    if kind == "markdown":
        return report.as_markdown(result)
    return report.text(result)


def _render_errors(stack: str, errors: list[str], kind: str) -> str | None:
    if kind == "json":
        return json.dumps({"error": "; ".join(errors), "errors": errors, "exitCode": USAGE_ERROR})
    if kind == "sarif":
        return report.error_sarif(stack, errors)
    if kind == "markdown":
        return report.error_markdown(stack, errors)
    return None


def _write_files(args: argparse.Namespace, sarif: str, summary: str) -> None:
    if args.sarif:
        Path(args.sarif).write_text(sarif + "\n")
    if args.summary:
        with Path(args.summary).open("a") as handle:
            handle.write(summary)


def main(argv: Sequence[str] | None = None, *, packs: PackServers | None = None) -> int:
    """The command line; `packs` lends running pack servers to the run (see `run`)."""
    args = _parser().parse_args(argv)
    kind = "json" if args.json else args.format
    try:
        result = run(args, packs)
    except GateError as error:
        errors = error.problems
        print("error: " + "\n  ".join(errors), file=sys.stderr)
        rendered = _render_errors(args.stack, errors, kind)
        if rendered is not None:
            print(rendered)
        _write_files(args, report.error_sarif(args.stack, errors), report.error_markdown(args.stack, errors))
        return USAGE_ERROR
    print(_render(result, kind), end="" if kind == "markdown" else "\n")
    _write_files(args, report.as_sarif(result, Path.cwd()), report.as_markdown(result))
    return result.exit_code

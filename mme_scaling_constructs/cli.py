"""``mme-scaling``: inspect and export the scaling of synthesized templates.

Exit codes: 0 on success (also when standard output is closed early, e.g. by ``head``), 1 when
an input file or value is invalid or an output file cannot be written, 2 on a usage error.
Errors are one line on standard error, naming the file and the problem.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, TextIO

from mme_scaling_constructs.constants import TARGET_TRACKING_POLICY_TYPE
from mme_scaling_constructs.errors import ConfigurationError
from mme_scaling_constructs.export import (
    MANIFEST_NAME,
    ExportedPolicy,
    ExportedTarget,
    OutputConflict,
    scaling_in_template,
    write_export,
)
from mme_scaling_constructs.load_test import DEFAULT_SAFETY_FACTOR, invocations_target
from mme_scaling_constructs.simulation.commands import SimulationInputError, add_commands

_COMPARISONS: Final = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanOrEqualToThreshold": "<=",
    "LessThanThreshold": "<",
}
EXIT_OK: Final = 0
EXIT_INVALID_INPUT: Final = 1
EPILOG: Final = """examples:
  mme-scaling policies cdk.out/MyStack.template.json
  mme-scaling export cdk.out/MyStack.template.json --out scaling/
  mme-scaling target --max-rps 12 --safety-factor 0.5
  mme-scaling simulate traffic.csv --max-rps-per-instance 12 --instance-type ml.c5.xlarge --plot run.png
  mme-scaling recommend traffic.csv --max-rps-per-instance 12 --instance-type ml.c5.xlarge --json rec.json

exit codes: 0 success, 1 invalid input file or value, 2 usage error"""
TABLE_HEADERS: Final = ("endpoint", "variant", "min", "max", "policy", "metric", "target", "cooldown in/out (s)")


class InvalidInput(Exception):
    """An input file or value the command cannot use."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code.

    Usage errors raise ``SystemExit(2)`` from argparse, as ``--help`` raises ``SystemExit(0)``.
    """
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_standard_output()
        return EXIT_OK


def _run(argv: Sequence[str] | None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        output = arguments.run(arguments)
    except (InvalidInput, SimulationInputError) as error:
        _print(sys.stderr, f"mme-scaling: error: {_shown(str(error))}")
        return EXIT_INVALID_INPUT
    try:
        _print(sys.stdout, output)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        _print(sys.stderr, f"mme-scaling: error: cannot write to standard output ({_shown(str(error))})")
        return EXIT_INVALID_INPUT
    return EXIT_OK


def _print(stream: TextIO, text: str) -> None:
    """Print ``text``, escaping what the stream's encoding cannot show (e.g. undecodable file names)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    print(text.encode(encoding, "backslashreplace").decode(encoding, "replace"), file=stream)


def _discard_standard_output() -> None:
    """Point standard output at the null device, so that the reader's early exit stays quiet."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _shown(text: str) -> str:
    """``text`` on one line: control and other unprintable characters escaped as Python escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _out_dir(value: str) -> Path:
    """The ``--out`` directory: any path but the empty one, which would mean the working directory."""
    if not value:
        raise argparse.ArgumentTypeError("must not be empty (give a directory, e.g. --out scaling/; '.' for here)")
    if "\0" in value:
        raise argparse.ArgumentTypeError("must not contain a NUL character")
    return Path(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mme-scaling",
        description="Inspect, export and simulate the auto scaling of SageMaker endpoints in synthesized "
        "CloudFormation templates (cdk.out/*.template.json).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    policies = commands.add_parser(
        "policies", help="list every scalable target and policy of a template", description=_doc(_policies)
    )
    policies.add_argument("template", type=Path, metavar="TEMPLATE", help="a synthesized template (JSON)")
    policies.set_defaults(run=_policies)

    export = commands.add_parser(
        "export", help="write AWS CLI commands and policy JSON for a template", description=_doc(_export)
    )
    export.add_argument("template", type=Path, metavar="TEMPLATE", help="a synthesized template (JSON)")
    export.add_argument(
        "--out",
        type=_out_dir,
        required=True,
        metavar="DIR",
        help=f"directory to write into; export overwrites only the files listed in its {MANIFEST_NAME}",
    )
    export.set_defaults(run=_export)

    target = commands.add_parser(
        "target", help="compute an invocations-per-instance target from a load test", description=_doc(_target)
    )
    target.add_argument(
        "--max-rps", type=float, required=True, metavar="R", help="highest requests per second one instance sustained"
    )
    target.add_argument(
        "--safety-factor",
        type=float,
        default=DEFAULT_SAFETY_FACTOR,
        metavar="F",
        help=f"share of that rate to aim for, in (0, 1]; default {DEFAULT_SAFETY_FACTOR}",
    )
    target.set_defaults(run=_target)
    add_commands(commands)
    return parser


def _doc(command: Any) -> str:
    return str(command.__doc__).strip()


def _load_template(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeError, ValueError) as error:
        raise InvalidInput(f"{path}: cannot be read ({error})") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise InvalidInput(f"{path}: not valid JSON (nested too deeply)") from None
    except ValueError as error:
        raise InvalidInput(f"{path}: not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise InvalidInput(f"{path}: not a CloudFormation template (no Resources section)")
    return document


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of the range of numbers")
    return number


def _scaling(path: Path) -> list[ExportedTarget]:
    """The scaling of the template at ``path``, or ``InvalidInput`` naming the file and every problem."""
    try:
        return scaling_in_template(_load_template(path))
    except ConfigurationError as error:
        raise _invalid_template(path, error) from None


def _invalid_template(path: Path, error: ConfigurationError) -> InvalidInput:
    return InvalidInput(f"{path}: " + "; ".join(str(problem) for problem in error.problems))


def _policies(arguments: argparse.Namespace) -> str:
    """Print a table of each scalable target and policy: endpoint, variant, capacity, metric, target, cooldowns.

    A target registered outside the template (its policies name it by ResourceId) shows '-' capacities.
    """
    rows = []
    for target in _scaling(arguments.template):
        endpoint, variant = target.endpoint_and_variant
        capacities = ["-" if c is None else str(c) for c in (target.min_capacity, target.max_capacity)]
        for policy in target.policies or (None,):
            row = (endpoint, variant, *capacities, *_describe(policy))
            rows.append(tuple(_shown(cell) for cell in row))
    if not rows:
        return "No scalable targets in the template."
    widths = [max(len(row[i]) for row in (TABLE_HEADERS, *rows)) for i in range(len(TABLE_HEADERS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in (TABLE_HEADERS, *rows)
    )


def _describe(policy: ExportedPolicy | None) -> tuple[str, str, str, str]:
    if policy is None:
        return ("-", "-", "-", "-")
    configuration = policy.configuration
    if policy.policy_type != TARGET_TRACKING_POLICY_TYPE:
        alarms = [alarm.params for alarm in policy.alarms]
        metrics = ", ".join(f"{a.get('MetricName', '?')} ({a.get('Statistic', '?')})" for a in alarms)
        thresholds = ", ".join(
            f"{_COMPARISONS.get(str(a.get('ComparisonOperator')), '?')} {a.get('Threshold', '?')}" for a in alarms
        )
        cooldown = configuration.get("Cooldown", "none")
        return (policy.policy_name, f"step: {metrics or '?'}", thresholds or "-", f"{cooldown}")
    predefined = configuration.get("PredefinedMetricSpecification")
    customized = configuration.get("CustomizedMetricSpecification", {})
    if predefined:
        metric = predefined.get("PredefinedMetricType", "?")
    elif "Metrics" in customized:
        returned = [query for query in customized["Metrics"] if query.get("ReturnData", True) is not False]
        metric = "math: " + next((q.get("Expression", q["Id"]) for q in returned), "?")
    else:
        metric = f"{customized.get('MetricName', '?')} ({customized.get('Statistic', '?')})"
    cooldowns = f"{configuration.get('ScaleInCooldown', 'default')}/{configuration.get('ScaleOutCooldown', 'default')}"
    return (policy.policy_name, metric, str(configuration.get("TargetValue")), cooldowns)


def _export(arguments: argparse.Namespace) -> str:
    """Write each policy's configuration JSON, each step alarm's input JSON, and a commands.sh into DIR.

    commands.sh runs aws application-autoscaling register-scalable-target, put-scheduled-action and
    put-scaling-policy, and aws cloudwatch put-metric-alarm, from any working directory. Values known
    only at deployment are ${...} placeholders (${Parameter}, ${Resource.Attribute},
    ${ImportValue(Name)}, ...): replace them first, with a number or true/false in number and boolean
    slots. DIR/mme-scaling-export.json lists the files export wrote; export overwrites only those.
    """
    template = _load_template(arguments.template)
    try:
        written = write_export(template, arguments.out)
    except ConfigurationError as error:
        raise _invalid_template(arguments.template, error) from None
    except OutputConflict as error:
        raise InvalidInput(str(error)) from None
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{arguments.out}: cannot write ({error})") from None
    return "\n".join(str(path) for path in written)


def _target(arguments: argparse.Namespace) -> str:
    """Print the SageMakerVariantInvocationsPerInstance target: max_rps x safety_factor x 60."""
    try:
        target = invocations_target(max_requests_per_second=arguments.max_rps, safety_factor=arguments.safety_factor)
    except ConfigurationError as error:
        raise InvalidInput("; ".join(str(problem) for problem in error.problems)) from None
    return f"{target:.15g}"


if __name__ == "__main__":
    raise SystemExit(main())

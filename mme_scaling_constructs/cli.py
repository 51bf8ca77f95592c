"""``mme-scaling``: inspect and export the scaling of synthesized templates.

Exit codes: 0 on success, 1 when an input file or value is invalid, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from mme_scaling_constructs.constants import TARGET_TRACKING_POLICY_TYPE
from mme_scaling_constructs.errors import ConfigurationError
from mme_scaling_constructs.export import ExportedPolicy, scaling_in_template, write_export
from mme_scaling_constructs.load_test import DEFAULT_SAFETY_FACTOR, invocations_target

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

exit codes: 0 success, 1 invalid input file or value, 2 usage error"""
TABLE_HEADERS: Final = ("endpoint", "variant", "min", "max", "policy", "metric", "target", "cooldown in/out (s)")


class InvalidInput(Exception):
    """An input file or value the command cannot use."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        output = arguments.run(arguments)
    except InvalidInput as error:
        print(f"mme-scaling: error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    print(output)
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mme-scaling",
        description="Inspect and export the auto scaling of SageMaker endpoints in synthesized CloudFormation "
        "templates (cdk.out/*.template.json).",
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
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory to write into")
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
    return parser


def _doc(command: Any) -> str:
    return str(command.__doc__).strip()


def _load_template(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{path}: not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise InvalidInput(f"{path}: not a CloudFormation template (no Resources section)")
    return document


def _policies(arguments: argparse.Namespace) -> str:
    """Print a table of each scalable target and policy: endpoint, variant, capacity, metric, target, cooldowns."""
    targets = scaling_in_template(_load_template(arguments.template))
    rows = []
    for target in targets:
        endpoint, variant = target.endpoint_and_variant
        for policy in target.policies or (None,):
            rows.append((endpoint, variant, str(target.min_capacity), str(target.max_capacity), *_describe(policy)))
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
        alarms = ", ".join(f"{a.get('MetricName', '?')} ({a.get('Statistic', '?')})" for a in policy.alarms)
        thresholds = ", ".join(
            f"{_COMPARISONS.get(str(a.get('ComparisonOperator')), '?')} {a.get('Threshold')}" for a in policy.alarms
        )
        cooldown = configuration.get("Cooldown", "none")
        return (policy.policy_name, f"step: {alarms or '?'}", thresholds or "-", f"{cooldown}")
    predefined = configuration.get("PredefinedMetricSpecification")
    customized = configuration.get("CustomizedMetricSpecification", {})
    if predefined:
        metric = predefined.get("PredefinedMetricType", "?")
    elif "Metrics" in customized:
        metric = "math: " + next((q["Expression"] for q in customized["Metrics"] if q.get("ReturnData")), "?")
    else:
        metric = f"{customized.get('MetricName', '?')} ({customized.get('Statistic', '?')})"
    cooldowns = f"{configuration.get('ScaleInCooldown', 'default')}/{configuration.get('ScaleOutCooldown', 'default')}"
    return (policy.policy_name, metric, str(configuration.get("TargetValue")), cooldowns)


def _export(arguments: argparse.Namespace) -> str:
    """Write each policy's configuration JSON, each step alarm's input JSON, and a commands.sh into DIR.

    commands.sh runs aws application-autoscaling register-scalable-target, put-scheduled-action and
    put-scaling-policy, and aws cloudwatch put-metric-alarm; fill in its ${...} placeholders first.
    """
    template = _load_template(arguments.template)
    try:
        written = write_export(template, arguments.out)
    except OSError as error:
        raise InvalidInput(f"{arguments.out}: cannot write ({error})") from None
    return "\n".join(str(path) for path in written)


def _target(arguments: argparse.Namespace) -> str:
    """Print the SageMakerVariantInvocationsPerInstance target: max_rps x safety_factor x 60."""
    try:
        target = invocations_target(max_requests_per_second=arguments.max_rps, safety_factor=arguments.safety_factor)
    except ConfigurationError as error:
        raise InvalidInput("; ".join(str(problem) for problem in error.problems)) from None
    return f"{target:g}"


if __name__ == "__main__":
    raise SystemExit(main())

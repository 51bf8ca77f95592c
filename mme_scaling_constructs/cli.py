"""``mme-scaling``: inspect, export and simulate the scaling of synthesized templates, and change instance types.

Exit codes: 0 on success (also when the reader of standard output stops early, e.g. ``head``), 1
when an input file or value is invalid, an output file or standard output cannot be written or
an AWS call fails, 2 on a usage error; ``change-instance-type`` exits with its deploy command's
status when that fails. Errors are one line on standard error, naming the file, line or flag and
the problem. Flags are never abbreviated.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, NoReturn, TextIO

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
from mme_scaling_constructs.simulation.commands import JSON_TEMPLATES_ONLY, SimulationInputError, add_commands
from mme_scaling_constructs.simulation.flags import Number, restate

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
  mme-scaling change-instance-type cdk.out/MyStack.template.json --stack-name MyStack -- npx cdk deploy MyStack

exit codes: 0 success, 1 invalid input file or value, output that cannot be written or a failed
AWS call, 2 usage error (flags are never abbreviated); change-instance-type: the deploy
command's status when it fails"""
CHANGE_INSTANCE_TYPE: Final = "change-instance-type"
#: What separates change-instance-type's own arguments from the deploy command.
DEPLOY_SEPARATOR: Final = "--"
TABLE_HEADERS: Final = ("endpoint", "variant", "min", "max", "policy", "metric", "target", "cooldown in/out (s)")


#: Exit status after Ctrl-C, as shells report SIGINT (128 + 2).
EXIT_INTERRUPTED: Final = 130
#: target's flags, by the parameter of invocations_target each sets.
TARGET_FLAGS: Final = {"max_requests_per_second": "--max-rps", "safety_factor": "--safety-factor"}


class InvalidInput(Exception):
    """An input file or value the command cannot use, or a step that failed.

    Args:
        message: the error, on one line.
        status: the exit code; defaults to 1.
    """

    def __init__(self, message: str, status: int = EXIT_INVALID_INPUT) -> None:
        super().__init__(message)
        self.status = status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code.

    Usage errors raise ``SystemExit(2)`` from argparse, as ``--help`` raises ``SystemExit(0)``.
    When standard output cannot be written (closed, or the disk full), the command says so on
    standard error and returns 1; when its reader stops early (a broken pipe), it returns 0.
    """
    try:
        return _run(argv)
    except BrokenPipeError:
        _discard_standard_output()
        return EXIT_OK
    except _OutputLost as error:
        _discard_standard_output()
        _error(f"cannot write to standard output ({error})")
        return EXIT_INVALID_INPUT
    except KeyboardInterrupt:
        _say(sys.stderr, "mme-scaling: interrupted")
        return EXIT_INTERRUPTED


class _OutputLost(Exception):
    """Standard output cannot be written: it is closed, or writing fails (other than a broken pipe)."""


def _run(argv: Sequence[str] | None) -> int:
    words, deploy_command = _split_deploy_command(list(sys.argv[1:] if argv is None else argv))
    arguments = _parser().parse_args(words)
    arguments.deploy_command = deploy_command
    try:
        output = arguments.run(arguments)
    except (InvalidInput, SimulationInputError) as error:
        _error(_shown(str(error)))
        return error.status if isinstance(error, InvalidInput) else EXIT_INVALID_INPUT
    _write_standard_output(output + "\n")
    return EXIT_OK


def _write_standard_output(text: str) -> None:
    """Write ``text`` to standard output and flush it.

    Raises:
        BrokenPipeError: the reader has gone.
        _OutputLost: standard output is closed, or cannot be written.
    """
    stream = sys.stdout
    if stream is None:
        raise _OutputLost("it is closed")
    try:
        stream.write(_encodable(stream, text))
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as error:
        raise _OutputLost(_shown(str(error))) from None


def _error(message: str) -> None:
    """Print ``mme-scaling: error: <message>`` on standard error."""
    _say(sys.stderr, f"mme-scaling: error: {message}")


def _say(stream: TextIO | None, text: str) -> None:
    """Print ``text`` on ``stream`` (standard error); a closed or failing stream is left alone."""
    if stream is None:
        return
    try:
        stream.write(_encodable(stream, text + "\n"))
        stream.flush()
    except (OSError, ValueError):
        pass


def _split_deploy_command(words: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """change-instance-type's words before ``--``, and the deploy command after it (empty without one).

    argparse cannot take a command with options of its own after a positional, so the command
    is cut off first. Other subcommands keep ``--`` for argparse.
    """
    if words[:1] == [CHANGE_INSTANCE_TYPE] and DEPLOY_SEPARATOR in words:
        index = words.index(DEPLOY_SEPARATOR)
        return words[:index], tuple(words[index + 1 :])
    return words, ()


def _encodable(stream: TextIO, text: str) -> str:
    """``text`` with what the stream's encoding cannot show escaped (e.g. undecodable file names)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    return text.encode(encoding, "backslashreplace").decode(encoding, "replace")


def _discard_standard_output() -> None:
    """Point standard output at the null device, so that the reader's early exit stays quiet."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # AttributeError: standard output is closed (None)
        pass


def _shown(text: str) -> str:
    """``text`` on one line: control and other unprintable characters escaped as Python escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors on one line, help that reports a failed write, and negative numbers as values.

    Flags are never abbreviated (``allow_abbrev=False``, given to every subparser too).
    """

    def error(self, message: str) -> NoReturn:
        """Print the usage and ``message`` (escaped), and exit with status 2."""
        super().error(_shown(message))

    def print_help(self, file: Any = None) -> None:
        """Write the help to ``file`` (standard output); raise ``_OutputLost`` when it cannot be written.

        argparse itself ignores a failed write, and would exit 0 with the help lost.
        """
        if file is not None:
            super().print_help(file)
            return
        _write_standard_output(self.format_help())

    def _parse_optional(self, arg_string: str) -> Any:
        """A word that reads as a negative number (``-inf``, ``-1e5``, ``-nan``) is a value, not a flag.

        argparse takes only ``-<digits>`` and ``-<digits>.<digits>`` for numbers, so that
        ``--max-rps -inf`` failed with "expected one argument". No flag of mme-scaling looks
        like a number.
        """
        if arg_string.startswith("-") and _is_float(arg_string):
            return None
        return super()._parse_optional(arg_string)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _out_dir(value: str) -> Path:
    """The ``--out`` directory: any path but the empty one, which would mean the working directory."""
    if not value:
        raise argparse.ArgumentTypeError("must not be empty (give a directory, e.g. --out scaling/; '.' for here)")
    if "\0" in value:
        raise argparse.ArgumentTypeError("must not contain a NUL character")
    return Path(value)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mme-scaling",
        allow_abbrev=False,
        description="Inspect, export and simulate the auto scaling of SageMaker endpoints in synthesized "
        "CloudFormation templates (cdk.out/*.template.json).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    policies = commands.add_parser(
        "policies",
        help="list every scalable target and policy of a template",
        description=_doc(_policies),
        allow_abbrev=False,
    )
    policies.add_argument("template", type=Path, metavar="TEMPLATE", help="a synthesized template (JSON)")
    policies.set_defaults(run=_policies)

    export = commands.add_parser(
        "export",
        help="write AWS CLI commands and policy JSON for a template",
        description=_doc(_export),
        allow_abbrev=False,
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
        "target",
        help="compute an invocations-per-instance target from a load test",
        description=_doc(_target),
        allow_abbrev=False,
    )
    target.add_argument(
        "--max-rps",
        action=Number,
        required=True,
        metavar="R",
        help="highest requests per second one instance sustained",
    )
    target.add_argument(
        "--safety-factor",
        action=Number,
        default=DEFAULT_SAFETY_FACTOR,
        metavar="F",
        help=f"share of that rate to aim for, in (0, 1]; default {DEFAULT_SAFETY_FACTOR}",
    )
    target.set_defaults(run=_target)
    add_commands(commands)

    change = commands.add_parser(
        CHANGE_INSTANCE_TYPE,
        help="deregister a stack's scaling, and run its deploy command without, then with, the scaling",
        description=_doc(_change_instance_type),
        usage=f"mme-scaling {CHANGE_INSTANCE_TYPE} [-h] TEMPLATE --stack-name NAME [--region REGION] "
        "[--profile PROFILE] [--dry-run] -- DEPLOY_COMMAND ...",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    change.add_argument("template", type=Path, metavar="TEMPLATE", help="the new synthesized template (JSON)")
    change.add_argument("--stack-name", type=_stack_name, required=True, metavar="NAME", help="the deployed stack")
    change.add_argument(
        "--region",
        type=_region,
        metavar="REGION",
        help="AWS Region, e.g. us-east-1; default: AWS_DEFAULT_REGION, or the profile's",
    )
    change.add_argument("--profile", metavar="PROFILE", help="AWS named profile; default: the default credentials")
    change.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be deregistered, run, checked and registered; change nothing",
    )
    change.set_defaults(run=_change_instance_type, parser=change)
    return parser


#: A CloudFormation stack name: a letter, then letters, digits and hyphens, at most 128 in all.
STACK_NAME_PATTERN: Final = re.compile(r"[A-Za-z][-A-Za-z0-9]{0,127}")


def _stack_name(value: str) -> str:
    """The ``--stack-name``: a CloudFormation stack name, as ``MME_SCALING_DETACHED_STACKS`` names it."""
    if not STACK_NAME_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            "must be a stack name (a letter, then letters, digits and hyphens, at most 128), e.g. --stack-name MyStack"
        )
    return value


def _region(value: str) -> str:
    """The ``--region``: an AWS Region name (``redeploy.clients.REGION_PATTERN``), e.g. us-east-1."""
    from mme_scaling_constructs.redeploy.clients import REGION_PATTERN, REGION_RULE

    if not REGION_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError(f"must be {REGION_RULE}")
    return value


def _doc(command: Any) -> str:
    return inspect.cleandoc(str(command.__doc__))


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
        hint = "" if text.lstrip().startswith(("{", "[")) else f"; {JSON_TEMPLATES_ONLY}"
        raise InvalidInput(f"{path}: not valid JSON ({error}){hint}") from None
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
    except (NotADirectoryError, FileExistsError):
        raise InvalidInput(
            f"--out {arguments.out}: a file is in the way; --out takes a directory, which export creates if needed"
        ) from None
    except (OSError, ValueError) as error:
        raise InvalidInput(f"{arguments.out}: cannot write ({error})") from None
    return "\n".join(str(path) for path in written)


def _target(arguments: argparse.Namespace) -> str:
    """Print the SageMakerVariantInvocationsPerInstance target: max_rps x safety_factor x 60."""
    try:
        target = invocations_target(max_requests_per_second=arguments.max_rps, safety_factor=arguments.safety_factor)
    except ConfigurationError as error:
        raise InvalidInput(restate(error, TARGET_FLAGS, arguments)) from None
    return f"{target:.15g}"


def _change_instance_type(arguments: argparse.Namespace) -> str:
    """Change the instance type of a stack's auto-scaled variants, around its deploy command.

    SageMaker refuses an endpoint update that changes the instance type of a variant registered
    for auto scaling; one CloudFormation update cannot deregister it first. This command:

      1. reads TEMPLATE (the new synthesized template) and the deployed stack NAME;
      2. deregisters each scalable target of the deployed template that is registered
         (DeregisterScalableTarget also deletes its scaling policies and scheduled actions);
      3. phase 1: runs DEPLOY_COMMAND, everything after --, without a shell, with
         MME_SCALING_DETACHED_STACKS naming the stack: the app leaves the stack's scaling out,
         CloudFormation updates the endpoint and deletes the scaling resources. On failure, it
         registers the scaling of the stack's template again (after a rollback, the previous
         one) and exits with the deploy command's status;
      4. phase 2: runs DEPLOY_COMMAND again without the stack in that variable: CloudFormation
         creates the scaling resources. On failure, it exits with the deploy command's status
         and names the targets left without scaling;
      5. checks that each scalable target of the stack's template is registered, and registers
         the scaling of any that CloudFormation did not create, outside CloudFormation.

    DEPLOY_COMMAND must synthesize the app with its environment, as cdk deploy does. Each step
    is safe to run again: an unregistered target is skipped, a deploy that changes nothing
    succeeds, and registering creates or updates. When a failure leaves targets without their
    scaling, the error names them: run the same command again. Needs boto3 and AWS credentials;
    --dry-run reads the stack but changes nothing and runs nothing.
    """
    from mme_scaling_constructs.redeploy import (  # imported when the command runs: --help stays fast
        Clients,
        DeployFailed,
        InstanceTypeChange,
        MissingDependency,
        RedeployError,
        change_instance_type,
    )

    if not arguments.deploy_command:
        arguments.parser.error(
            f"a deploy command is required after {DEPLOY_SEPARATOR}, e.g. {DEPLOY_SEPARATOR} npx cdk deploy MyStack"
        )
    template = _load_template(arguments.template)
    try:
        clients = Clients(region=arguments.region, profile=arguments.profile)
    except MissingDependency as error:
        raise InvalidInput(f"{CHANGE_INSTANCE_TYPE} {error.what}") from None
    except RedeployError as error:
        raise InvalidInput(error.one_line) from None
    change = InstanceTypeChange(
        template=template,
        template_name=str(arguments.template),
        stack_name=arguments.stack_name,
        deploy_command=arguments.deploy_command,
        dry_run=arguments.dry_run,
    )
    try:
        return change_instance_type(change, clients, _progress)
    except ConfigurationError as error:
        raise _invalid_template(arguments.template, error) from None
    except DeployFailed as error:
        raise InvalidInput(error.one_line, error.status) from None
    except RedeployError as error:
        raise InvalidInput(error.one_line) from None


def _progress(line: str) -> None:
    """Print one line of progress at once; a closed or full standard output does not stop the change."""
    try:
        _write_standard_output(_shown(line) + "\n")
    except (OSError, _OutputLost):
        _discard_standard_output()


if __name__ == "__main__":
    raise SystemExit(main())

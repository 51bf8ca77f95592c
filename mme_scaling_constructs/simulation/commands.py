"""The ``simulate`` and ``recommend`` subcommands of ``mme-scaling``.

:func:`add_commands` registers both on the command line's subparsers. Each command's ``run``
takes the parsed arguments and returns the text to print, or raises :class:`SimulationInputError`
(a ``ValueError``) for an invalid input file or value: exit code 1. Usage errors are argparse's:
exit code 2. NumPy and the model are imported when a command runs, not when it is registered, so
that the other commands start as fast as before.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from mme_scaling_constructs.errors import ConfigurationError, Problem
from mme_scaling_constructs.simulation.config import (
    DEFAULT_INVOCATIONS_PER_INSTANCE,
    DEFAULT_MAX_CAPACITY,
    DEFAULT_MIN_CAPACITY,
    DEFAULT_MIN_CAPACITY_FLOOR,
    DEFAULT_OVERLOAD_BUDGET,
    DEFAULT_SCALE_IN_COOLDOWN_S,
    DEFAULT_SCALE_OUT_COOLDOWN_S,
    DEFAULT_UTILIZATION_PERCENT,
    INVOCATIONS,
    UTILIZATION,
    SimulatedPolicy,
    SimulationConfig,
)
from mme_scaling_constructs.simulation.flags import Number, flag_problem, restate
from mme_scaling_constructs.simulation.parameters import (
    DEFAULT_MODEL_LOAD_MINUTES,
    DEFAULT_STARTUP_MINUTES,
    ModelParameters,
)

if TYPE_CHECKING:
    from mme_scaling_constructs.simulation.model import SimulationResult
    from mme_scaling_constructs.simulation.trace import Trace

#: The flags that describe a configuration, by argparse destination.
CONFIG_FLAGS: Final = (
    ("min", "--min"),
    ("max", "--max"),
    ("invocations_target", "--invocations-target"),
    ("utilization_percent", "--utilization-percent"),
    ("scale_in_cooldown", "--scale-in-cooldown"),
    ("scale_out_cooldown", "--scale-out-cooldown"),
)
#: Width of the progress bar, in characters.
PROGRESS_WIDTH: Final = 40
#: What follows "not valid JSON" when a template file is not JSON at all (e.g. YAML).
JSON_TEMPLATES_ONLY: Final = (
    "mme-scaling reads JSON templates only: cdk.out/<stack>.template.json, or the output of cdk synth --json"
)
#: The parameters of the model and of a run, by the flags that set them.
_RUN_FLAGS: Final = {
    "startup_minutes": "--startup-minutes",
    "model_load_minutes": "--model-load-minutes",
    "max_rps_per_instance": "--max-rps-per-instance",
    "price_per_instance_hour": "--price-per-instance-hour",
    "instance_type": "--instance-type",
}
#: simulate's flags, by the library parameter each sets (with --instance-type and no --template or --config).
SIMULATE_FLAGS: Final = {
    **_RUN_FLAGS,
    "min_capacity": "--min",
    "max_capacity": "--max",
    "policies[0].target": "--invocations-target",
    "policies[1].target": "--utilization-percent",
    "scale_in_cooldown_s": "--scale-in-cooldown",
    "scale_out_cooldown_s": "--scale-out-cooldown",
}
#: recommend's flags, by the library parameter each sets.
RECOMMEND_FLAGS: Final = {
    **_RUN_FLAGS,
    "overload_budget": "--overload-budget",
    "min_capacity_floor": "--min-capacity-floor",
}


class SimulationInputError(ValueError):
    """An input file or value the simulate or recommend command cannot use (exit code 1)."""


def add_commands(subparsers: Any) -> None:
    """Register ``simulate`` and ``recommend`` on ``subparsers`` (from ``add_subparsers``)."""
    sim = subparsers.add_parser(
        "simulate",
        help="simulate a scaling configuration on a per-minute traffic trace",
        description=str(run_simulate.__doc__).strip(),
        allow_abbrev=False,
    )
    _common(sim)
    source = sim.add_mutually_exclusive_group()
    source.add_argument("--template", type=Path, metavar="FILE", help="a synthesized template with one scalable target")
    source.add_argument(
        "--config", type=Path, metavar="REC.json", help="a report of recommend or simulate --json (its configuration)"
    )
    sim.add_argument("--instance-type", metavar="T", help="the variant's ml.* instance type")
    sim.add_argument(
        "--min", action=Number, kind=int, metavar="N", help=f"lowest instance count (default {DEFAULT_MIN_CAPACITY})"
    )
    sim.add_argument(
        "--max", action=Number, kind=int, metavar="N", help=f"highest instance count (default {DEFAULT_MAX_CAPACITY})"
    )
    sim.add_argument(
        "--invocations-target",
        action=Number,
        metavar="X",
        help=f"invocations per instance per minute (default {DEFAULT_INVOCATIONS_PER_INSTANCE:g})",
    )
    sim.add_argument(
        "--utilization-percent",
        action=Number,
        metavar="P",
        help=f"CPU or GPU utilization target per device (default {DEFAULT_UTILIZATION_PERCENT:g})",
    )
    sim.add_argument(
        "--scale-in-cooldown",
        action=Number,
        kind=int,
        metavar="SECONDS",
        help=f"default {DEFAULT_SCALE_IN_COOLDOWN_S}",
    )
    sim.add_argument(
        "--scale-out-cooldown",
        action=Number,
        kind=int,
        metavar="SECONDS",
        help=f"default {DEFAULT_SCALE_OUT_COOLDOWN_S}",
    )
    sim.set_defaults(run=run_simulate)

    rec = subparsers.add_parser(
        "recommend",
        help="find the cheapest scaling configuration within an overload budget",
        description=str(run_recommend.__doc__).strip(),
        allow_abbrev=False,
    )
    _common(rec)
    rec.add_argument("--instance-type", required=True, metavar="T", help="the variant's ml.* instance type")
    rec.add_argument(
        "--overload-budget",
        action=Number,
        default=DEFAULT_OVERLOAD_BUDGET,
        metavar="F",
        help=f"share of minutes allowed to be overloaded (default {DEFAULT_OVERLOAD_BUDGET})",
    )
    rec.add_argument(
        "--min-capacity-floor",
        action=Number,
        kind=int,
        default=DEFAULT_MIN_CAPACITY_FLOOR,
        metavar="N",
        help=f"lowest min capacity searched (default {DEFAULT_MIN_CAPACITY_FLOOR}, for Multi-AZ)",
    )
    rec.set_defaults(run=run_recommend)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "trace", type=Path, metavar="TRACE", help="CSV: header, then minute (ISO 8601 or index),invocations"
    )
    parser.add_argument(
        "--max-rps-per-instance",
        action=Number,
        required=True,
        metavar="R",
        help="requests per second one instance sustains (from a load test)",
    )
    parser.add_argument(
        "--startup-minutes",
        action=Number,
        kind=int,
        default=DEFAULT_STARTUP_MINUTES,
        metavar="M",
        help=f"minutes until a new instance serves (default {DEFAULT_STARTUP_MINUTES})",
    )
    parser.add_argument(
        "--model-load-minutes",
        action=Number,
        kind=int,
        default=DEFAULT_MODEL_LOAD_MINUTES,
        metavar="M",
        help=f"further minutes a new instance loads models (default {DEFAULT_MODEL_LOAD_MINUTES})",
    )
    parser.add_argument("--price-per-instance-hour", action=Number, metavar="P", help="adds costs to the report")
    parser.add_argument(
        "--json", type=_output_file("--json report.json"), metavar="OUT", help="write the JSON report to OUT"
    )
    parser.add_argument(
        "--plot", type=_output_file("--plot run.png"), metavar="OUT.png", help="write a PNG plot (needs matplotlib)"
    )


def _output_file(example: str) -> Any:
    """The argparse type of an output file flag: any path but the empty one (the working directory)."""

    def output_file(value: str) -> Path:
        if not value:
            raise argparse.ArgumentTypeError(f"must be a file path, e.g. {example}")
        if "\0" in value:
            raise argparse.ArgumentTypeError("must not contain a NUL character")
        return Path(value)

    return output_file


def _invalid(error: ConfigurationError, prefix: str = "") -> SimulationInputError:
    return SimulationInputError(prefix + "; ".join(str(problem) for problem in error.problems))


def _restated(error: ConfigurationError, flags: dict[str, str], arguments: argparse.Namespace) -> SimulationInputError:
    """``error``'s problems naming the flags the user typed (``--max-rps-per-instance: got 0; ...``)."""
    return SimulationInputError(restate(error, flags, arguments))


def _parameters(arguments: argparse.Namespace) -> ModelParameters:
    try:
        return ModelParameters(
            startup_minutes=arguments.startup_minutes, model_load_minutes=arguments.model_load_minutes
        )
    except ConfigurationError as error:
        raise _restated(error, _RUN_FLAGS, arguments) from None


def _trace(arguments: argparse.Namespace) -> Trace:
    from mme_scaling_constructs.simulation.trace import read_trace

    try:
        return read_trace(arguments.trace)
    except ConfigurationError as error:
        raise _invalid(error) from None


def _check_numbers(arguments: argparse.Namespace, names: tuple[str, ...]) -> None:
    """Refuse NaN and infinities, which argparse's ``float`` accepts."""
    bad = [
        flag_problem(f"--{name.replace('_', '-')}", value, "a finite number", arguments)
        for name in names
        if isinstance(value := getattr(arguments, name, None), float) and not math.isfinite(value)
    ]
    if bad:
        raise SimulationInputError("; ".join(str(problem) for problem in bad))


def _read_json(path: Path, *, template: bool = False) -> Any:
    """The JSON document at ``path``; for a ``template``, a text that is no JSON at all says that templates are JSON."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SimulationInputError(f"{path}: no such file") from None
    except (OSError, ValueError) as error:
        raise SimulationInputError(f"{path}: not a readable JSON file ({error})") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        hint = f"; {JSON_TEMPLATES_ONLY}" if template and not text.lstrip().startswith(("{", "[")) else ""
        raise SimulationInputError(f"{path}: not a readable JSON file ({error}){hint}") from None


def _config(arguments: argparse.Namespace) -> SimulationConfig:
    given = [flag for field, flag in CONFIG_FLAGS if getattr(arguments, field, None) is not None]
    source = "--template" if arguments.template is not None else "--config" if arguments.config is not None else None
    if source is not None and given:
        raise SimulationInputError(
            f"{', '.join(given)}: not allowed with {source}, which gives the whole configuration"
        )
    if arguments.config is not None:
        document = _read_json(arguments.config)
        key = next((k for k in ("recommended", "config") if isinstance(document, dict) and k in document), None)
        try:
            return SimulationConfig.from_json(document[key] if key else document, key or "config")
        except ConfigurationError as error:
            raise _invalid(error, f"{arguments.config}: ") from None
    if arguments.template is not None:
        return _template_config(arguments)
    if arguments.instance_type is None:
        raise SimulationInputError("--instance-type T, --template FILE or --config REC.json is required")
    _check_instance_type(arguments.instance_type)
    invocations = arguments.invocations_target
    utilization = arguments.utilization_percent
    try:
        return SimulationConfig(
            min_capacity=DEFAULT_MIN_CAPACITY if arguments.min is None else arguments.min,
            max_capacity=DEFAULT_MAX_CAPACITY if arguments.max is None else arguments.max,
            policies=(
                SimulatedPolicy(
                    metric=INVOCATIONS, target=DEFAULT_INVOCATIONS_PER_INSTANCE if invocations is None else invocations
                ),
                SimulatedPolicy(
                    metric=UTILIZATION, target=DEFAULT_UTILIZATION_PERCENT if utilization is None else utilization
                ),
            ),
            scale_in_cooldown_s=(
                DEFAULT_SCALE_IN_COOLDOWN_S if arguments.scale_in_cooldown is None else arguments.scale_in_cooldown
            ),
            scale_out_cooldown_s=(
                DEFAULT_SCALE_OUT_COOLDOWN_S if arguments.scale_out_cooldown is None else arguments.scale_out_cooldown
            ),
            instance_type=arguments.instance_type,
        )
    except ConfigurationError as error:
        raise _restated(error, SIMULATE_FLAGS, arguments) from None


def _template_config(arguments: argparse.Namespace) -> SimulationConfig:
    """The configuration of ``--template``, whose instance type ``--instance-type`` overrides when given."""
    from mme_scaling_constructs.simulation.sources import config_from_template

    template = _read_json(arguments.template, template=True)
    flags = {}
    if arguments.instance_type is not None:
        _check_instance_type(arguments.instance_type)
        flags["instance_type"] = "--instance-type"
    try:
        config = config_from_template(template, instance_type=arguments.instance_type)
    except ConfigurationError as error:
        raise SimulationInputError(f"{arguments.template}: {restate(error, flags, arguments)}") from None
    return config


def _override_note(arguments: argparse.Namespace) -> str | None:
    """The note that ``--instance-type`` overrides the instance type of ``--template``, when it does."""
    from mme_scaling_constructs.simulation.sources import template_instance_type

    if arguments.template is None or arguments.instance_type is None:
        return None
    own = template_instance_type(_read_json(arguments.template, template=True))
    if own is None or own == arguments.instance_type:
        return None
    return f"--instance-type {arguments.instance_type} overrides the template's instance type {own}"


def _note(text: str) -> None:
    """Print ``mme-scaling: note: <text>`` on standard error, if it can be written."""
    try:
        if sys.stderr is not None:
            print(f"mme-scaling: note: {text}", file=sys.stderr)
    except (OSError, ValueError):
        pass


#: Accepted instance types, in the library's words (scaling.py, presets.py).
UNKNOWN_INSTANCE_TYPE_RULE: Final = (
    "a SageMaker hosting type in mme_scaling_constructs.INSTANCE_TYPES, e.g. ml.c5.xlarge"
)
BURSTABLE_INSTANCE_TYPE_RULE: Final = "a non-burstable type: SageMaker cannot auto scale burstable ml.t* instances"


def _check_instance_type(instance_type: str) -> None:
    """Refuse a type EndpointScaling refuses: unknown to the catalogue, burstable, or without MME support."""
    from mme_scaling_constructs.instance_catalogue import (
        INSTANCE_TYPE_RULE,
        MME_GPU_INSTANCE_TYPES,
        MmeSupport,
        is_well_formed,
        lookup,
    )

    spec = lookup(instance_type)
    if not is_well_formed(instance_type):
        allowed = INSTANCE_TYPE_RULE
    elif spec is None:
        allowed = UNKNOWN_INSTANCE_TYPE_RULE
    elif spec.is_burstable:
        allowed = BURSTABLE_INSTANCE_TYPE_RULE
    elif spec.mme_support is MmeSupport.UNSUPPORTED:
        allowed = (
            "a type multi-model endpoints support: any CPU type, or one of the single-GPU types "
            f"{', '.join(MME_GPU_INSTANCE_TYPES)}"
        )
    else:
        return
    raise SimulationInputError(str(Problem(parameter="--instance-type", value=instance_type, allowed=allowed)))


def _outputs(
    arguments: argparse.Namespace,
    document: dict[str, Any],
    trace: Trace,
    result: SimulationResult,
    config: SimulationConfig,
) -> None:
    from mme_scaling_constructs.simulation.report import write_json, write_plot

    def write_report(path: Path) -> None:
        write_json(path, document)

    def write_figure(path: Path) -> None:
        write_plot(path, trace, result, config, max_rps_per_instance=arguments.max_rps_per_instance)

    writers: tuple[tuple[str, Path | None, Callable[[Path], None]], ...] = (
        ("--json", arguments.json, write_report),
        ("--plot", arguments.plot, write_figure),
    )
    for flag, path, write in writers:
        if path is None:
            continue
        try:
            write(path)
        except ConfigurationError as error:
            raise _invalid(error) from None
        except IsADirectoryError:
            raise SimulationInputError(f"{flag} {path}: is a directory; {flag} takes a file path") from None
        except (OSError, ValueError) as error:
            raise SimulationInputError(f"{flag} {path}: cannot write ({error})") from None


def run_simulate(arguments: argparse.Namespace) -> str:
    """Simulate Application Auto Scaling on a per-minute trace and print the figures beside a static peak fleet.

    The configuration comes from --template, --config (a recommend or simulate --json report), or
    --instance-type with optional --min, --max, --invocations-target, --utilization-percent and
    cooldown flags; unset flags take the instance type's default preset values. With --template,
    --instance-type overrides the template's instance type (a note on standard error says so).
    """
    _check_numbers(
        arguments, ("max_rps_per_instance", "invocations_target", "utilization_percent", "price_per_instance_hour")
    )
    from mme_scaling_constructs.simulation.model import simulate
    from mme_scaling_constructs.simulation.report import report_json, summary

    config = _config(arguments)
    parameters = _parameters(arguments)
    trace = _trace(arguments)
    try:
        result = simulate(
            trace,
            config,
            max_rps_per_instance=arguments.max_rps_per_instance,
            parameters=parameters,
            price_per_instance_hour=arguments.price_per_instance_hour,
        )
    except ConfigurationError as error:
        raise _restated(error, _RUN_FLAGS, arguments) from None
    document = report_json(result, config, max_rps_per_instance=arguments.max_rps_per_instance, parameters=parameters)
    _outputs(arguments, document, trace, result, config)
    note = _override_note(arguments)
    if note is not None:
        _note(note)
    return summary(result, config)


def run_recommend(arguments: argparse.Namespace) -> str:
    """Search min, max, the invocations target and the cooldowns for the cheapest configuration within the budget.

    Prints it as a ScalingPreset call and as policy JSON, with its simulated figures beside the
    static peak fleet. --json writes the report, whose "recommended" object simulate --config reads.
    """
    _check_numbers(arguments, ("max_rps_per_instance", "overload_budget", "price_per_instance_hour"))
    from mme_scaling_constructs.simulation.recommend import recommend
    from mme_scaling_constructs.simulation.report import report_json, summary

    _check_instance_type(arguments.instance_type)
    parameters = _parameters(arguments)
    trace = _trace(arguments)
    stream = sys.stderr
    progress = _progress_bar(stream) if stream is not None and stream.isatty() else None
    try:
        recommendation = recommend(
            trace,
            max_rps_per_instance=arguments.max_rps_per_instance,
            instance_type=arguments.instance_type,
            overload_budget=arguments.overload_budget,
            min_capacity_floor=arguments.min_capacity_floor,
            parameters=parameters,
            price_per_instance_hour=arguments.price_per_instance_hour,
            progress=progress,
        )
    except ConfigurationError as error:
        raise _restated(error, RECOMMEND_FLAGS, arguments) from None
    finally:
        if progress is not None:
            _write_quietly(stream, "\n")
    result, config = recommendation.result, recommendation.config
    document = report_json(
        result,
        config,
        max_rps_per_instance=arguments.max_rps_per_instance,
        parameters=parameters,
        recommendation=recommendation,
    )
    _outputs(arguments, document, trace, result, config)
    verdict = (
        f"within the overload budget of {recommendation.overload_budget:g}"
        if recommendation.within_budget
        else f"NO candidate fits the overload budget of {recommendation.overload_budget:g}; fewest overloaded minutes"
    )
    return "\n\n".join(
        (
            summary(result, config, title=f"Recommended ({verdict}, {recommendation.candidates} candidates)"),
            document["preset_python"],
            json.dumps(document["policy_json"], indent=2),
        )
    )


def _write_quietly(stream: Any, text: str) -> None:
    """Write ``text`` to ``stream`` (standard error) and flush; a stream that fails is left alone."""
    try:
        stream.write(text)
        stream.flush()
    except (OSError, ValueError):
        pass


def _progress_bar(stream: Any) -> Any:
    def show(done: int, total: int) -> None:
        filled = PROGRESS_WIDTH * done // max(total, 1)
        _write_quietly(
            stream,
            f"\rsimulating [{'#' * filled}{' ' * (PROGRESS_WIDTH - filled)}] {100 * done // max(total, 1):3d}%",
        )

    return show

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


class SimulationInputError(ValueError):
    """An input file or value the simulate or recommend command cannot use (exit code 1)."""


def add_commands(subparsers: Any) -> None:
    """Register ``simulate`` and ``recommend`` on ``subparsers`` (from ``add_subparsers``)."""
    sim = subparsers.add_parser(
        "simulate",
        help="simulate a scaling configuration on a per-minute traffic trace",
        description=str(run_simulate.__doc__).strip(),
    )
    _common(sim)
    source = sim.add_mutually_exclusive_group()
    source.add_argument("--template", type=Path, metavar="FILE", help="a synthesized template with one scalable target")
    source.add_argument(
        "--config", type=Path, metavar="REC.json", help="a report of recommend or simulate --json (its configuration)"
    )
    sim.add_argument("--instance-type", metavar="T", help="the variant's ml.* instance type")
    sim.add_argument("--min", type=int, metavar="N", help=f"lowest instance count (default {DEFAULT_MIN_CAPACITY})")
    sim.add_argument("--max", type=int, metavar="N", help=f"highest instance count (default {DEFAULT_MAX_CAPACITY})")
    sim.add_argument(
        "--invocations-target",
        type=float,
        metavar="X",
        help=f"invocations per instance per minute (default {DEFAULT_INVOCATIONS_PER_INSTANCE:g})",
    )
    sim.add_argument(
        "--utilization-percent",
        type=float,
        metavar="P",
        help=f"CPU or GPU utilization target per device (default {DEFAULT_UTILIZATION_PERCENT:g})",
    )
    sim.add_argument("--scale-in-cooldown", type=int, metavar="SECONDS", help=f"default {DEFAULT_SCALE_IN_COOLDOWN_S}")
    sim.add_argument(
        "--scale-out-cooldown", type=int, metavar="SECONDS", help=f"default {DEFAULT_SCALE_OUT_COOLDOWN_S}"
    )
    sim.set_defaults(run=run_simulate)

    rec = subparsers.add_parser(
        "recommend",
        help="find the cheapest scaling configuration within an overload budget",
        description=str(run_recommend.__doc__).strip(),
    )
    _common(rec)
    rec.add_argument("--instance-type", required=True, metavar="T", help="the variant's ml.* instance type")
    rec.add_argument(
        "--overload-budget",
        type=float,
        default=DEFAULT_OVERLOAD_BUDGET,
        metavar="F",
        help=f"share of minutes allowed to be overloaded (default {DEFAULT_OVERLOAD_BUDGET})",
    )
    rec.add_argument(
        "--min-capacity-floor",
        type=int,
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
        type=float,
        required=True,
        metavar="R",
        help="requests per second one instance sustains (from a load test)",
    )
    parser.add_argument(
        "--startup-minutes",
        type=int,
        default=DEFAULT_STARTUP_MINUTES,
        metavar="M",
        help=f"minutes until a new instance serves (default {DEFAULT_STARTUP_MINUTES})",
    )
    parser.add_argument(
        "--model-load-minutes",
        type=int,
        default=DEFAULT_MODEL_LOAD_MINUTES,
        metavar="M",
        help=f"further minutes a new instance loads models (default {DEFAULT_MODEL_LOAD_MINUTES})",
    )
    parser.add_argument("--price-per-instance-hour", type=float, metavar="P", help="adds costs to the report")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the JSON report to OUT")
    parser.add_argument("--plot", type=Path, metavar="OUT.png", help="write a PNG plot (needs matplotlib)")


def _invalid(error: ConfigurationError, prefix: str = "") -> SimulationInputError:
    return SimulationInputError(prefix + "; ".join(str(problem) for problem in error.problems))


def _parameters(arguments: argparse.Namespace) -> ModelParameters:
    try:
        return ModelParameters(
            startup_minutes=arguments.startup_minutes, model_load_minutes=arguments.model_load_minutes
        )
    except ConfigurationError as error:
        raise _invalid(error) from None


def _trace(arguments: argparse.Namespace) -> Trace:
    from mme_scaling_constructs.simulation.trace import read_trace

    try:
        return read_trace(arguments.trace)
    except ConfigurationError as error:
        raise _invalid(error) from None


def _check_numbers(arguments: argparse.Namespace, names: tuple[str, ...]) -> None:
    """Refuse NaN and infinities, which argparse's ``float`` accepts."""
    bad = [
        Problem(parameter=f"--{name.replace('_', '-')}", value=value, allowed="a finite number")
        for name in names
        if isinstance(value := getattr(arguments, name, None), float) and not math.isfinite(value)
    ]
    if bad:
        raise SimulationInputError("; ".join(str(problem) for problem in bad))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise SimulationInputError(f"{path}: no such file") from None
    except (OSError, UnicodeError, ValueError, RecursionError) as error:
        raise SimulationInputError(f"{path}: not a readable JSON file ({error})") from None


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
        from mme_scaling_constructs.simulation.sources import config_from_template

        try:
            return config_from_template(_read_json(arguments.template), instance_type=arguments.instance_type)
        except ConfigurationError as error:
            raise _invalid(error, f"{arguments.template}: ") from None
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
        raise _invalid(error) from None


def _check_instance_type(instance_type: str) -> None:
    from mme_scaling_constructs.instance_catalogue import INSTANCE_TYPE_RULE, is_well_formed

    if not is_well_formed(instance_type):
        raise SimulationInputError(
            str(Problem(parameter="--instance-type", value=instance_type, allowed=INSTANCE_TYPE_RULE))
        )


def _outputs(
    arguments: argparse.Namespace,
    document: dict[str, Any],
    trace: Trace,
    result: SimulationResult,
    config: SimulationConfig,
) -> None:
    from mme_scaling_constructs.simulation.report import write_json, write_plot

    try:
        if arguments.json is not None:
            write_json(arguments.json, document)
        if arguments.plot is not None:
            write_plot(arguments.plot, trace, result, config, max_rps_per_instance=arguments.max_rps_per_instance)
    except ConfigurationError as error:
        raise _invalid(error) from None
    except (OSError, ValueError) as error:
        raise SimulationInputError(f"cannot write output ({error})") from None


def run_simulate(arguments: argparse.Namespace) -> str:
    """Simulate Application Auto Scaling on a per-minute trace and print the figures beside a static peak fleet.

    The configuration comes from --template, --config (a recommend or simulate --json report), or
    --instance-type with optional --min, --max, --invocations-target, --utilization-percent and
    cooldown flags; unset flags take the instance type's default preset values.
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
        raise _invalid(error) from None
    document = report_json(result, config, max_rps_per_instance=arguments.max_rps_per_instance, parameters=parameters)
    _outputs(arguments, document, trace, result, config)
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
    progress = _progress_bar(stream) if stream.isatty() else None
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
        raise _invalid(error) from None
    finally:
        if progress is not None:
            stream.write("\n")
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


def _progress_bar(stream: Any) -> Any:
    def show(done: int, total: int) -> None:
        filled = PROGRESS_WIDTH * done // max(total, 1)
        stream.write(
            f"\rsimulating [{'#' * filled}{' ' * (PROGRESS_WIDTH - filled)}] {100 * done // max(total, 1):3d}%"
        )
        stream.flush()

    return show

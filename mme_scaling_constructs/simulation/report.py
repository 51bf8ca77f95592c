"""What a simulation reports.

A readable summary, a JSON document, the recommended preset as Python and policy JSON, and a
PNG plot (with matplotlib, an optional dependency).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import numpy as np

from mme_scaling_constructs.constants import INVOCATIONS_PER_INSTANCE_METRIC
from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.simulation.config import UTILIZATION, SimulationConfig
from mme_scaling_constructs.simulation.model import SimulationResult
from mme_scaling_constructs.simulation.parameters import ModelParameters
from mme_scaling_constructs.simulation.recommend import Recommendation
from mme_scaling_constructs.simulation.trace import Trace

#: How to install the plotting extra.
PLOT_INSTALL: Final = "matplotlib installed: pip install 'mme-scaling-constructs[plot]'"


def report_json(
    result: SimulationResult,
    config: SimulationConfig,
    *,
    max_rps_per_instance: float,
    parameters: ModelParameters,
    recommendation: Recommendation | None = None,
) -> dict[str, Any]:
    """The JSON report: the figures, the static peak fleet's, the configuration and the model.

    ``recommend`` adds ``recommended`` (the configuration, readable back with ``--config``),
    ``within_budget``, ``overload_budget``, ``candidates``, ``preset_python`` and ``policy_json``.
    """
    document: dict[str, Any] = {
        "minutes": result.minutes,
        "instance_minutes": result.instance_minutes,
        "overloaded_minutes": result.overloaded_minutes,
        "max_overload_ratio": result.max_overload_ratio,
        "scaling_activities": result.scaling_activities,
        "static_peak_instances": result.static_peak_instances,
        "static_peak_instance_minutes": result.static_peak_instance_minutes,
        "static_peak_overloaded_minutes": 0,
        "cost": result.cost,
        "static_peak_cost": result.static_peak_cost,
        "max_rps_per_instance": max_rps_per_instance,
        "model": {
            "scale_out_datapoints": parameters.scale_out_datapoints,
            "scale_in_datapoints": parameters.scale_in_datapoints,
            "scale_in_threshold_ratio": parameters.scale_in_threshold_ratio,
            "startup_minutes": parameters.startup_minutes,
            "model_load_minutes": parameters.model_load_minutes,
        },
        "config": config.to_json(),
    }
    if recommendation is not None:
        document["recommended"] = recommendation.config.to_json()
        document["within_budget"] = recommendation.within_budget
        document["overload_budget"] = recommendation.overload_budget
        document["candidates"] = recommendation.candidates
        document["preset_python"] = preset_python(recommendation.config)
        document["policy_json"] = policy_json(recommendation.config)
    return document


def summary(result: SimulationResult, config: SimulationConfig, *, title: str = "Simulation") -> str:
    """A readable summary of ``result`` beside the static peak fleet."""
    hours = result.minutes / 60
    lines = [
        f"{title}: {result.minutes} minutes ({hours / 24:.1f} days), "
        f"min {config.min_capacity}, max {config.max_capacity}, "
        + ", ".join(f"{p.metric} target {p.target:g}" for p in config.policies)
        + f", cooldowns in/out {config.scale_in_cooldown_s}/{config.scale_out_cooldown_s} s",
        f"{'':24}{'autoscaled':>14}{'static peak':>14}",
        f"{'instance-hours':24}{result.instance_minutes / 60:>14.1f}{result.static_peak_instance_minutes / 60:>14.1f}",
        f"{'mean instances':24}{result.instance_minutes / result.minutes:>14.2f}{result.static_peak_instances:>14d}",
        f"{'overloaded minutes':24}{result.overloaded_minutes:>14d}{0:>14d}",
        f"{'max load / capacity':24}{result.max_overload_ratio:>14.2f}{'<= 1':>14}",
        f"{'scaling activities':24}{result.scaling_activities:>14d}{0:>14d}",
    ]
    if result.cost is not None and result.static_peak_cost is not None:
        lines.append(f"{'cost':24}{result.cost:>14.2f}{result.static_peak_cost:>14.2f}")
    return "\n".join(lines)


def preset_python(config: SimulationConfig) -> str:
    """``config`` as a ``ScalingPreset`` call, with a ``with_schedule`` call per scheduled action.

    Only the first invocations and utilization policies are written: the ones the recommender sets.
    """
    arguments = [f"min_capacity={config.min_capacity}", f"max_capacity={config.max_capacity}"]
    if config.invocations_per_instance is not None:
        arguments.append(f"invocations_per_instance={config.invocations_per_instance!r}")
    is_gpu = config.instance_type is not None and _is_gpu(config.instance_type)
    if config.utilization_percent is not None:
        name = "gpu_utilization_percent" if is_gpu else "cpu_utilization_percent"
        arguments.append(f"{name}={config.utilization_percent!r}")
    arguments += [
        f"scale_in_cooldown=Duration.seconds({config.scale_in_cooldown_s})",
        f"scale_out_cooldown=Duration.seconds({config.scale_out_cooldown_s})",
    ]
    head = (
        f"ScalingPreset.for_instance_type(\n    {config.instance_type!r},\n"
        if config.instance_type is not None
        else "ScalingPreset.cpu(\n"
    )
    call = head + "".join(f"    {argument},\n" for argument in arguments) + ")"
    if not config.schedules:
        return call
    chained = "".join(
        f"    .with_schedule(ScheduledScaling(name={action.name!r}, schedule={action.schedule!r}"
        + "".join(
            f", {bound}={getattr(action, bound)}"
            for bound in ("min_capacity", "max_capacity")
            if getattr(action, bound) is not None
        )
        + ("" if action.time_zone is None else f", time_zone={action.time_zone!r}")
        + "".join(
            f", {bound}=datetime.datetime.fromisoformat({getattr(action, bound)!r})"
            for bound in ("start_time", "end_time")
            if getattr(action, bound) is not None
        )
        + "))\n"
        for action in config.schedules
    )
    return "(\n" + "\n".join(f"    {line}" for line in call.splitlines()) + "\n" + chained + ")"


def _is_gpu(instance_type: str) -> bool:
    from mme_scaling_constructs.instance_catalogue import lookup

    spec = lookup(instance_type)
    return spec is not None and spec.is_gpu


def policy_json(config: SimulationConfig) -> dict[str, Any]:
    """The invocations policy as a ``TargetTrackingScalingPolicyConfiguration`` (``put-scaling-policy``)."""
    return {
        "TargetValue": config.invocations_per_instance,
        "PredefinedMetricSpecification": {"PredefinedMetricType": INVOCATIONS_PER_INSTANCE_METRIC},
        "ScaleInCooldown": config.scale_in_cooldown_s,
        "ScaleOutCooldown": config.scale_out_cooldown_s,
    }


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` as indented JSON."""
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def write_plot(
    path: Path, trace: Trace, result: SimulationResult, config: SimulationConfig, *, max_rps_per_instance: float
) -> None:
    """Plot traffic, capacity, in-service instances and the target lines into the PNG ``path``.

    Raises:
        ConfigurationError: when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        problems = Problems("plot")
        problems.add("plot", str(path), PLOT_INSTALL)
        problems.raise_if_any()
        raise
    hours = np.arange(result.minutes) / 60
    figure, (traffic, instances) = pyplot.subplots(2, 1, sharex=True, figsize=(12, 6.5))
    per_instance = max_rps_per_instance * 60
    traffic.plot(hours, trace.invocations, linewidth=0.6, color="tab:blue", label="invocations per minute")
    traffic.plot(hours, result.in_service * per_instance, linewidth=0.8, color="tab:red", label="in-service capacity")
    for policy, target in zip(config.policies, config.invocations_targets(max_rps_per_instance), strict=True):
        label = f"{policy.metric} target x in-service" + (
            f" ({policy.target:g} %)" if policy.metric == UTILIZATION else ""
        )
        traffic.plot(hours, result.in_service * target, linewidth=0.6, linestyle="--", label=label)
    traffic.set_ylabel("invocations / minute")
    traffic.legend(loc="upper right", fontsize="small")
    instances.step(hours, result.capacity, where="post", color="tab:green", label="capacity (provisioned)")
    instances.step(hours, result.in_service, where="post", color="tab:orange", label="in service")
    instances.axhline(result.static_peak_instances, color="grey", linestyle=":", label="static peak fleet")
    instances.set_ylabel("instances")
    instances.set_xlabel("hours")
    instances.legend(loc="upper right", fontsize="small")
    figure.suptitle(
        f"{trace.source}: {result.instance_minutes / 60:.0f} instance-hours, "
        f"{result.overloaded_minutes} overloaded minutes, {result.scaling_activities} scaling activities"
    )
    figure.tight_layout()
    try:
        figure.savefig(path, format="png", dpi=100)
    finally:
        pyplot.close(figure)

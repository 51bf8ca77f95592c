"""The recommender: the cheapest scaling configuration whose overload stays within a budget.

The search runs every candidate of a grid in lockstep (:mod:`.lockstep`): minimum capacities
from the floor up, maximum capacities at and below the static peak fleet (the trace never needs
more; a lower ceiling trades overloaded peak minutes for instance-minutes), invocation
targets as shares of the load-tested capacity (AWS's ``max_rps x safety_factor x 60``, with
safety factors around AWS's 0.5, SageMaker's endpoint-scaling-loadtest page), and scale-in and scale-out cooldowns. The
cheapest candidate (fewest instance-minutes) whose overloaded minutes are at most
``overload_budget`` of the trace wins; ties go to fewer overloaded minutes, then fewer scaling
activities.

On traffic with daily or weekly peaks (at least two days or two weeks of it), the recommender
also tries the cheapest reactive candidates with scheduled actions learned from the trace
(:mod:`.learned_schedules`), simulated one by one, and keeps them when they are cheaper within
the budget. The winner gets a utilization policy at 100 % per device, which never acts before
its invocations policy (every target searched is below the load-tested capacity) but keeps the
presets' shape, and is simulated again by :func:`.model.simulate`, whose figures are
reported, so that running the recommended configuration reproduces them exactly.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.simulation.config import (
    CAPACITY_RULE,
    DEFAULT_MIN_CAPACITY_FLOOR,
    DEFAULT_OVERLOAD_BUDGET,
    INVOCATIONS,
    UTILIZATION,
    SimulatedPolicy,
    SimulationConfig,
    is_number,
    is_whole,
)
from mme_scaling_constructs.simulation.learned_schedules import learned_schedules
from mme_scaling_constructs.simulation.lockstep import simulate_many
from mme_scaling_constructs.simulation.model import (
    SimulationResult,
    check_price,
    check_rate,
    simulate,
    static_peak_instances,
)
from mme_scaling_constructs.simulation.parameters import ModelParameters
from mme_scaling_constructs.simulation.trace import Trace

#: Safety factors searched: the target is ``factor x max_rps x 60``.
SAFETY_FACTORS: Final = (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
#: Scale-out cooldowns searched, in seconds.
SCALE_OUT_COOLDOWNS_S: Final = (60, 180, 300)
#: Scale-in cooldowns searched, in seconds.
SCALE_IN_COOLDOWNS_S: Final = (300, 600, 900, 1800)
#: Minimum capacities searched: the floor and this many more, as the trace allows.
EXTRA_MINIMUMS: Final = 2
#: Maximum capacities searched, as shares of the static peak fleet (rounded up, never below the minimum).
MAXIMUM_SHARES: Final = (1.0, 0.9, 0.75)
#: Reactive candidates (the cheapest, at the lowest minimum) tried with learned schedules.
SCHEDULED_BASES: Final = 4
#: Shares of each hour's typical peak that learned schedules hold as the floor.
SCHEDULE_FRACTIONS: Final = (0.5, 0.75, 1.0)


@dataclass(frozen=True, kw_only=True, eq=False)
class Recommendation:
    """The recommended configuration and its figures.

    Args:
        config: the configuration.
        result: its simulated figures (:func:`.model.simulate`).
        within_budget: whether its overloaded minutes fit the budget; when no candidate fits,
            the candidate with the fewest overloaded minutes is recommended and this is False.
        overload_budget: the budget searched with.
        candidates: how many configurations were simulated.
    """

    config: SimulationConfig
    result: SimulationResult
    within_budget: bool
    overload_budget: float
    candidates: int


def candidate_configs(
    trace: Trace, *, max_rps_per_instance: float, instance_type: str | None, min_capacity_floor: int
) -> list[SimulationConfig]:
    """The grid the recommender searches (see the module docstring)."""
    per_instance = max_rps_per_instance * 60
    peak_fleet = max(static_peak_instances(trace, max_rps_per_instance), min_capacity_floor)
    minimums = sorted({min(min_capacity_floor + extra, peak_fleet) for extra in range(EXTRA_MINIMUMS + 1)})
    configs = []
    for minimum, maximum in sorted(
        {(minimum, max(minimum, math.ceil(share * peak_fleet))) for minimum in minimums for share in MAXIMUM_SHARES}
    ):
        for factor in SAFETY_FACTORS:
            target = round(factor * per_instance, 3)
            if target <= 0:
                continue
            for out_cooldown in SCALE_OUT_COOLDOWNS_S:
                for in_cooldown in SCALE_IN_COOLDOWNS_S:
                    configs.append(
                        SimulationConfig(
                            min_capacity=minimum,
                            max_capacity=maximum,
                            policies=(SimulatedPolicy(metric=INVOCATIONS, target=target),),
                            scale_in_cooldown_s=in_cooldown,
                            scale_out_cooldown_s=out_cooldown,
                            instance_type=instance_type,
                        )
                    )
    return configs


def recommend(
    trace: Trace,
    *,
    max_rps_per_instance: float,
    instance_type: str | None = None,
    overload_budget: float = DEFAULT_OVERLOAD_BUDGET,
    min_capacity_floor: int = DEFAULT_MIN_CAPACITY_FLOOR,
    parameters: ModelParameters | None = None,
    price_per_instance_hour: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Recommendation:
    """Search for the cheapest configuration within ``overload_budget`` on ``trace``.

    Args:
        trace: invocations per minute.
        max_rps_per_instance: requests per second one instance sustains, > 0.
        instance_type: a label for the configuration; defaults to ``None``.
        overload_budget: share of minutes allowed to be overloaded, in [0, 1]; defaults to 0.005.
        min_capacity_floor: the lowest minimum capacity searched, from 1 to 2^31 - 1; defaults to 2.
        parameters: the undocumented numbers; defaults to :class:`ModelParameters` ().
        price_per_instance_hour: for costs; defaults to ``None``.
        progress: called as ``progress(minutes_done, minutes)``; defaults to none.

    Raises:
        ConfigurationError: naming each invalid argument.
    """
    problems = Problems("recommendation")
    check_rate(problems, max_rps_per_instance)
    check_price(problems, price_per_instance_hour)
    if not is_number(overload_budget) or not 0 <= overload_budget <= 1:
        problems.add("overload_budget", overload_budget, "a share of minutes from 0 to 1, e.g. 0.005")
    if not is_whole(min_capacity_floor, 1):
        problems.add("min_capacity_floor", min_capacity_floor, CAPACITY_RULE)
    if not isinstance(trace, Trace):
        problems.add("trace", trace, "a Trace")
    problems.raise_if_any()
    configs = candidate_configs(
        trace,
        max_rps_per_instance=max_rps_per_instance,
        instance_type=instance_type,
        min_capacity_floor=min_capacity_floor,
    )
    many = simulate_many(
        trace, configs, max_rps_per_instance=max_rps_per_instance, parameters=parameters, progress=progress
    )
    allowed = math.floor(overload_budget * trace.minutes + 1e-9)
    fits = many.overloaded_minutes <= allowed
    index = np.arange(len(configs))
    model = parameters if parameters is not None else ModelParameters()
    scheduled = _scheduled_candidates(trace, configs, many.instance_minutes, max_rps_per_instance, model)
    results = [
        simulate(trace, config, max_rps_per_instance=max_rps_per_instance, parameters=model) for config in scheduled
    ]
    instance_minutes = np.concatenate([many.instance_minutes, [r.instance_minutes for r in results]])
    overloaded = np.concatenate([many.overloaded_minutes, [r.overloaded_minutes for r in results]])
    activities = np.concatenate([many.scaling_activities, [r.scaling_activities for r in results]])
    everything = [*configs, *scheduled]
    fits = overloaded <= allowed
    index = np.arange(len(everything))
    keys: tuple[Any, ...]
    if fits.any():
        keys = (index, activities, overloaded, instance_minutes, ~fits)
    else:
        keys = (index, activities, instance_minutes, overloaded)
    best = everything[int(np.lexsort(keys)[0])]
    chosen = dataclasses.replace(best, policies=(*best.policies, SimulatedPolicy(metric=UTILIZATION, target=100.0)))
    result = simulate(
        trace,
        chosen,
        max_rps_per_instance=max_rps_per_instance,
        parameters=model,
        price_per_instance_hour=price_per_instance_hour,
    )
    return Recommendation(
        config=chosen,
        result=result,
        within_budget=bool(fits.any()),
        overload_budget=float(overload_budget),
        candidates=len(everything),
    )


def _scheduled_candidates(
    trace: Trace,
    configs: list[SimulationConfig],
    instance_minutes: Any,
    max_rps_per_instance: float,
    model: ModelParameters,
) -> list[SimulationConfig]:
    """The cheapest reactive candidates at the lowest minimum, with learned daily and weekly schedules."""
    lowest = min(config.min_capacity for config in configs)
    order = [int(i) for i in np.argsort(instance_minutes, kind="stable") if configs[int(i)].min_capacity == lowest]
    found = []
    for base in (configs[i] for i in order[:SCHEDULED_BASES]):
        for period in ("daily", "weekly"):
            for fraction in SCHEDULE_FRACTIONS:
                actions = learned_schedules(
                    trace,
                    period=period,
                    max_rps_per_instance=max_rps_per_instance,
                    fraction=fraction,
                    lead_minutes=model.delay_minutes,
                    min_capacity=base.min_capacity,
                    max_capacity=base.max_capacity,
                )
                if actions:
                    found.append(dataclasses.replace(base, schedules=actions))
    return found

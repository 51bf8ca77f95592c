"""The scaling model run for many configurations at once: arrays over the candidate axis.

Each minute advances every candidate by the rules of :mod:`.model`, with NumPy operations on
arrays of one element per candidate, so that a search over hundreds of configurations costs
one pass over the trace. The results equal :func:`.model.simulate`'s for each candidate (the
tests check this); scheduled actions and suspended states are not supported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.simulation.config import SimulationConfig
from mme_scaling_constructs.simulation.model import (
    CEIL_TOLERANCE,
    MAX_INSTANCES,
    NEVER,
    alarm_targets,
    check_rate,
    cooldown_minutes,
    initial_capacity,
    static_peak_instances,
)
from mme_scaling_constructs.simulation.parameters import ModelParameters
from mme_scaling_constructs.simulation.trace import Trace

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True, eq=False)
class LockstepResult:
    """The figures of each candidate, in the order given (arrays of one element per candidate).

    Args:
        instance_minutes: provisioned instances summed over the minutes.
        overloaded_minutes: minutes whose load exceeds in-service instances x max rps x 60.
        max_overload_ratio: the largest load / (in-service instances x max rps x 60).
        scaling_activities: changes of capacity.
        static_peak_instances: the static fleet for the trace's peak (one number).
    """

    instance_minutes: IntArray
    overloaded_minutes: IntArray
    max_overload_ratio: FloatArray
    scaling_activities: IntArray
    static_peak_instances: int


def simulate_many(
    trace: Trace,
    configs: Sequence[SimulationConfig],
    *,
    max_rps_per_instance: float,
    parameters: ModelParameters | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LockstepResult:
    """Run every configuration of ``configs`` on ``trace``, in lockstep.

    Args:
        trace: invocations per minute.
        configs: configurations without schedules or suspended states.
        max_rps_per_instance: requests per second one instance sustains, > 0.
        parameters: the undocumented numbers; defaults to :class:`ModelParameters` ().
        progress: called as ``progress(minutes_done, minutes)`` about a hundred times; defaults
            to none.

    Raises:
        ConfigurationError: naming each invalid argument or configuration.
    """
    problems = Problems("simulation")
    check_rate(problems, max_rps_per_instance)
    if not isinstance(configs, (list, tuple)) or not configs:
        problems.add("configs", configs, "a non-empty list of SimulationConfig values")
    else:
        for index, config in enumerate(configs):
            if not isinstance(config, SimulationConfig):
                problems.add(f"configs[{index}]", config, "a SimulationConfig")
            elif (
                config.schedules
                or config.dynamic_scaling_in_suspended
                or config.dynamic_scaling_out_suspended
                or not config.policies
            ):
                problems.add(
                    f"configs[{index}]", config, "a configuration with policies, no schedules and nothing suspended"
                )
    problems.raise_if_any()
    model = parameters if parameters is not None else ModelParameters()
    rps = float(max_rps_per_instance)
    per_instance = rps * 60
    pairs = [alarm_targets(config, rps) for config in configs]
    out_target = np.array([pair[0] for pair in pairs])
    in_enabled = np.array([pair[1] is not None for pair in pairs])
    in_target = np.array([1.0 if pair[1] is None else pair[1] for pair in pairs])
    low_target = np.where(in_enabled, model.scale_in_threshold_ratio * in_target, -1.0)
    out_cooldown = np.array([cooldown_minutes(c.scale_out_cooldown_s) for c in configs], dtype=np.int64)
    in_cooldown = np.array([cooldown_minutes(c.scale_in_cooldown_s) for c in configs], dtype=np.int64)
    low = np.array([c.min_capacity for c in configs], dtype=np.int64)
    high = np.array([c.max_capacity for c in configs], dtype=np.int64)
    count = len(configs)
    delay = model.delay_minutes
    slots = delay + 2
    arrivals = np.zeros((slots, count), dtype=np.int64)
    loads = trace.invocations.tolist()
    capacity = np.array(
        [initial_capacity(loads[0], float(o), int(a), int(b)) for o, a, b in zip(out_target, low, high, strict=True)],
        dtype=np.int64,
    )
    serving = capacity.copy()
    above = np.zeros(count, dtype=np.int64)
    below = np.zeros(count, dtype=np.int64)
    last_out = np.full(count, NEVER, dtype=np.int64)
    last_in = np.full(count, NEVER, dtype=np.int64)
    activities = np.zeros(count, dtype=np.int64)
    instance_minutes = np.zeros(count, dtype=np.int64)
    overloaded = np.zeros(count, dtype=np.int64)
    worst = np.zeros(count, dtype=np.float64)
    out_points, in_points = model.scale_out_datapoints, model.scale_in_datapoints
    n = len(loads)
    step = max(1, n // 100)
    for t, load in enumerate(loads):
        slot = arrivals[t % slots]
        serving += slot
        slot[:] = 0
        instance_minutes += capacity
        ratio = load / (serving * per_instance)
        overloaded += ratio > 1
        np.maximum(worst, ratio, out=worst)
        metric = load / serving
        breach = metric > out_target
        above += 1
        above *= breach
        calm = metric < low_target
        below += 1
        below *= calm
        ready = above >= out_points
        idle = capacity == serving  # no update in progress
        grow = ready & (capacity < high) & idle
        if grow.any():
            cooling = (t - last_out) < out_cooldown
            used = np.where(cooling, load / capacity, metric)
            new = np.ceil(np.minimum(capacity * used / out_target, MAX_INSTANCES) - CEIL_TOLERANCE).astype(np.int64)
            np.clip(new, low, high, out=new)
            grow &= new > capacity
            if grow.any():
                arrivals[(t + 1 + delay) % slots] += np.where(grow, new - capacity, 0)
                capacity = np.where(grow, new, capacity)
                last_out = np.where(grow, t, last_out)
                last_in = np.where(grow, NEVER, last_in)
                activities += grow
        shrink = ~ready & (below >= in_points) & in_enabled & (capacity > low) & idle
        if shrink.any():
            shrink &= (t - last_in) >= in_cooldown
            if shrink.any():
                new = np.ceil(np.minimum(capacity * metric / in_target, MAX_INSTANCES) - CEIL_TOLERANCE).astype(
                    np.int64
                )
                np.clip(new, low, high, out=new)
                shrink &= new < capacity
                if shrink.any():
                    removed = np.where(shrink, capacity - new, 0)
                    for ahead in range(delay + 1, 0, -1):  # newest starting instances first
                        row = arrivals[(t + ahead) % slots]
                        taken = np.minimum(removed, row)
                        row -= taken
                        removed -= taken
                    serving -= removed
                    capacity = np.where(shrink, new, capacity)
                    last_in = np.where(shrink, t, last_in)
                    activities += shrink
        if progress is not None and t % step == 0:
            progress(t, n)
    if progress is not None:
        progress(n, n)
    return LockstepResult(
        instance_minutes=instance_minutes,
        overloaded_minutes=overloaded,
        max_overload_ratio=worst,
        scaling_activities=activities,
        static_peak_instances=static_peak_instances(trace, rps),
    )

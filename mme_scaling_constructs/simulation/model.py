"""The scaling model: Application Auto Scaling target tracking on a SageMaker variant, minute by minute.

What the model does each minute ``t`` (sources: the SageMaker endpoint auto scaling pages and the
Application Auto Scaling User Guide's target tracking and cooldown pages):

1. Instances whose start-up delay has passed begin to serve.
2. A scheduled action due at ``t`` sets the capacity bounds, and the capacity is clamped into
   them at once (cooldowns do not block scheduled actions; RegisterScalableTarget clamps the
   current capacity). Instances it adds serve after the delay.
3. The metric is ``invocations per in-service instance``: load / in-service instances (the
   SageMaker ``InvocationsPerInstance`` metric divides each request among active instances).
   The minute is *overloaded* when load > in-service x ``max_rps_per_instance`` x 60.
   Every provisioned instance, serving or starting, counts toward instance-minutes.
4. Each policy's high alarm counts consecutive minutes with metric > target; its low alarm
   counts consecutive minutes with metric < ``scale_in_threshold_ratio`` x target. Utilization
   policies are modelled as invocations policies with target ``percent / 100 x max_rps x 60``.
5. While instances are starting, the endpoint is updating, and SageMaker blocks auto scaling
   until the update ends ("Auto scaling is blocked while an update is in progress",
   https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html): no policy
   acts while a scale-out's instances start. Scheduled actions still apply.
6. Scale-out: when some policy's high alarm has its ``scale_out_datapoints``, each such policy
   asks for ``ceil(capacity x metric / target)``; the largest wins, clamped to [min, max]; the
   capacity grows if that is larger. During the scale-out cooldown the capacity added by the
   last scale-out counts as serving ("added capacity counts toward the next calculation"), so
   the metric used is load / capacity and only a larger scale-out proceeds. A scale-out ends
   any scale-in cooldown.
7. Scale-in, when no high alarm is ready: when every scale-in-enabled policy's low alarm has
   its ``scale_in_datapoints`` and the scale-in cooldown has passed, the capacity becomes the
   largest ``ceil(capacity x metric / target)`` of those policies, clamped to [min, max].
   Starting instances (only a scheduled action can remove them) go before serving ones.

The variant starts settled (:func:`initial_capacity`), all instances serving. Because the
policy with the lowest target breaches first and asks for the most instances, the model tracks
two alarms only (:func:`alarm_targets`), with the same result as one per policy.

Capacities are computed as ``ceil(x - 1e-9)`` so that floating-point noise never adds an
instance. Cooldowns in seconds are rounded up to whole minutes. Alarms act at the end of a
minute, and new instances serve from ``delay`` minutes after the next one begins.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.simulation.config import SimulationConfig, is_number
from mme_scaling_constructs.simulation.parameters import ModelParameters
from mme_scaling_constructs.simulation.schedule_times import firing_minutes
from mme_scaling_constructs.simulation.trace import Trace

#: Tolerance subtracted before rounding a capacity up.
CEIL_TOLERANCE: Final = 1e-9
#: "Never" as a minute, for cooldowns that have not started.
NEVER: Final = -(10**12)
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True, eq=False)
class SimulationResult:
    """The figures of one simulated configuration on one trace.

    Args:
        minutes: the trace's length.
        instance_minutes: provisioned instances summed over the minutes (starting ones too).
        overloaded_minutes: minutes whose load exceeds in-service instances x max rps x 60.
        max_overload_ratio: the largest load / (in-service instances x max rps x 60) of any
            minute; above 1 means overload.
        scaling_activities: changes of capacity, by policies and scheduled actions.
        capacity: the provisioned instances in each minute.
        in_service: the serving instances in each minute.
        static_peak_instances: the fleet a static deployment needs for the trace's peak:
            ``ceil(peak / (max rps x 60))``, at least 1.
        static_peak_instance_minutes: that fleet times the minutes.
        price_per_instance_hour: the price used for costs, or ``None``.
    """

    minutes: int
    instance_minutes: int
    overloaded_minutes: int
    max_overload_ratio: float
    scaling_activities: int
    capacity: IntArray
    in_service: IntArray
    static_peak_instances: int
    static_peak_instance_minutes: int
    price_per_instance_hour: float | None = None

    @property
    def cost(self) -> float | None:
        """Instance-hours times the price, or ``None`` without a price."""
        if self.price_per_instance_hour is None:
            return None
        return self.instance_minutes / 60 * self.price_per_instance_hour

    @property
    def static_peak_cost(self) -> float | None:
        """The static peak fleet's instance-hours times the price, or ``None`` without a price."""
        if self.price_per_instance_hour is None:
            return None
        return self.static_peak_instance_minutes / 60 * self.price_per_instance_hour


def check_rate(problems: Problems, max_rps_per_instance: object) -> bool:
    """Record a problem unless ``max_rps_per_instance`` is a finite number > 0."""
    if not is_number(max_rps_per_instance) or not max_rps_per_instance > 0:  # type: ignore[operator]
        problems.add(
            "max_rps_per_instance", max_rps_per_instance, "a finite number greater than 0 (requests per second)"
        )
        return False
    return True


#: Highest price per instance-hour: costs of a trace's instance-hours stay finite numbers.
MAX_PRICE_PER_INSTANCE_HOUR: Final = 1e9
#: Most instances a variant can have: capacities are 32-bit integers in Application Auto Scaling.
MAX_INSTANCES: Final = 2**31 - 1


def check_price(problems: Problems, price: object) -> None:
    """Record a problem unless ``price`` is ``None`` or a finite number from 0 to 1e9."""
    if price is not None and (not is_number(price) or not 0 <= price <= MAX_PRICE_PER_INSTANCE_HOUR):  # type: ignore[operator]
        problems.add("price_per_instance_hour", price, "a number from 0 to 1e9, or None")


def instances_for(ratio: float) -> int:
    """``ceil(ratio)`` as an instance count, held at 2^31 - 1 when the ratio is larger (or infinite)."""
    if not ratio < MAX_INSTANCES:
        return MAX_INSTANCES
    return math.ceil(ratio - CEIL_TOLERANCE)


def static_peak_instances(trace: Trace, max_rps_per_instance: float) -> int:
    """``ceil(peak / (max_rps_per_instance x 60))``, at least 1: a static fleet that is never overloaded.

    Raises:
        ConfigurationError: if the peak needs more instances than a variant can have (2^31 - 1).
    """
    peak = float(trace.invocations.max())
    needed = instances_for(peak / (max_rps_per_instance * 60))
    if needed >= MAX_INSTANCES:
        problems = Problems("simulation")
        problems.add(
            "max_rps_per_instance",
            max_rps_per_instance,
            f"a rate at which the trace's peak ({peak:g} per minute) needs fewer than {MAX_INSTANCES} instances",
        )
        problems.raise_if_any()
    return max(1, needed)


def cooldown_minutes(seconds: int) -> int:
    """A cooldown in whole minutes, rounded up."""
    return -(-seconds // 60)


def bound_changes(config: SimulationConfig, trace: Trace) -> list[tuple[int, int, int]]:
    """The minutes at which scheduled actions change the bounds, with the bounds from then on.

    Actions firing in the same minute apply in the order of ``config.schedules``. Suspended
    scheduled scaling gives no changes.
    """
    if config.scheduled_scaling_suspended or not config.schedules:
        return []
    events: list[tuple[int, int, int | None, int | None]] = []
    for order, action in enumerate(config.schedules):
        fired = firing_minutes(
            action.schedule,
            trace.start,
            trace.minutes,
            time_zone=action.time_zone,
            start_time=action.start,
            end_time=action.end,
        )
        for minute in fired.tolist():
            events.append((minute, order, action.min_capacity, action.max_capacity))
    events.sort(key=lambda event: (event[0], event[1]))
    low, high = config.min_capacity, config.max_capacity
    changes: list[tuple[int, int, int]] = []
    for minute, _, new_low, new_high in events:
        low = low if new_low is None else new_low
        high = high if new_high is None else new_high
        high = max(high, low)
        if changes and changes[-1][0] == minute:
            changes[-1] = (minute, low, high)
        else:
            changes.append((minute, low, high))
    return changes


def simulate(
    trace: Trace,
    config: SimulationConfig,
    *,
    max_rps_per_instance: float,
    parameters: ModelParameters | None = None,
    price_per_instance_hour: float | None = None,
) -> SimulationResult:
    """Run ``config`` on ``trace``; the variant starts settled (see :func:`initial_capacity`), all serving.

    Args:
        trace: invocations per minute.
        config: the scaling configuration.
        max_rps_per_instance: requests per second one instance sustains (from a load test), > 0.
        parameters: the undocumented numbers; defaults to :class:`ModelParameters` ().
        price_per_instance_hour: for costs; defaults to ``None`` (no costs).

    Raises:
        ConfigurationError: naming each invalid argument.
    """
    problems = Problems("simulation")
    check_rate(problems, max_rps_per_instance)
    check_price(problems, price_per_instance_hour)
    for name, value, kind in (
        ("trace", trace, Trace),
        ("config", config, SimulationConfig),
        ("parameters", parameters, (ModelParameters, type(None))),
    ):
        if not isinstance(value, kind):
            problems.add(name, value, f"a {kind.__name__ if isinstance(kind, type) else 'ModelParameters'}")
    problems.raise_if_any()
    static_peak_instances(trace, max_rps_per_instance)  # refuses a rate the peak would need too many instances at
    model = parameters if parameters is not None else ModelParameters()
    capacity, in_service, activities = _run(trace, config, float(max_rps_per_instance), model)
    return result_of(trace, max_rps_per_instance, capacity, in_service, activities, price_per_instance_hour)


def result_of(
    trace: Trace,
    max_rps_per_instance: float,
    capacity: IntArray,
    in_service: IntArray,
    activities: int,
    price_per_instance_hour: float | None,
) -> SimulationResult:
    """The figures of a run from its capacity and in-service instances per minute."""
    static = static_peak_instances(trace, max_rps_per_instance)
    ratios = trace.invocations / (in_service * (max_rps_per_instance * 60))
    return SimulationResult(
        minutes=trace.minutes,
        instance_minutes=int(capacity.sum()),
        overloaded_minutes=int(np.count_nonzero(ratios > 1)),
        max_overload_ratio=float(ratios.max()),
        scaling_activities=activities,
        capacity=capacity,
        in_service=in_service,
        static_peak_instances=static,
        static_peak_instance_minutes=static * trace.minutes,
        price_per_instance_hour=price_per_instance_hour,
    )


def initial_capacity(first_load: float, out_target: float, low: int, high: int) -> int:
    """The capacity the variant has when the trace starts: what its policies hold for the first minute.

    An endpoint runs before the trace begins, so the simulation starts from
    ``ceil(first load / lowest target)`` instances clamped to [min, max], rather than from a
    cold ``min_capacity`` that would overload the first minutes of a busy trace.
    """
    if math.isinf(out_target):
        return low
    return min(max(instances_for(first_load / out_target), low), high)


def alarm_targets(config: SimulationConfig, rps: float) -> tuple[float, float | None]:
    """The two targets that decide every scaling activity.

    With several policies, the one with the lowest target breaches first and asks for the most
    instances, so scale-out follows the lowest target of all policies. Scale-in needs every
    scale-in-enabled policy's low alarm, and the lowest enabled target is the last to agree
    and asks for the most instances, so scale-in follows it (``None``: no policy scales in).
    """
    targets = config.invocations_targets(rps)
    enabled = [t for t, p in zip(targets, config.policies, strict=True) if not p.disable_scale_in]
    return (min(targets) if targets else math.inf), (min(enabled) if enabled else None)


def _run(trace: Trace, config: SimulationConfig, rps: float, model: ModelParameters) -> tuple[IntArray, IntArray, int]:
    """The minute-by-minute loop for one configuration (see the module docstring).

    Returns the capacity and in-service instances of each minute, and the scaling activities.
    """
    loads: list[float] = trace.invocations.tolist()
    n = len(loads)
    out_target, in_target = alarm_targets(config, rps)
    low_target = -1.0 if in_target is None else model.scale_in_threshold_ratio * in_target
    in_divisor = 1.0 if in_target is None else in_target
    out_points, in_points = model.scale_out_datapoints, model.scale_in_datapoints
    delay = model.delay_minutes
    out_cooldown = cooldown_minutes(config.scale_out_cooldown_s)
    in_cooldown = cooldown_minutes(config.scale_in_cooldown_s)
    out_allowed = not config.dynamic_scaling_out_suspended and bool(config.policies)
    in_allowed = not config.dynamic_scaling_in_suspended and in_target is not None
    changes = deque(bound_changes(config, trace))
    next_change = changes[0][0] if changes else n
    low, high = config.min_capacity, config.max_capacity
    capacity = serving = initial_capacity(loads[0], out_target, low, high)
    pending: deque[list[int]] = deque()  # [arrival minute, instances], oldest first
    next_arrival = n
    above = below = 0
    last_out = last_in = NEVER
    activities = 0
    points: list[tuple[int, int, int]] = [(0, capacity, serving)]  # (minute, capacity, serving) from then on

    next_event = min(next_arrival, next_change)
    for t, load in enumerate(loads):
        if t == next_event:
            while pending and pending[0][0] == t:
                serving += pending.popleft()[1]
            if t == next_change:
                _, low, high = changes.popleft()
                next_change = changes[0][0] if changes else n
                if capacity < low:
                    if delay == 0:
                        serving += low - capacity
                    else:
                        pending.append([t + delay, low - capacity])
                    capacity = low
                    activities += 1
                elif capacity > high:
                    serving = _remove(pending, serving, capacity - high)
                    capacity = high
                    activities += 1
            next_arrival = pending[0][0] if pending else n
            next_event = min(next_arrival, next_change)
            points.append((t, capacity, serving))
        metric = load / serving
        above = above + 1 if metric > out_target else 0
        below = below + 1 if metric < low_target else 0
        if above >= out_points:
            if out_allowed and capacity < high and not pending:
                used = load / capacity if t - last_out < out_cooldown else metric
                new = instances_for(capacity * used / out_target)
                new = min(max(new, low), high)
                if new > capacity:
                    if not pending:
                        next_arrival = t + 1 + delay
                        next_event = min(next_arrival, next_change)
                    pending.append([t + 1 + delay, new - capacity])
                    capacity = new
                    last_out = t
                    last_in = NEVER
                    activities += 1
                    points.append((t + 1, capacity, serving))
        elif below >= in_points and in_allowed and capacity > low and not pending and t - last_in >= in_cooldown:
            new = instances_for(capacity * metric / in_divisor)
            new = max(min(new, high), low)
            if new < capacity:
                serving = _remove(pending, serving, capacity - new)
                next_arrival = pending[0][0] if pending else n
                next_event = min(next_arrival, next_change)
                capacity = new
                last_in = t
                activities += 1
                points.append((t + 1, capacity, serving))
    return _expand(points, 1, n), _expand(points, 2, n), activities


def _remove(pending: deque[list[int]], serving: int, instances: int) -> int:
    """Remove ``instances``: the newest starting ones first, then serving ones; return the serving count."""
    while instances and pending:
        taken = min(instances, pending[-1][1])
        pending[-1][1] -= taken
        instances -= taken
        if pending[-1][1] == 0:
            pending.pop()
    return serving - instances


def _expand(points: list[tuple[int, int, int]], column: int, n: int) -> IntArray:
    starts = np.array([point[0] for point in points] + [n], dtype=np.int64)
    values = np.array([point[column] for point in points], dtype=np.int64)
    return np.repeat(values, np.diff(starts))

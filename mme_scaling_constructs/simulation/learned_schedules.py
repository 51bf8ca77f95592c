"""Scheduled actions learned from a trace with daily or weekly peaks.

Reactive scaling lags a rising load by its alarm datapoints plus the instance start-up delay.
Traffic that peaks at the same hours each day or week can instead raise the minimum capacity
ahead of the peak with scheduled actions (Application Auto Scaling "scheduled scaling"). For
each hour of the day (or of the week), the floor is the fleet that serves a share
(``fraction``) of that hour's typical peak at the load-tested capacity:
``ceil(fraction x median over days of the hour's highest minute / (max_rps x 60))``. An action
sets the floor at each hour where it changes, firing the start-up delay before the hour so that
the instances serve when it begins. Schedules are in UTC.
"""

from __future__ import annotations

import math
from typing import Final, Literal

import numpy as np

from mme_scaling_constructs.simulation.config import ScheduledCapacity
from mme_scaling_constructs.simulation.trace import Trace

MINUTES_PER_DAY: Final = 1440
MINUTES_PER_WEEK: Final = 7 * MINUTES_PER_DAY
#: EventBridge day-of-week names, 1 (Sunday) to 7.
_DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
Period = Literal["daily", "weekly"]


def learned_schedules(
    trace: Trace,
    *,
    period: Period,
    max_rps_per_instance: float,
    fraction: float,
    lead_minutes: int,
    min_capacity: int,
    max_capacity: int,
) -> tuple[ScheduledCapacity, ...]:
    """Scheduled actions raising the floor ahead of each hour's typical peak (see the module docstring).

    Args:
        trace: the traffic; at least two days (daily) or two weeks (weekly) of it, or no actions.
        period: ``"daily"`` (one floor per hour of the day) or ``"weekly"`` (per hour of the week).
        max_rps_per_instance: requests per second one instance sustains.
        fraction: the share of the typical peak the floor serves, in (0, 1].
        lead_minutes: how long before the hour each action fires (the start-up delay).
        min_capacity: the lowest floor (the configuration's minimum).
        max_capacity: the highest floor (the configuration's maximum).

    Returns:
        The actions, at most 24 (daily) or 168 (weekly); none when every floor is the minimum.
    """
    cycle = MINUTES_PER_DAY if period == "daily" else MINUTES_PER_WEEK
    first = int(trace.start.timestamp()) // 60
    first_hour = -(-first // 60)  # the first whole hour
    offset = first_hour * 60 - first
    hours = (trace.minutes - offset) // 60
    if hours * 60 < 2 * cycle:
        return ()
    peaks = trace.invocations[offset : offset + hours * 60].reshape(hours, 60).max(axis=1)
    slots = cycle // 60
    # Hour of the cycle: hours of the day from midnight UTC; hours of the week from Sunday 00:00 UTC
    # (the Unix epoch was a Thursday, 4 days after a Sunday).
    shift = 0 if period == "daily" else 4 * 24
    slot_of = (np.arange(first_hour, first_hour + hours) + shift) % slots
    per_instance = max_rps_per_instance * 60
    floors = []
    for slot in range(slots):
        typical = float(np.median(peaks[slot_of == slot]))
        floor = math.ceil(fraction * typical / per_instance - 1e-9)
        floors.append(min(max(floor, min_capacity), max_capacity))
    if all(floor == min_capacity for floor in floors):
        return ()
    actions = []
    for slot in range(slots):
        if floors[slot] == floors[slot - 1] and (slot > 0 or len(set(floors)) > 1):
            continue
        fire = (slot * 60 - lead_minutes) % cycle
        actions.append(
            ScheduledCapacity(name=_name(period, slot), schedule=_cron(period, fire), min_capacity=floors[slot])
        )
    return tuple(actions)


def _name(period: Period, slot: int) -> str:
    if period == "daily":
        return f"floor-{slot:02d}00"
    return f"floor-{_DAYS[slot // 24].lower()}-{slot % 24:02d}00"


def _cron(period: Period, minute_of_cycle: int) -> str:
    minute, hour = minute_of_cycle % 60, (minute_of_cycle // 60) % 24
    if period == "daily":
        return f"cron({minute} {hour} * * ? *)"
    return f"cron({minute} {hour} ? * {_DAYS[minute_of_cycle // MINUTES_PER_DAY]} *)"

"""Scheduled scaling actions and the suspended state of a scalable target.

https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scheduled-scaling.html
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from dataclasses import dataclass
from typing import Final

from aws_cdk import TimeZone
from aws_cdk import aws_applicationautoscaling as appscaling

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.validation import check_capacities, is_token

#: Application Auto Scaling allows 200 scheduled actions per scalable target.
MAX_SCHEDULED_ACTIONS: Final = 200

#: ``at(yyyy-mm-ddThh:mm:ss)``, ``rate(value unit)`` and six-field ``cron(...)``.
AT_PATTERN: Final = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
RATE_PATTERN: Final = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON_PATTERN: Final = re.compile(r"^cron\((\S+ ){5}\S+\)$")
SCHEDULE_RULE: Final = (
    "at(yyyy-mm-ddThh:mm:ss), rate(<n> minute|minutes|hour|hours|day|days) with the singular unit for 1, "
    "or cron(<minutes> <hours> <day of month> <month> <day of week> <year>)"
)
#: Scheduled action names: 1 to 256 characters, none of ``:``, ``/``, ``|``, no outer spaces.
ACTION_NAME_PATTERN: Final = re.compile(r"^[^:/|\s](?:[^:/|]{0,254}[^:/|\s])?$")


@dataclass(frozen=True, kw_only=True)
class ScheduledScaling:
    """A scheduled change of the variant's capacity bounds.

    Args:
        name: the ``ScheduledActionName``: 1 to 256 characters, no ``:``, ``/`` or ``|``.
        schedule: ``at(...)``, ``rate(...)`` or ``cron(...)``, evaluated in ``time_zone``.
        min_capacity: the new lowest count, >= 1; defaults to ``None`` (unchanged).
        max_capacity: the new highest count; defaults to ``None`` (unchanged).
        time_zone: an IANA time zone, e.g. ``"Europe/Paris"``; defaults to ``None`` (UTC).
        start_time: when the action starts to apply; defaults to ``None`` (now).
        end_time: when it stops; defaults to ``None`` (never).
    """

    name: str
    schedule: str
    min_capacity: int | None = None
    max_capacity: int | None = None
    time_zone: str | None = None
    start_time: datetime.datetime | None = None
    end_time: datetime.datetime | None = None

    def __post_init__(self) -> None:
        problems = Problems("ScheduledScaling")
        if not is_token(self.name) and not ACTION_NAME_PATTERN.match(self.name):
            problems.add(
                "name",
                self.name,
                "1 to 256 characters without ':', '/' or '|', and no leading or trailing spaces",
            )
        if not is_token(self.schedule) and not is_valid_schedule(self.schedule):
            problems.add("schedule", self.schedule, SCHEDULE_RULE)
        check_capacities(problems, self.min_capacity, self.max_capacity, optional=True)
        if self.time_zone is not None and not is_token(self.time_zone) and not _is_time_zone(self.time_zone):
            problems.add("time_zone", self.time_zone, "an IANA time zone name, e.g. 'Europe/Paris'")
        if self.start_time is not None and self.end_time is not None and not self.start_time < self.end_time:
            problems.add("end_time", self.end_time, f"a time after start_time ({self.start_time})")
        problems.raise_if_any()

    def apply_to(self, target: appscaling.ScalableTarget, construct_id: str) -> None:
        """Add the action to ``target``."""
        target.scale_on_schedule(
            construct_id,
            schedule=appscaling.Schedule.expression(self.schedule),
            min_capacity=self.min_capacity,
            max_capacity=self.max_capacity,
            time_zone=None if self.time_zone is None else TimeZone.of(self.time_zone),
            start_time=self.start_time,
            end_time=self.end_time,
        )


def is_valid_schedule(schedule: str) -> bool:
    """Whether ``schedule`` is a valid ``at``, ``rate`` or ``cron`` expression."""
    at = AT_PATTERN.match(schedule)
    if at:
        try:
            datetime.datetime.fromisoformat(at[1])
        except ValueError:
            return False
        return True
    rate = RATE_PATTERN.match(schedule)
    if rate:
        value, unit = int(rate[1]), rate[2]
        return value >= 1 and (value == 1) == (not unit.endswith("s"))
    return bool(CRON_PATTERN.match(schedule))


def _is_time_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class SuspendedState:
    """Which scaling activities of the target are suspended.

    Args:
        dynamic_scaling_in_suspended: policies stop removing capacity; defaults to ``False``.
        dynamic_scaling_out_suspended: policies stop adding capacity; defaults to ``False``.
        scheduled_scaling_suspended: scheduled actions stop; defaults to ``False``.
    """

    dynamic_scaling_in_suspended: bool = False
    dynamic_scaling_out_suspended: bool = False
    scheduled_scaling_suspended: bool = False

    def to_cfn(self) -> appscaling.CfnScalableTarget.SuspendedStateProperty:
        """The L1 property."""
        return appscaling.CfnScalableTarget.SuspendedStateProperty(
            dynamic_scaling_in_suspended=self.dynamic_scaling_in_suspended,
            dynamic_scaling_out_suspended=self.dynamic_scaling_out_suspended,
            scheduled_scaling_suspended=self.scheduled_scaling_suspended,
        )

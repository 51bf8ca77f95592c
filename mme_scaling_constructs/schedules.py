"""Scheduled scaling actions and the suspended state of a scalable target.

https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-scheduled-scaling.html

Schedules use the grammar of Application Auto Scaling's ``PutScheduledAction``: ``at(...)``,
``rate(...)`` or a six-field EventBridge ``cron(...)`` expression
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html). Names and
lengths follow the botocore ``application-autoscaling`` model (``ScheduledActionName``,
``ResourceIdMaxLen1600``).
"""

from __future__ import annotations

import datetime
import functools
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import TimeZone, Token
from aws_cdk import aws_applicationautoscaling as appscaling

from mme_scaling_constructs.errors import Problem, Problems
from mme_scaling_constructs.validation import (
    check_capacities,
    check_string,
    is_number,
    is_token,
)

#: Application Auto Scaling allows 200 scheduled actions per scalable target.
MAX_SCHEDULED_ACTIONS: Final = 200

#: ``Schedule`` and ``Timezone`` are at most 1600 characters (``ResourceIdMaxLen1600``).
MAX_SCHEDULE_LENGTH: Final = 1600

#: ``at(yyyy-mm-ddThh:mm:ss)``: one time, which must also be a real date and time.
AT_PATTERN: Final = re.compile(r"at\(([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\)")
AT_RULE: Final = "at(yyyy-mm-ddThh:mm:ss) with a real date and time, e.g. at(2027-03-01T06:00:00)"
#: ``rate(value unit)``: value a whole number >= 1, the unit singular exactly when value is 1.
RATE_PATTERN: Final = re.compile(r"rate\(([0-9]+) (minute|minutes|hour|hours|day|days)\)")
RATE_RULE: Final = (
    "rate(<n> <unit>) where n is a whole number >= 1 and unit is minute, hour or day for 1, "
    "minutes, hours or days otherwise"
)
#: The six fields of an EventBridge cron expression, in order.
CRON_FORM: Final = "cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"
SCHEDULE_RULE: Final = (
    "at(yyyy-mm-ddThh:mm:ss), rate(<n> minute|minutes|hour|hours|day|days) with the singular unit for 1, "
    "or cron(<minutes> <hours> <day of month> <month> <day of week> <year>)"
)

#: ``ScheduledActionName``: 1 to 256 characters; no ``:``, ``/``, ``|`` or control characters
#: (C0, DEL, C1, and the line separators Java's ``.`` does not match); no leading or trailing
#: space. Lone surrogates are refused too: they cannot be encoded as UTF-8.
_NAME_CHAR: Final = r"[^:/|\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]"
ACTION_NAME_PATTERN: Final = re.compile(rf"(?! ){_NAME_CHAR}*(?<! )")
ACTION_NAME_MAX_LENGTH: Final = 256
ACTION_NAME_RULE: Final = (
    "1 to 256 characters without ':', '/' or '|', no control characters, and no leading or trailing spaces"
)

TIME_ZONE_RULE: Final = "an IANA time zone name, e.g. 'Europe/Paris'"
FLAG_RULE: Final = "True or False (or a string token, e.g. a CfnParameter's value_as_string)"
#: CDK writes times as ``<year>-mm-ddThh:mm:ssZ`` without padding the year: before 1000 it is not ISO 8601.
MIN_YEAR: Final = 1000
DATETIME_RULE: Final = (
    "a timezone-aware datetime.datetime, e.g. datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC), "
    f"in years {MIN_YEAR} to 9999 in UTC"
)

_MONTHS: Final = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_DIGITS: Final = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class _CronField:
    """One field of a cron expression: its values, whether it takes steps, and its one-item forms."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()
    #: The largest step ``x/n``; ``None`` when the field takes no ``/``.
    max_step: int | None = None
    #: Forms that stand alone in the field; a ``value`` group must be a value of the field.
    alone: re.Pattern[str] | None = None
    alone_rule: str = ""

    def value(self, text: str) -> int | None:
        """The number ``text`` stands for, or ``None`` unless it is a value of this field."""
        if text in self.names:
            return self.low + self.names.index(text)
        if _DIGITS.fullmatch(text) and len(text) <= len(str(self.high)) and self.low <= int(text) <= self.high:
            return int(text)
        return None

    def accepts(self, text: str) -> bool:
        """Whether ``text`` is a valid value of this field."""
        if self.alone is not None and (alone := self.alone.fullmatch(text)):
            return alone["value"] is None or self.value(alone["value"]) is not None
        return all(self._accepts_item(item) for item in text.split(","))

    def _accepts_item(self, item: str) -> bool:
        base, slash, step = item.partition("/")
        if slash and not (
            self.max_step is not None
            and _DIGITS.fullmatch(step)
            and len(step) <= len(str(self.max_step))
            and 1 <= int(step) <= self.max_step
        ):
            return False
        if base == "*":
            return True
        first, dash, last = base.partition("-")
        low = self.value(first)
        if not dash:
            return low is not None
        high = self.value(last)
        return low is not None and high is not None and low <= high

    @property
    def rule(self) -> str:
        """What the field accepts, in words."""
        values = f"{self.low}-{self.high}" + (f" or {self.names[0]}-{self.names[-1]}" if self.names else "")
        step = "" if self.max_step is None else f"a step x/n (x a value, a range or *; n from 1 to {self.max_step}), "
        rule = f"{values} as a value, a range a-b with a <= b, {step}*, or a list of these joined by ','"
        return f"{rule}; or alone: {self.alone_rule}" if self.alone_rule else rule


#: The fields in order, with the values and wildcards the EventBridge cron reference lists:
#: ``, - * /`` everywhere but day-of-week, which has no ``/``; ``?``, ``L``, ``W`` in day-of-month;
#: ``?``, ``L``, ``#`` in day-of-week. ``?``, ``L``, ``W`` and ``#`` forms stand alone in their
#: field ("3#1,6#3" is not valid). Steps go up to the field's highest value (the year's up to its span).
CRON_FIELDS: Final = (
    _CronField("minutes", 0, 59, max_step=59),
    _CronField("hours", 0, 23, max_step=23),
    _CronField(
        "day-of-month",
        1,
        31,
        max_step=31,
        alone=re.compile(r"\?|LW?|(?P<value>[0-9]+)W"),
        alone_rule="?, L (the last day of the month), LW (its last weekday) or nW (the weekday nearest day n)",
    ),
    _CronField("month", 1, 12, names=_MONTHS, max_step=12),
    _CronField(
        "day-of-week",
        1,
        7,
        names=_DAYS,
        alone=re.compile(r"\?|L|(?P<value>[0-9A-Z]+)(?:L|#[1-5])"),
        alone_rule="?, L (the last day of the week), dL (the last day d of the month) or d#n "
        "(the nth day d of the month, n from 1 to 5)",
    ),
    _CronField("year", 1970, 2199, max_step=229),
)


def cron_problem(fields: str) -> str | None:
    """What is wrong with the inside of ``cron(...)``, in words, or ``None`` when it is valid.

    ``fields`` is six fields separated by single spaces (see :data:`CRON_FIELDS`); exactly one of
    day-of-month and day-of-week is ``?``.
    """
    values = fields.split(" ")
    if len(values) != len(CRON_FIELDS):
        return f"{CRON_FORM}: six fields separated by single spaces"
    wrong = [
        f"{field.name} ({text!r}) must be {field.rule}"
        for field, text in zip(CRON_FIELDS, values, strict=True)
        if not field.accepts(text)
    ]
    if (values[2] == "?") == (values[4] == "?"):
        wrong.append("exactly one of day-of-month and day-of-week must be '?'")
    return f"{CRON_FORM} where {'; and '.join(wrong)}" if wrong else None


def schedule_problem(schedule: Any) -> str | None:
    """What is wrong with ``schedule``, as the *allowed* text of a problem, or ``None`` when it is valid.

    Valid schedules are ``at(yyyy-mm-ddThh:mm:ss)`` with a real date and time,
    ``rate(<n> <unit>)`` with the singular unit exactly for 1, and six-field EventBridge
    ``cron(...)`` expressions (see :func:`cron_problem`), at most 1600 characters. Any value of
    any type gets an answer; tokens are not recognized here (callers skip them).
    """
    if not isinstance(schedule, str):
        return SCHEDULE_RULE
    if len(schedule) > MAX_SCHEDULE_LENGTH:
        return f"at most {MAX_SCHEDULE_LENGTH} characters: {SCHEDULE_RULE}"
    if not schedule.endswith(")"):
        return SCHEDULE_RULE
    if schedule.startswith("cron("):
        return cron_problem(schedule[len("cron(") : -1])
    if schedule.startswith("rate("):
        rate = RATE_PATTERN.fullmatch(schedule)
        if rate is None or int(rate[1]) < 1 or (int(rate[1]) == 1) != (not rate[2].endswith("s")):
            return RATE_RULE
        return None
    if schedule.startswith("at("):
        at = AT_PATTERN.fullmatch(schedule)
        try:
            if at is not None:
                datetime.datetime.fromisoformat(at[1])
                return None
        except ValueError:
            pass
        return AT_RULE
    return SCHEDULE_RULE


def is_valid_schedule(schedule: Any) -> bool:
    """Whether ``schedule`` is a valid ``at``, ``rate`` or ``cron`` expression (see :func:`schedule_problem`)."""
    return schedule_problem(schedule) is None


@functools.cache
def _time_zones() -> frozenset[str]:
    """The IANA time zone names ``zoneinfo`` knows, less ``Factory`` and ``localtime`` (not zones)."""
    return frozenset(zoneinfo.available_timezones() - {"Factory", "localtime"})


@dataclass(frozen=True, kw_only=True)
class ScheduledScaling:
    """A scheduled change of the variant's capacity bounds.

    Args:
        name: the ``ScheduledActionName``: 1 to 256 characters, no ``:``, ``/``, ``|`` or control
            characters, no leading or trailing space.
        schedule: ``at(yyyy-mm-ddThh:mm:ss)``, ``rate(<n> <unit>)`` or an EventBridge
            ``cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)``, evaluated in
            ``time_zone``; see :func:`schedule_problem`.
        min_capacity: the new lowest count, >= 1; defaults to ``None`` (unchanged). Above the
            target's ``max_capacity`` it needs ``max_capacity`` too (:meth:`capacity_problems`).
        max_capacity: the new highest count; defaults to ``None`` (unchanged).
        time_zone: an IANA time zone, e.g. ``"Europe/Paris"``; defaults to ``None`` (UTC).
        start_time: when the action starts to apply; defaults to ``None`` (now).
        end_time: when it stops, after ``start_time``; defaults to ``None`` (never).

    ``start_time`` and ``end_time`` must be timezone-aware: CDK's jsii bridge refuses naive
    datetimes, and a ``tzinfo`` whose ``utcoffset()`` is ``None`` would be read in the local time
    zone of the Node process that synthesizes. Both are converted to UTC before they reach CDK
    (JavaScript cannot parse offsets with seconds, such as the local mean times of old dates),
    which writes them as ``yyyy-mm-ddThh:mm:ssZ``, dropping fractions of a second; Application
    Auto Scaling takes ``StartTime`` and ``EndTime`` in UTC, whatever ``time_zone`` is.

    Every field is checked on construction; a token (e.g. a ``CfnParameter`` value) passes.
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
        check_string(
            problems,
            "name",
            self.name,
            pattern=ACTION_NAME_PATTERN,
            max_length=ACTION_NAME_MAX_LENGTH,
            rule=ACTION_NAME_RULE,
        )
        if not _is_token_of(self.schedule, str) and (problem := schedule_problem(self.schedule)) is not None:
            problems.add("schedule", self.schedule, problem)
        check_capacities(problems, self.min_capacity, self.max_capacity, optional=True)
        zone = self.time_zone
        if not (zone is None or _is_token_of(zone, str) or (isinstance(zone, str) and zone in _time_zones())):
            problems.add("time_zone", zone, TIME_ZONE_RULE)
        start = _check_time(problems, "start_time", self.start_time)
        end = _check_time(problems, "end_time", self.end_time)
        if start is not None and end is not None and not start.replace(microsecond=0) < end.replace(microsecond=0):
            problems.add(
                "end_time",
                self.end_time,
                f"a time after start_time ({self.start_time}) by a second or more (templates keep whole seconds)",
            )
        problems.raise_if_any()

    def capacity_problems(self, *, target_min_capacity: Any, target_max_capacity: Any, parameter: str) -> list[Problem]:
        """Problems of this action against the capacities of the target it is added to.

        Application Auto Scaling refuses a new ``min_capacity`` above the ``max_capacity`` in force
        (and a new ``max_capacity`` below the ``min_capacity`` in force): an action that changes
        only one bound is compared with the target's other bound (as registered, not as other
        scheduled actions may have changed it). A token, or a target capacity that is not a finite
        number, skips the comparison.

        Args:
            target_min_capacity: the target's ``min_capacity``.
            target_max_capacity: the target's ``max_capacity``.
            parameter: how the caller names this action, e.g. ``"schedules[0]"``; it prefixes the
                problems' parameters, e.g. ``"schedules[0].min_capacity"``.
        """
        floor, ceiling = self.min_capacity, self.max_capacity
        found = []
        if ceiling is None and _literal(floor) and _literal(target_max_capacity) and floor > target_max_capacity:
            found.append(
                Problem(
                    parameter=f"{parameter}.min_capacity",
                    value=floor,
                    allowed=f"at most the target's max_capacity ({target_max_capacity}); give max_capacity too "
                    f"when raising the floor above the target's max_capacity ({target_max_capacity})",
                )
            )
        if floor is None and _literal(ceiling) and _literal(target_min_capacity) and ceiling < target_min_capacity:
            found.append(
                Problem(
                    parameter=f"{parameter}.max_capacity",
                    value=ceiling,
                    allowed=f"at least the target's min_capacity ({target_min_capacity}); give min_capacity too "
                    f"when lowering the ceiling below the target's min_capacity ({target_min_capacity})",
                )
            )
        return found

    def apply_to(self, target: appscaling.ScalableTarget, construct_id: str) -> None:
        """Add the action to ``target`` as its construct ``construct_id``.

        CDK's ``scale_on_schedule`` writes the construct id as the ``ScheduledActionName``: pass
        ``self.name``.
        """
        target.scale_on_schedule(
            construct_id,
            schedule=appscaling.Schedule.expression(self.schedule),
            min_capacity=self.min_capacity,
            max_capacity=self.max_capacity,
            time_zone=None if self.time_zone is None else TimeZone.of(self.time_zone),
            start_time=None if self.start_time is None else self.start_time.astimezone(datetime.UTC),
            end_time=None if self.end_time is None else self.end_time.astimezone(datetime.UTC),
        )


def _is_token_of(value: Any, kind: type) -> bool:
    """Whether ``value`` is a token of the Python type CDK takes there (``str`` or ``float``)."""
    return isinstance(value, kind) and not isinstance(value, bool) and is_token(value)


def _literal(value: Any) -> bool:
    """Whether ``value`` is a finite number that comparisons may use (not a token)."""
    return is_number(value) and not is_token(value)


def _check_time(problems: Problems, parameter: str, value: Any) -> datetime.datetime | None:
    """Record a problem unless ``value`` is ``None`` or an aware datetime; return it in UTC, if valid."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        try:
            utc = value.astimezone(datetime.UTC) if value.utcoffset() is not None else None
        except Exception:  # a tzinfo is user code: whatever it raises, the value is unusable
            utc = None
        if utc is not None and utc.year >= MIN_YEAR:
            return utc
    problems.add(parameter, value, DATETIME_RULE)
    return None


#: The fields of :class:`SuspendedState`.
_FLAGS: Final = ("dynamic_scaling_in_suspended", "dynamic_scaling_out_suspended", "scheduled_scaling_suspended")


@dataclass(frozen=True, kw_only=True)
class SuspendedState:
    """Which scaling activities of the target are suspended.

    Each field is ``True``, ``False`` or a token (e.g. a ``CfnParameter`` value).

    Args:
        dynamic_scaling_in_suspended: policies stop removing capacity; defaults to ``False``.
        dynamic_scaling_out_suspended: policies stop adding capacity; defaults to ``False``.
        scheduled_scaling_suspended: scheduled actions stop; defaults to ``False``.
    """

    dynamic_scaling_in_suspended: bool = False
    dynamic_scaling_out_suspended: bool = False
    scheduled_scaling_suspended: bool = False

    def __post_init__(self) -> None:
        problems = Problems("SuspendedState")
        for parameter in _FLAGS:
            value = getattr(self, parameter)
            if not (isinstance(value, bool) or _is_flag_token(value)):
                problems.add(parameter, value, FLAG_RULE)
        problems.raise_if_any()

    def to_cfn(self) -> appscaling.CfnScalableTarget.SuspendedStateProperty:
        """The L1 property."""
        return appscaling.CfnScalableTarget.SuspendedStateProperty(
            dynamic_scaling_in_suspended=_bool_or_token(self.dynamic_scaling_in_suspended),
            dynamic_scaling_out_suspended=_bool_or_token(self.dynamic_scaling_out_suspended),
            scheduled_scaling_suspended=_bool_or_token(self.scheduled_scaling_suspended),
        )


def _is_flag_token(value: Any) -> bool:
    """Whether ``value`` is a string token or a token object (not a number, nor a list holding tokens)."""
    return is_token(value) and not isinstance(value, (int, float, list, tuple))


def _bool_or_token(value: Any) -> Any:
    """``value`` as the L1 takes it: a bool, or a token as an ``IResolvable``."""
    return value if isinstance(value, bool) else Token.as_any(value)

"""When scheduled actions fire within a trace.

The simulator evaluates the schedule expressions of Application Auto Scaling's
``PutScheduledAction`` in the action's time zone, UTC by default, between its start and end
times (https://docs.aws.amazon.com/autoscaling/application/userguide/
application-auto-scaling-scheduled-scaling.html):

- ``at(yyyy-mm-ddThh:mm:ss)``: once, at that minute.
- ``rate(<n> minute|minutes|hour|hours|day|days)``: at the trace's start, then every n units.
- ``cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)``: EventBridge cron,
  with ``*``, ``?``, values, names (``JAN``, ``MON``), ranges ``a-b``, steps ``/n`` and lists
  ``,``; day-of-week 1 to 7 is Sunday to Saturday. ``L``, ``W`` and ``#`` are not simulated.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import Final

import numpy as np
import numpy.typing as npt

AT_PATTERN: Final = re.compile(r"at\(([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})\)")
RATE_PATTERN: Final = re.compile(r"rate\(([1-9][0-9]{0,8}) (minute|minutes|hour|hours|day|days)\)")
CRON_PATTERN: Final = re.compile(r"cron\(([^ ()]+(?: [^ ()]+){5})\)")
SCHEDULE_RULE: Final = (
    "at(yyyy-mm-ddThh:mm:ss), rate(<n> minute(s)|hour(s)|day(s)), or cron(<minutes> <hours> <day-of-month> "
    "<month> <day-of-week> <year>) using *, ?, values, names, ranges, steps and lists (L, W and # are not simulated)"
)
_UNIT_MINUTES: Final = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}
_MONTHS: Final = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS: Final = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
#: (low, high, names) of each cron field, in order.
_FIELDS: Final = (
    (0, 59, ()),
    (0, 23, ()),
    (1, 31, ()),
    (1, 12, _MONTHS),
    (1, 7, _DAYS),
    (1970, 2199, ()),
)
_PART: Final = re.compile(r"(\*|[0-9A-Z]+(?:-[0-9A-Z]+)?)(?:/([0-9]+))?")

IntArray = npt.NDArray[np.int64]


def _value(text: str, low: int, high: int, names: tuple[str, ...]) -> int | None:
    if text in names:
        return names.index(text) + low
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    return None


def _field_values(text: str, index: int) -> set[int] | None:
    """The values a cron field allows (``None`` for any), or raise ``ValueError``."""
    low, high, names = _FIELDS[index]
    if text in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in text.split(","):
        match = _PART.fullmatch(part)
        if match is None:
            raise ValueError(part)
        span, step_text = match[1], match[2]
        step = 1 if step_text is None else int(step_text)
        if step < 1:
            raise ValueError(part)
        if span == "*":
            first, last = low, high
        else:
            ends = span.split("-")
            values = [_value(end, low, high, names) for end in ends]
            if any(value is None for value in values):
                raise ValueError(part)
            first = values[0]  # type: ignore[assignment]
            last = values[-1] if len(values) == 2 or step_text is None else high  # type: ignore[assignment]
            if last < first:
                raise ValueError(part)
        allowed.update(range(first, last + 1, step))
    return allowed


def schedule_problem(schedule: object) -> str | None:
    """What is wrong with ``schedule`` for the simulator, as the *allowed* text of a problem, or ``None``."""
    if not isinstance(schedule, str):
        return SCHEDULE_RULE
    at = AT_PATTERN.fullmatch(schedule)
    if at is not None:
        try:
            datetime.datetime.fromisoformat(at[1])
        except ValueError:
            return SCHEDULE_RULE
        return None
    if RATE_PATTERN.fullmatch(schedule) is not None:
        rate = RATE_PATTERN.fullmatch(schedule)
        assert rate is not None
        return None if (rate[1] == "1") == (not rate[2].endswith("s")) else SCHEDULE_RULE
    cron = CRON_PATTERN.fullmatch(schedule)
    if cron is None:
        return SCHEDULE_RULE
    fields = cron[1].split(" ")
    try:
        for index, text in enumerate(fields):
            _field_values(text, index)
    except ValueError:
        return SCHEDULE_RULE
    if (fields[2] == "?") == (fields[4] == "?"):
        return f"{SCHEDULE_RULE}; exactly one of day-of-month and day-of-week is '?'"
    return None


def _daily(epoch_minute: int, minutes: int, minute_of_day: int, days: set[int] | None) -> IntArray:
    """The minutes at ``minute_of_day`` (UTC), on EventBridge days of week ``days`` (any if ``None``)."""
    first = (minute_of_day - epoch_minute) % 1440
    found = np.arange(first, minutes, 1440, dtype=np.int64)
    if days is not None:
        weekday = ((epoch_minute + found) // 1440 + 4) % 7 + 1  # 1970-01-01 was a Thursday (5)
        found = found[np.isin(weekday, sorted(days))]
    return found


#: Minutes between two reads of a time zone's UTC offset: offsets change on quarter hours.
_OFFSET_STEP_MINUTES: Final = 15


def _local_minutes(epoch_minute: int, minutes: int, zone: zoneinfo.ZoneInfo) -> IntArray:
    """Each trace minute as a minute count of the wall clock in ``zone`` (UTC minutes plus the offset)."""
    steps = np.arange(0, minutes, _OFFSET_STEP_MINUTES, dtype=np.int64)
    offsets = np.array(
        [
            (
                datetime.datetime.fromtimestamp(int(epoch_minute + step) * 60, tz=zone).utcoffset()
                or datetime.timedelta()
            )
            // datetime.timedelta(minutes=1)
            for step in steps.tolist()
        ],
        dtype=np.int64,
    )
    return epoch_minute + np.arange(minutes, dtype=np.int64) + np.repeat(offsets, _OFFSET_STEP_MINUTES)[:minutes]


def firing_minutes(
    schedule: str,
    start: datetime.datetime,
    minutes: int,
    *,
    time_zone: str | None = None,
    start_time: datetime.datetime | None = None,
    end_time: datetime.datetime | None = None,
) -> IntArray:
    """The minutes (indices into the trace) at which ``schedule`` fires, ascending.

    Args:
        schedule: a valid expression (see :func:`schedule_problem`).
        start: the UTC time of the trace's first minute.
        minutes: the trace's length.
        time_zone: the IANA zone ``at`` and ``cron`` expressions are read in; defaults to UTC.
        start_time: the action fires from this instant on (a ``rate`` counts from it);
            defaults to ``None``: from the trace's start.
        end_time: the action fires before this instant; defaults to ``None``: to the end.
    """
    first = 0 if start_time is None else max(0, -(-int((start_time - start).total_seconds()) // 60))
    last = minutes if end_time is None else min(minutes, -(-int((end_time - start).total_seconds()) // 60))
    found = _fired(schedule, start, minutes, None if time_zone is None else zoneinfo.ZoneInfo(time_zone), first)
    return found[(found >= first) & (found < last)]


def _fired(
    schedule: str, start: datetime.datetime, minutes: int, zone: zoneinfo.ZoneInfo | None, first: int
) -> IntArray:
    at = AT_PATTERN.fullmatch(schedule)
    if at is not None:
        when = datetime.datetime.fromisoformat(at[1]).replace(tzinfo=zone or datetime.UTC)
        offset = int((when - start).total_seconds() // 60)
        return np.array([offset] if 0 <= offset < minutes else [], dtype=np.int64)
    rate = RATE_PATTERN.fullmatch(schedule)
    if rate is not None:
        return np.arange(first, minutes, int(rate[1]) * _UNIT_MINUTES[rate[2]], dtype=np.int64)
    cron = CRON_PATTERN.fullmatch(schedule)
    assert cron is not None
    epoch_minute = int(start.timestamp() // 60)
    fields = cron[1].split(" ")
    simple_daily = all(f in ("*", "?") for f in (fields[2], fields[3], fields[5]))
    if zone is None and fields[0].isdigit() and fields[1].isdigit() and simple_daily:
        return _daily(epoch_minute, minutes, int(fields[1]) * 60 + int(fields[0]), _field_values(fields[4], 4))
    wall = (
        epoch_minute + np.arange(minutes, dtype=np.int64)
        if zone is None
        else _local_minutes(epoch_minute, minutes, zone)
    )
    stamps = wall.astype("datetime64[m]")
    days = stamps.astype("datetime64[D]")
    months = stamps.astype("datetime64[M]")
    years = stamps.astype("datetime64[Y]")
    day_number = days.astype(np.int64)
    parts = (
        wall % 60,
        (wall // 60) % 24,
        (days - months).astype(np.int64) + 1,
        (months - years).astype(np.int64) + 1,
        (day_number + 4) % 7 + 1,
        years.astype(np.int64) + 1970,
    )
    matches = np.ones(minutes, dtype=bool)
    for index, text in enumerate(cron[1].split(" ")):
        allowed = _field_values(text, index)
        if allowed is not None:
            matches &= np.isin(parts[index], sorted(allowed))
    return np.flatnonzero(matches).astype(np.int64)

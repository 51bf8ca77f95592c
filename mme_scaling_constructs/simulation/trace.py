"""Per-minute traffic traces: the CSV format the simulator reads.

Format: CSV with a header row, then one row per minute with two columns:

1. the minute: an ISO 8601 timestamp on a whole minute (``2026-03-02T14:05:00Z``; without an
   offset it is UTC), or a minute index (``0``, ``1``, ...; minute 0 of index traces is Monday
   1970-01-05 00:00 UTC, so that daily and weekly schedules line up);
2. the invocations of the endpoint in that minute (all models together), a number >= 0.

Every row must follow the one before by exactly one minute, in the same form, from
0001-01-01T00:00Z to 9999-12-31T23:59Z in UTC (Python's datetime range; minute indexes up to
:data:`MAX_INDEX`). Blank lines are skipped. Errors name the file and line.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from mme_scaling_constructs.errors import Problems

#: Minute 0 of a trace given by minute index: a Monday at midnight UTC.
INDEX_EPOCH: Final = datetime.datetime(1970, 1, 5, tzinfo=datetime.UTC)
#: The most problems one error lists; the rest are counted.
MAX_REPORTED_PROBLEMS: Final = 10
#: The longest trace: one year of minutes... times ten.
MAX_MINUTES: Final = 5_256_000
_INDEX: Final = re.compile(r"[0-9]{1,12}")
MINUTE_RULE: Final = "an ISO 8601 timestamp on a whole minute (e.g. 2026-03-02T14:05:00Z) or a minute index (0, 1, ...)"
#: The first and last minutes a trace can have (Python's datetime range: years 1 to 9999, in UTC).
FIRST_TIME: Final = datetime.datetime.min.replace(tzinfo=datetime.UTC)
LAST_TIME: Final = datetime.datetime.max.replace(second=0, microsecond=0, tzinfo=datetime.UTC)
#: The largest minute index: the minute of :data:`LAST_TIME`.
MAX_INDEX: Final = (LAST_TIME - INDEX_EPOCH) // datetime.timedelta(minutes=1)
TIME_RANGE_RULE: Final = "a time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:00Z in UTC"
INDEX_RANGE_RULE: Final = f"a minute index from 0 to {MAX_INDEX} (minute {MAX_INDEX} is 9999-12-31T23:59:00Z)"
INVOCATIONS_RULE: Final = "a finite number >= 0 (invocations in the minute)"
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True, eq=False)
class Trace:
    """Invocations per minute, from ``start``.

    Args:
        invocations: invocations of each minute, finite and >= 0.
        start: the UTC time of the first minute; defaults to :data:`INDEX_EPOCH`.
        source: where the trace came from, for messages; defaults to ``"trace"``.
    """

    invocations: FloatArray
    start: datetime.datetime = INDEX_EPOCH
    source: str = "trace"

    def __post_init__(self) -> None:
        problems = Problems("trace")
        values = np.asarray(self.invocations, dtype=np.float64) if _is_array_like(self.invocations) else None
        if values is None or values.ndim != 1 or values.size == 0:
            problems.add("invocations", self.invocations, "a non-empty sequence of numbers")
        elif not np.all(np.isfinite(values)) or np.any(values < 0):
            bad = int(np.flatnonzero(~np.isfinite(values) | (values < 0))[0])
            problems.add(f"invocations[{bad}]", float(values[bad]), INVOCATIONS_RULE)
        if not isinstance(self.start, datetime.datetime) or self.start.utcoffset() is None:
            problems.add("start", self.start, "a timezone-aware datetime.datetime")
        problems.raise_if_any()
        assert values is not None
        values.setflags(write=False)
        object.__setattr__(self, "invocations", values)
        object.__setattr__(self, "start", self.start.astimezone(datetime.UTC))

    @property
    def minutes(self) -> int:
        """The number of minutes."""
        return int(self.invocations.size)


def _is_array_like(value: object) -> bool:
    """Whether ``value`` is a sequence or array of numbers (not of strings or booleans)."""
    try:
        raw = np.asarray(value)
        np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    return raw.dtype.kind in "iuf"


def read_trace(path: Path | str) -> Trace:
    """Read the trace CSV at ``path`` (see the module docstring for the format).

    Raises:
        ConfigurationError: the file cannot be read, or names each bad line.
    """
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems = Problems("trace")
        problems.add(shown, "no such file", "a readable CSV file")
        problems.raise_if_any()
        raise  # unreachable
    except (OSError, UnicodeError, ValueError) as error:
        problems = Problems("trace")
        problems.add(shown, str(error), "a readable UTF-8 CSV file")
        problems.raise_if_any()
        raise
    return parse_trace(text, source=shown)


def parse_trace(text: str, *, source: str = "trace") -> Trace:
    """Parse trace CSV ``text``; messages name lines as ``<source> line <n>``.

    Raises:
        ConfigurationError: naming each bad line (the first ten, and how many more).
    """
    problems = Problems("trace")
    values: list[float] = []
    start: datetime.datetime | None = None
    previous: int | None = None  # minutes since the Unix epoch of the previous row
    kind: str | None = None
    header_seen = False
    extra = 0
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        problems.add(source, str(error), "CSV text")
        problems.raise_if_any()
    for number, row in enumerate(rows, start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        where = f"{source} line {number}"
        if not header_seen:
            header_seen = True
            if len(row) != 2 or _number(row[1]) is not None:
                problems.add(where, ",".join(row), "a header row of two column names, e.g. 'minute,invocations'")
                break
            continue
        if len(problems.found) >= MAX_REPORTED_PROBLEMS:
            extra += 1
            continue
        if len(row) != 2:
            problems.add(where, ",".join(row), "two columns: the minute, then the invocations in it")
            continue
        minute_text, count_text = row[0].strip(), row[1].strip()
        row_kind = "index" if _INDEX.fullmatch(minute_text) else "timestamp"
        minute = _minute(minute_text, row_kind)
        if minute is None:
            problems.add(f"{where} column 1", minute_text, MINUTE_RULE)
            continue
        if not _in_range(minute, row_kind):
            problems.add(f"{where} column 1", minute_text, INDEX_RANGE_RULE if row_kind == "index" else TIME_RANGE_RULE)
            continue
        if kind is None:
            kind = row_kind
            start = INDEX_EPOCH + datetime.timedelta(minutes=minute) if kind == "index" else _as_time(minute)
            if kind == "index":
                minute += _epoch_minute(INDEX_EPOCH)
        else:
            if row_kind != kind:
                problems.add(
                    f"{where} column 1",
                    minute_text,
                    f"{'a minute index' if kind == 'index' else 'a timestamp'}, like the first row",
                )
                continue
            if kind == "index":
                minute += _epoch_minute(INDEX_EPOCH)
            if previous is not None and minute != previous + 1:
                problems.add(f"{where} column 1", minute_text, _next_minute_rule(previous, minute, kind))
                previous = minute
                continue
        previous = minute
        count = _number(count_text)
        if count is None or count < 0:
            problems.add(f"{where} column 2", count_text, INVOCATIONS_RULE)
            continue
        values.append(count)
        if len(values) > MAX_MINUTES:
            problems.add(where, len(values), f"at most {MAX_MINUTES} minutes")
            break
    if not problems.found and not values:
        problems.add(source, "no data rows", "a header row, then one row per minute")
    if extra:
        problems.add(source, f"{extra} more lines with problems", "fix the lines above first")
    problems.raise_if_any()
    assert start is not None
    return Trace(invocations=np.array(values, dtype=np.float64), start=start, source=source)


def _in_range(minute: int, kind: str) -> bool:
    """Whether ``minute`` (an index, or minutes since the Unix epoch) lies in the range a trace can have."""
    if kind == "index":
        return 0 <= minute <= MAX_INDEX
    return _epoch_minute(FIRST_TIME) <= minute <= _epoch_minute(LAST_TIME)


def _next_minute_rule(previous: int, minute: int, kind: str) -> str:
    """What a row at ``minute`` after one at ``previous`` (minutes since the Unix epoch) should have been."""
    if previous >= _epoch_minute(LAST_TIME):
        return "no further row: the row before is 9999-12-31T23:59:00Z, the last minute a trace can have"
    expected = previous + 1 - (_epoch_minute(INDEX_EPOCH) if kind == "index" else 0)
    shown = str(expected) if kind == "index" else _as_time(expected).strftime("%Y-%m-%dT%H:%M:%SZ")
    gap = "a gap" if minute > previous + 1 else "out of order"
    return f"the next minute, {shown} (this row is {gap})"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _epoch_minute(when: datetime.datetime) -> int:
    return int(when.timestamp()) // 60


def _as_time(minute: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(minute * 60, tz=datetime.UTC)


def _minute(text: str, kind: str) -> int | None:
    """Minutes since the Unix epoch (timestamps) or the index (indices), or ``None``."""
    if kind == "index":
        return int(text)
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    if when.second or when.microsecond:
        return None
    try:
        return _epoch_minute(when)
    except (OverflowError, OSError, ValueError):
        return None

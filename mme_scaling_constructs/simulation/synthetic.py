"""Synthetic traffic traces for examples, tests and benchmarks: diurnal, spike, ramp, noisy.

Each function returns a :class:`~.trace.Trace` of invocations per minute, deterministic for a
given ``seed``.
"""

from __future__ import annotations

import numpy as np

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.simulation.trace import Trace

MINUTES_PER_DAY = 1440


def _check(minutes: object, **levels: object) -> None:
    problems = Problems("synthetic trace")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 10_000_000:
        problems.add("minutes", minutes, "a whole number from 1 to 10000000")
    for name, value in levels.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
            problems.add(name, value, "a finite number >= 0")
    problems.raise_if_any()


def diurnal(
    *, minutes: int = 30 * MINUTES_PER_DAY, base: float = 600.0, peak: float = 3000.0, weekend_factor: float = 0.6
) -> Trace:
    """A daily cycle: ``base`` at 03:00 UTC rising to ``peak`` at 15:00 UTC; weekends scaled by ``weekend_factor``.

    Args:
        minutes: length; defaults to 30 days.
        base: the nightly low, invocations per minute; defaults to 600.
        peak: the daily high; defaults to 3000.
        weekend_factor: share of the weekday load on Saturdays and Sundays; defaults to 0.6.
    """
    _check(minutes, base=base, peak=peak, weekend_factor=weekend_factor)
    t = np.arange(minutes, dtype=np.float64)
    phase = (t % MINUTES_PER_DAY) / MINUTES_PER_DAY
    shape = 0.5 - 0.5 * np.cos(2 * np.pi * (phase - 0.125))
    day = (t // MINUTES_PER_DAY).astype(np.int64) % 7  # index traces start on a Monday
    weekday = np.where(day >= 5, weekend_factor, 1.0)
    return Trace(invocations=np.round((base + (peak - base) * shape) * weekday), source="diurnal")


def spike(
    *, minutes: int = 6 * 60, base: float = 500.0, height: float = 5000.0, at: int = 120, length: int = 30
) -> Trace:
    """A flat load of ``base`` with a jump to ``height`` for ``length`` minutes from minute ``at``."""
    _check(minutes, base=base, height=height, at=at, length=length)
    values = np.full(minutes, float(base))
    values[int(at) : int(at) + int(length)] = height
    return Trace(invocations=values, source="spike")


def ramp(*, minutes: int = 6 * 60, start: float = 100.0, end: float = 5000.0) -> Trace:
    """A load rising linearly from ``start`` to ``end`` invocations per minute (rounded)."""
    _check(minutes, start=start, end=end)
    return Trace(invocations=np.round(np.linspace(start, end, minutes)), source="ramp")


def noisy(trace: Trace, *, relative_noise: float = 0.1, seed: int = 0) -> Trace:
    """``trace`` with Gaussian noise of ``relative_noise`` x the load, clipped at 0 and rounded."""
    _check(trace.minutes, relative_noise=relative_noise)
    generator = np.random.default_rng(seed)
    values = trace.invocations * (1 + relative_noise * generator.standard_normal(trace.minutes))
    return Trace(
        invocations=np.asarray(np.round(np.clip(values, 0, None)), dtype=np.float64),
        start=trace.start,
        source=f"noisy {trace.source}",
    )

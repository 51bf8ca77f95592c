"""The invocations-per-instance target derived from a load test.

AWS's formula: ``SageMakerVariantInvocationsPerInstance`` target =
``MAX_RPS x SAFETY_FACTOR x 60``, where MAX_RPS is the highest rate one instance sustains.
https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-loadtest.html

This module imports no CDK code, so the command line can use it without starting jsii.
"""

from __future__ import annotations

import math
from typing import Final

from mme_scaling_constructs.constants import MAX_TARGET_VALUE, MIN_TARGET_VALUE
from mme_scaling_constructs.errors import Problems

#: What a rate must give: a target Application Auto Scaling accepts.
TARGET_RATE_RULE: Final = "a rate whose target (max_requests_per_second x safety_factor x 60) is from 2^-360 to 2^360"

#: Default safety factor applied to a load-tested maximum request rate.
DEFAULT_SAFETY_FACTOR: Final = 0.5


def _is_finite_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def invocations_target(*, max_requests_per_second: float, safety_factor: float = DEFAULT_SAFETY_FACTOR) -> float:
    """Invocations per instance per minute to target: ``max_rps x safety_factor x 60``.

    Args:
        max_requests_per_second: the highest rate one instance sustained in a load test, > 0.
        safety_factor: share of that rate to aim for, in (0, 1]; defaults to 0.5.

    Raises:
        ConfigurationError: naming each argument out of range, or the target when it falls
            outside what Application Auto Scaling accepts (2^-360 to 2^360).
    """
    problems = Problems("invocations target")
    if not _is_finite_number(max_requests_per_second) or not max_requests_per_second > 0:
        problems.add("max_requests_per_second", max_requests_per_second, "a finite number greater than 0")
    if not _is_finite_number(safety_factor) or not 0 < safety_factor <= 1:
        problems.add("safety_factor", safety_factor, "a finite number greater than 0 and at most 1")
    problems.raise_if_any()
    try:
        target = float(max_requests_per_second) * safety_factor * 60
    except OverflowError:  # an int too large for a float
        target = math.inf
    if not MIN_TARGET_VALUE <= target <= MAX_TARGET_VALUE:  # also false for NaN
        problems.add("max_requests_per_second", max_requests_per_second, TARGET_RATE_RULE)
        problems.raise_if_any()
    return target

"""Value checks shared by the policies, presets and constructs.

Each check records a :class:`~mme_scaling_constructs.errors.Problem` instead of raising, so
that callers report every problem at once. Every check skips unresolved CDK tokens.
"""

from __future__ import annotations

import re
from typing import Any, Final

from aws_cdk import Duration, Token

from mme_scaling_constructs.errors import Problems

#: Endpoint, endpoint config and variant names.
#: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html
SAGEMAKER_NAME_PATTERN: Final = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
SAGEMAKER_NAME_RULE: Final = "1 to 63 letters, digits and hyphens, starting and ending with a letter or digit"

#: Names given to policies, which become construct ids.
CONSTRUCT_NAME_PATTERN: Final = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,63}$")
CONSTRUCT_NAME_RULE: Final = "1 to 64 letters and digits, starting with a letter"

#: An instance count: a multi-model endpoint variant never has fewer than one instance.
MIN_CAPACITY_RULE: Final = "a whole number >= 1 (a multi-model endpoint variant cannot scale to zero)"
WHOLE_NUMBER_RULE: Final = "a whole number >= 1"


def is_token(value: Any) -> bool:
    """Whether ``value`` is an unresolved CDK token (a string, number or list one)."""
    return Token.is_unresolved(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_positive(problems: Problems, parameter: str, value: Any, unit: str = "") -> None:
    """Record a problem unless ``value`` is a number greater than 0 (or a token)."""
    if is_token(value):
        return
    if not _is_number(value) or value <= 0:
        suffix = f" ({unit})" if unit else ""
        problems.add(parameter, value, f"a number greater than 0{suffix}")


def check_percent(problems: Problems, parameter: str, value: Any, per: str) -> None:
    """Record a problem unless ``value`` is a percentage in (0, 100] (or a token)."""
    if is_token(value):
        return
    if not _is_number(value) or not 0 < value <= 100:
        problems.add(parameter, value, f"a percentage per {per} greater than 0 and at most 100")


def check_capacities(problems: Problems, min_capacity: Any, max_capacity: Any, *, optional: bool = False) -> None:
    """Record problems with a variant's instance-count range.

    ``min_capacity`` must be a whole number of at least 1, because a multi-model endpoint
    variant cannot scale to zero; ``max_capacity`` must be a whole number not below it.
    With ``optional``, either may be ``None`` (unchanged), but not both.
    """
    if optional and min_capacity is None and max_capacity is None:
        problems.add("min_capacity", None, "min_capacity, max_capacity or both")
        return
    min_ok = not (optional and min_capacity is None) and check_whole_number(
        problems, "min_capacity", min_capacity, MIN_CAPACITY_RULE
    )
    max_ok = not (optional and max_capacity is None) and check_whole_number(
        problems, "max_capacity", max_capacity, WHOLE_NUMBER_RULE
    )
    if min_ok and max_ok and max_capacity < min_capacity:
        problems.add("max_capacity", max_capacity, f"a whole number >= min_capacity ({min_capacity})")


def check_whole_number(problems: Problems, parameter: str, value: Any, allowed: str) -> bool:
    """Record a problem unless ``value`` is an int >= 1 (or a token).

    Returns True when ``value`` is a valid literal that further comparisons may use.
    """
    if is_token(value):
        return False
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems.add(parameter, value, allowed)
        return False
    return True


def check_sagemaker_name(problems: Problems, parameter: str, value: Any) -> None:
    """Record a problem unless ``value`` is a valid SageMaker endpoint or variant name."""
    if value is None or is_token(value):
        return
    if not isinstance(value, str) or not SAGEMAKER_NAME_PATTERN.match(value):
        problems.add(parameter, value, SAGEMAKER_NAME_RULE)


def check_cooldown(problems: Problems, parameter: str, cooldown: Duration | None) -> None:
    """Record a problem unless ``cooldown`` is ``None``, a token, or a whole number of seconds."""
    if cooldown is None:
        return
    if not isinstance(cooldown, Duration):
        problems.add(parameter, cooldown, "an aws_cdk.Duration of whole seconds")
        return
    if is_token(cooldown.to_string()):
        return
    seconds = cooldown.to_milliseconds() / 1000
    if seconds != int(seconds):
        problems.add(parameter, cooldown.to_human_string(), "a whole number of seconds, e.g. Duration.seconds(90)")


def check_construct_name(problems: Problems, parameter: str, value: str | None) -> None:
    """Record a problem unless ``value`` is ``None`` or a valid policy name (a construct id)."""
    if value is not None and not (isinstance(value, str) and CONSTRUCT_NAME_PATTERN.match(value)):
        problems.add(parameter, value, CONSTRUCT_NAME_RULE)

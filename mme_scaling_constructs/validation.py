"""Value checks shared by the policies, presets and constructs.

Each check records a :class:`~mme_scaling_constructs.errors.Problem` instead of raising, so
that callers report every problem at once. Every check skips unresolved CDK tokens, and every
check is total: a value of any type either passes or is recorded, and nothing that is not a
finite number of the right type ever reaches jsii (a NaN sent to jsii kills its Node process
for the rest of the Python process).

Numeric bounds come from AWS's models: capacities and cooldowns are 32-bit integers, and
``TargetValue`` lies between 2^-360 and 2^360 (botocore ``application-autoscaling``
``MetricScale``; CloudFormation ``AWS::ApplicationAutoScaling::ScalingPolicy`` schema).
"""

from __future__ import annotations

import math
import re
import struct
import weakref
from typing import Any, Final

from aws_cdk import Duration, Token
from jsii._reference_map import InterfaceDynamicProxy

from mme_scaling_constructs.constants import MAX_TARGET_VALUE, MIN_TARGET_VALUE, TARGET_VALUE_RULE
from mme_scaling_constructs.errors import Problems

#: Endpoint, endpoint config and variant names: letters, digits and hyphens, at most 63.
#: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html
SAGEMAKER_NAME_PATTERN: Final = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
SAGEMAKER_NAME_MAX_LENGTH: Final = 63
SAGEMAKER_NAME_RULE: Final = "1 to 63 letters, digits and hyphens, starting and ending with a letter or digit"

#: Names given to policies, which become construct ids.
CONSTRUCT_NAME_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")
CONSTRUCT_NAME_RULE: Final = "1 to 64 letters and digits, starting with a letter"

#: Text a template can carry: the XML characters botocore accepts in metric math strings
#: (``XmlString``), less the control characters YAML does not print (DEL and C1), which
#: cfn-lint refuses. Tab, line feed and carriage return are the only control characters.
TEXT_PATTERN: Final = re.compile("[\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")
TEXT_RULE: Final = "text without control characters other than tab, line feed and carriage return"

#: The largest 32-bit integer: capacities, cooldowns and alarm periods are Java integers in AWS's APIs.
MAX_INT32: Final = 2**31 - 1

#: An instance count: a multi-model endpoint variant never has fewer than one instance.
MIN_CAPACITY_RULE: Final = f"a whole number from 1 to {MAX_INT32} (a multi-model endpoint variant cannot scale to zero)"
WHOLE_NUMBER_RULE: Final = f"a whole number from 1 to {MAX_INT32}"
_TARGET_VALUE_RANGE: Final = "a number from 2^-360 to 2^360"

#: CDK's string and list token encodings: ``${Token[KEY]}`` and ``#{Token[KEY]}``, the key of
#: the characters CDK allows (aws-cdk-lib ``core/lib/private/encoding``).
_STRING_TOKEN: Final = re.compile(r"\$\{Token\[[a-zA-Z0-9:._-]+\]\}")
_LIST_TOKEN: Final = re.compile(r"#\{Token\[[a-zA-Z0-9:._-]+\]\}")
#: High 16 bits of a number token: CDK encodes number tokens as doubles with these bits set.
_NUMBER_TOKEN_MARKER: Final = 0xFBFF


def is_token(value: Any) -> bool:
    """Whether ``value`` is an unresolved CDK token (a string, number, list or intrinsic one).

    Strings, numbers and ``None`` are recognized in Python, without a jsii call: string and
    list tokens carry CDK's ``${Token[...]}`` markers, number tokens are doubles whose high
    bits carry CDK's marker. Only other objects are asked to jsii. A NaN or an infinity is
    never a token and never reaches jsii.
    """
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return "${Token[" in value and _STRING_TOKEN.search(value) is not None
    if isinstance(value, int):
        return False
    if isinstance(value, float):
        if not math.isfinite(value):
            return False
        bits: int = struct.unpack("<Q", struct.pack("<d", value))[0]
        return bits >> 48 == _NUMBER_TOKEN_MARKER
    if isinstance(value, (list, tuple)):
        return len(value) == 1 and isinstance(value[0], str) and _LIST_TOKEN.search(value[0]) is not None
    if isinstance(value, (dict, bytes, complex, set, frozenset)) or not hasattr(value, "__jsii_type__"):
        return False
    return bool(Token.is_unresolved(value))


def is_string_token(value: Any) -> bool:
    """Whether ``value`` is a string token: the only token a string parameter may take."""
    return isinstance(value, str) and is_token(value)


def is_number_token(value: Any) -> bool:
    """Whether ``value`` is a number token: the only token a number parameter may take."""
    return isinstance(value, float) and is_token(value)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite ``int`` or ``float`` (not a ``bool``, NaN or infinity)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def check_positive(problems: Problems, parameter: str, value: Any, unit: str = "") -> bool:
    """Record a problem unless ``value`` is a finite number greater than 0 (or a number token).

    Returns True when ``value`` is a valid literal that further comparisons may use.
    """
    if is_number_token(value):
        return False
    if not is_number(value) or value <= 0:
        suffix = f" ({unit})" if unit else ""
        problems.add(parameter, value, f"a finite number greater than 0{suffix}")
        return False
    return True


def check_target_value(problems: Problems, parameter: str, value: Any, unit: str = "") -> bool:
    """Record a problem unless ``value`` is a target value Application Auto Scaling accepts (or a number token).

    Returns True when ``value`` is a valid literal.
    """
    if is_number_token(value):
        return False
    if not is_number(value) or not MIN_TARGET_VALUE <= value <= MAX_TARGET_VALUE:
        problems.add(parameter, value, f"{_TARGET_VALUE_RANGE} ({unit})" if unit else TARGET_VALUE_RULE)
        return False
    return True


def check_percent(problems: Problems, parameter: str, value: Any, per: str) -> bool:
    """Record a problem unless ``value`` is a percentage in (0, 100] (or a number token).

    Returns True when ``value`` is a valid literal.
    """
    if is_number_token(value):
        return False
    if not is_number(value) or not 0 < value <= 100:
        problems.add(parameter, value, f"a percentage per {per} greater than 0 and at most 100")
        return False
    return True


def check_capacities(problems: Problems, min_capacity: Any, max_capacity: Any, *, optional: bool = False) -> None:
    """Record problems with a variant's instance-count range.

    ``min_capacity`` must be a whole number of at least 1, because a multi-model endpoint
    variant cannot scale to zero; ``max_capacity`` must be a whole number not below it. Both
    are 32-bit integers. With ``optional``, either may be ``None`` (unchanged), but not both.
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


def check_whole_number(
    problems: Problems, parameter: str, value: Any, allowed: str, *, minimum: int = 1, maximum: int = MAX_INT32
) -> bool:
    """Record ``allowed`` unless ``value`` is an ``int`` from ``minimum`` to ``maximum`` (or a number token).

    ``maximum`` defaults to 2^31 - 1. Returns True when ``value`` is a valid literal that
    further comparisons may use.
    """
    if is_number_token(value):
        return False
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        problems.add(parameter, value, allowed)
        return False
    return True


def check_bool(problems: Problems, parameter: str, value: Any) -> bool:
    """Record a problem unless ``value`` is ``True`` or ``False``.

    Tokens are refused: the value decides what is synthesized (a token string is always true),
    and jsii takes no string or number token where CloudFormation wants a boolean.
    """
    if isinstance(value, bool):
        return True
    problems.add(parameter, value, "True or False")
    return False


def check_string(
    problems: Problems,
    parameter: str,
    value: Any,
    *,
    pattern: re.Pattern[str] | None = None,
    max_length: int,
    rule: str,
    optional: bool = False,
) -> bool:
    """Record a problem unless ``value`` is a string of 1 to ``max_length`` characters matching ``pattern``.

    The whole string must match (a trailing newline does not pass). String tokens pass (a
    number or list token does not); with ``optional``, so does ``None``. Returns True when
    ``value`` is a valid literal string.
    """
    if (optional and value is None) or is_string_token(value):
        return False
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= max_length
        or (pattern is not None and not pattern.fullmatch(value))
    ):
        problems.add(parameter, value, rule)
        return False
    return True


def check_sagemaker_name(problems: Problems, parameter: str, value: Any) -> None:
    """Record a problem unless ``value`` is ``None``, a token or a valid SageMaker endpoint or variant name."""
    check_string(
        problems,
        parameter,
        value,
        pattern=SAGEMAKER_NAME_PATTERN,
        max_length=SAGEMAKER_NAME_MAX_LENGTH,
        rule=SAGEMAKER_NAME_RULE,
        optional=True,
    )


def check_cooldown(problems: Problems, parameter: str, cooldown: Any) -> bool:
    """Record a problem unless ``cooldown`` is ``None``, a token, or whole seconds from 0 to 2^31 - 1.

    A token cooldown must be given as ``Duration.seconds(token)``: CDK cannot convert a token
    from another unit. Returns True when ``cooldown`` is a usable ``Duration``.
    """
    if cooldown is None:
        return False
    if not isinstance(cooldown, Duration):
        problems.add(parameter, cooldown, "an aws_cdk.Duration of whole seconds")
        return False
    seconds = _seconds_of(cooldown)
    if seconds is None:
        problems.add(
            parameter,
            cooldown.to_string(),
            "Duration.seconds(<token>): a token cannot be converted from other units",
        )
        return False
    if is_token(seconds):
        return True
    if not math.isfinite(seconds) or seconds != int(seconds) or not 0 <= seconds <= MAX_INT32:
        problems.add(
            parameter,
            cooldown.to_human_string(),
            f"a whole number of seconds from 0 to {MAX_INT32}, e.g. Duration.seconds(90)",
        )
        return False
    return True


def cooldown_seconds(cooldown: Duration | None) -> float:
    """``cooldown`` in seconds for a template: an ``int``, or a number token kept intact."""
    assert cooldown is not None, "a preset always holds its cooldowns"
    seconds = _seconds_of(cooldown)
    assert seconds is not None, "checked by check_cooldown"
    return seconds if is_token(seconds) else int(seconds)


#: Seconds of each Duration seen (None: a token in another unit). Durations are immutable, and
#: jsii hands back the same Python object for the same Duration, so presets' shared cooldowns
#: cross into jsii once per process.
_SECONDS: Final[weakref.WeakKeyDictionary[Duration, float | None]] = weakref.WeakKeyDictionary()


def _seconds_of(duration: Duration) -> float | None:
    """The seconds of ``duration`` (a number token when it is one), or None if CDK cannot convert it."""
    if duration in _SECONDS:
        return _SECONDS[duration]
    seconds: float | None
    if duration.is_unresolved():
        try:
            seconds = duration.to_seconds()
        except RuntimeError:
            seconds = None
    else:
        try:
            seconds = duration.to_milliseconds() / 1000
        except RuntimeError:  # beyond what CDK converts to whole milliseconds: out of any range
            seconds = math.inf
    _SECONDS[duration] = seconds
    return seconds


def check_construct_name(problems: Problems, parameter: str, value: Any) -> None:
    """Record a problem unless ``value`` is ``None`` or a valid policy name (a construct id)."""
    if value is not None and not (isinstance(value, str) and CONSTRUCT_NAME_PATTERN.fullmatch(value)):
        problems.add(parameter, value, CONSTRUCT_NAME_RULE)


def check_instance_of(
    problems: Problems, parameter: str, value: Any, kinds: type | tuple[type, ...], rule: str
) -> bool:
    """Record a problem unless ``value`` is an instance of ``kinds``; return whether it is."""
    if isinstance(value, kinds):
        return True
    problems.add(parameter, value, rule)
    return False


def has_interface(value: Any, *names: str) -> bool:
    """Whether ``value``'s class has the attributes a jsii interface promises (no jsii call).

    An object jsii returns as several interfaces (``Role.from_role_arn`` does) is a proxy whose
    delegates' classes carry them.
    """
    if isinstance(value, (str, bytes, int, float)):
        return False
    delegates = value._delegates if isinstance(value, InterfaceDynamicProxy) else [value]
    return all(any(hasattr(type(delegate), name) for delegate in delegates) for name in names)

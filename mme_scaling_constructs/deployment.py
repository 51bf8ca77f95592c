"""Deployment guardrails: how SageMaker shifts traffic to a new endpoint config, and rolls back.

Blue/green (all at once, canary or linear) or rolling, with CloudWatch alarms that roll the
update back. Every value is checked against AWS's models: botocore's ``sagemaker`` service model
(shapes ``DeploymentConfig``, ``BlueGreenUpdatePolicy``, ``TrafficRoutingConfig``,
``CapacitySize``, ``RollingUpdatePolicy``, ``AutoRollbackConfig``, ``Alarm``) and the
CloudFormation schema of ``AWS::SageMaker::Endpoint`` that cfn-lint carries. The guide:
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Required, TypedDict, Unpack

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.validation import (
    MAX_INT32,
    check_cooldown,
    check_string,
    check_whole_number,
    cooldown_seconds,
    has_interface,
    is_token,
)

#: Waits (baking, termination) in seconds: botocore ``WaitIntervalInSeconds`` and
#: ``TerminationWaitInSeconds``, 0 to 3600.
MAX_WAIT_SECONDS: Final = 3600
#: The whole deployment's timeout in seconds: botocore ``MaximumExecutionTimeoutInSeconds``, 600 to 28800.
MIN_TIMEOUT_SECONDS: Final = 600
MAX_TIMEOUT_SECONDS: Final = 28800
#: Auto-rollback alarms a deployment takes: botocore ``AlarmList``, at most 10.
MAX_ROLLBACK_ALARMS: Final = 10
#: Alarm names: botocore ``sagemaker`` ``AlarmName`` (1 to 255 characters, pattern ``(?!\s*$).+``:
#: not only white space) and ``cloudwatch`` ``PutMetricAlarm.AlarmName`` ("can't contain ASCII
#: control characters"; UTF-8, so no lone surrogates).
MAX_ALARM_NAME_LENGTH: Final = 255
ALARM_NAME_PATTERN: Final = re.compile(r"(?!\s*\Z)[^\x00-\x1f\x7f\ud800-\udfff]+")
ALARM_NAME_RULE: Final = (
    f"1 to {MAX_ALARM_NAME_LENGTH} characters, not only white space, without control characters "
    "(a CloudWatch alarm name)"
)
#: What ``rollback_alarms`` takes, as a whole.
ROLLBACK_ALARMS_RULE: Final = f"at most {MAX_ROLLBACK_ALARMS} aws_cloudwatch.IAlarm (e.g. ScalingAlarms.alarms)"
#: L1 alarms are not ``IAlarm``: their ``alarm_name`` is None unless given (``Ref`` is the name).
_L1_ALARMS: Final = (cloudwatch.CfnAlarm, cloudwatch.CfnCompositeAlarm)
L1_ALARM_RULE: Final = (
    "an aws_cloudwatch.IAlarm, not an L1 alarm: wrap it as "
    "aws_cloudwatch.Alarm.from_alarm_name(scope, id, l1_alarm.ref)"
)

_Cfn = sagemaker.CfnEndpoint
_SIZES: Final = "CapacitySize.instances(n) or CapacitySize.percent(p)"
#: The percentages a :class:`CapacitySize` can hold at all; each use narrows them.
MAX_PERCENT: Final = 100


class CapacityUnit(enum.Enum):
    """How a :class:`CapacitySize` counts (botocore ``CapacitySizeType``)."""

    INSTANCE_COUNT = "INSTANCE_COUNT"
    CAPACITY_PERCENT = "CAPACITY_PERCENT"


def _count_rule(parameter: str = "n") -> str:
    """What an instance count takes, in words."""
    return f"CapacitySize.instances({parameter}) with {parameter} from 1 to {MAX_INT32}"


def _percent_rule(low: int, high: int) -> str:
    """What a percentage from ``low`` to ``high`` takes, in words."""
    return f"CapacitySize.percent(p) with p from {low} to {high}"


@dataclass(frozen=True, repr=False)
class CapacitySize:
    """A number of instances, or a percentage of the variant's instances (botocore ``CapacitySize``).

    Build one with :meth:`instances` or :meth:`percent`. ``Value`` is an integer of at least 1
    (botocore ``CapacitySizeValue``), a 32-bit one; a percentage is at most 100. Each use narrows
    the percentage further (see :class:`DeploymentConfig`). A number token passes unchecked.

    Args:
        unit: how ``value`` counts.
        value: the instances, or the percentage.

    Raises:
        ConfigurationError: when ``unit`` is not a :class:`CapacityUnit` or ``value`` is out of range.
    """

    unit: CapacityUnit
    value: int

    def __post_init__(self) -> None:
        problems = Problems("CapacitySize")
        _check_size_value(problems, "unit", "value", self.unit, self.value)
        problems.raise_if_any()

    @classmethod
    def instances(cls, count: int) -> CapacitySize:
        """``count`` instances, a whole number from 1 to 2^31 - 1."""
        problems = Problems("CapacitySize")
        _check_size_value(problems, "unit", "count", CapacityUnit.INSTANCE_COUNT, count)
        problems.raise_if_any()
        return cls(CapacityUnit.INSTANCE_COUNT, count)

    @classmethod
    def percent(cls, value: int) -> CapacitySize:
        """``value`` percent of the variant's instances, a whole number from 1 to 100."""
        return cls(CapacityUnit.CAPACITY_PERCENT, value)

    def check(self, problems: Problems, parameter: str, *, max_percent: int, min_percent: int = 1) -> None:
        """Record a problem unless the size is a whole number in range for its unit (tokens pass)."""
        if not isinstance(self.unit, CapacityUnit):
            problems.add(parameter, self, _SIZES)
        elif self.unit is CapacityUnit.INSTANCE_COUNT:
            check_whole_number(problems, parameter, self.value, _count_rule())
        else:
            check_whole_number(
                problems,
                parameter,
                self.value,
                _percent_rule(min_percent, max_percent),
                minimum=min_percent,
                maximum=max_percent,
            )

    def to_cfn(self) -> _Cfn.CapacitySizeProperty:
        """The L1 property."""
        return _Cfn.CapacitySizeProperty(type=self.unit.value, value=self.value)

    def __repr__(self) -> str:
        """The factory call that builds this size, e.g. ``CapacitySize.percent(10)``."""
        factory = "instances" if self.unit is CapacityUnit.INSTANCE_COUNT else "percent"
        return f"CapacitySize.{factory}({self.value!r})"


def _check_size_value(problems: Problems, unit_parameter: str, parameter: str, unit: Any, value: Any) -> None:
    """Record problems unless ``unit`` is a :class:`CapacityUnit` and ``value`` in range for it."""
    if not isinstance(unit, CapacityUnit):
        problems.add(unit_parameter, unit, f"CapacityUnit.INSTANCE_COUNT or CapacityUnit.CAPACITY_PERCENT ({_SIZES})")
        check_whole_number(problems, parameter, value, f"a whole number from 1 to {MAX_INT32}")
    elif unit is CapacityUnit.INSTANCE_COUNT:
        check_whole_number(problems, parameter, value, _count_rule())
    else:
        check_whole_number(problems, parameter, value, _percent_rule(1, MAX_PERCENT), maximum=MAX_PERCENT)


class BlueGreenOptions(TypedDict, total=False):
    """The options every blue/green update takes, by name (see :meth:`DeploymentConfig.blue_green`)."""

    wait: Required[Duration]
    timeout: Duration | None
    termination_wait: Duration | None
    rollback_alarms: Sequence[cloudwatch.IAlarm]


class TrafficRouting(enum.Enum):
    """How a blue/green deployment shifts traffic (botocore ``TrafficRoutingConfigType``)."""

    ALL_AT_ONCE = "ALL_AT_ONCE"
    CANARY = "CANARY"
    LINEAR = "LINEAR"


ROUTING_RULE: Final = "TrafficRouting.ALL_AT_ONCE, TrafficRouting.CANARY or TrafficRouting.LINEAR"


@dataclass(frozen=True)
class _SizeRange:
    """The percentages a size takes in one mode, and what the size is there."""

    low: int
    high: int
    role: str

    @property
    def rule(self) -> str:
        """What the size takes, in words."""
        return f"{_SIZES} with p from {self.low} to {self.high} ({self.role})"


#: Size ranges, from the botocore member documentation: ``CanarySize`` "less than or equal to
#: 50%", ``LinearStepSize`` "10-50%", ``MaximumBatchSize`` "between 5% to 50%" of the variant's
#: instances; ``RollbackMaximumBatchSize`` defaults to 100 %.
_CANARY: Final = _SizeRange(1, 50, "the canary, required for CANARY routing")
_LINEAR: Final = _SizeRange(10, 50, "the step, required for LINEAR routing")
_ROLLING: Final = _SizeRange(5, 50, "the batch, required for a rolling update")
_ROLLBACK: Final = _SizeRange(1, MAX_PERCENT, "or None: the whole fleet at once")


@dataclass(frozen=True, kw_only=True)
class DeploymentConfig:
    """The endpoint's ``DeploymentConfig``: a blue/green or a rolling update, with rollback alarms.

    Build one with :meth:`all_at_once`, :meth:`canary`, :meth:`linear` or :meth:`rolling`.
    A blue/green update is botocore's ``BlueGreenUpdatePolicy``, a rolling one its
    ``RollingUpdatePolicy``; a value the chosen update has no member for is refused, not dropped.
    ``Duration`` tokens must be ``Duration.seconds(<token>)``; number tokens in sizes and durations
    pass unchecked.

    Args:
        is_rolling: whether the update is rolling (else blue/green).
        routing: blue/green traffic routing (required); ``None`` for a rolling update.
        size: canary size (CANARY, 1 to 50 %), linear step (LINEAR, 10 to 50 %) or rolling batch
            (5 to 50 %), required for those; ``None`` for ALL_AT_ONCE.
        wait: baking time between steps, 0 to 3600 s (required).
        timeout: the deployment's maximum duration, 600 to 28800 s and longer than the waits;
            defaults to ``None``: SageMaker's.
        termination_wait: blue/green wait before the old fleet is terminated, 0 to 3600 s;
            defaults to ``None`` (0); a rolling update has none.
        rollback_batch: rolling rollback batch size, 1 to 100 %; defaults to ``None``: the whole
            fleet at once; a blue/green update has none.
        rollback_alarms: a list or tuple of CloudWatch alarms (``aws_cloudwatch.IAlarm``) that
            roll the deployment back, at most 10; defaults to none.

    Raises:
        ConfigurationError: listing every value of the wrong type or out of range.
    """

    is_rolling: bool
    routing: TrafficRouting | None
    size: CapacitySize | None
    wait: Duration
    timeout: Duration | None = None
    termination_wait: Duration | None = None
    rollback_batch: CapacitySize | None = None
    rollback_alarms: Sequence[cloudwatch.IAlarm] = ()

    def __post_init__(self) -> None:
        if isinstance(self.rollback_alarms, list):
            object.__setattr__(self, "rollback_alarms", tuple(self.rollback_alarms))
        problems = Problems("DeploymentConfig")
        rolling = self.is_rolling if isinstance(self.is_rolling, bool) else None
        if rolling is None:
            problems.add("is_rolling", self.is_rolling, "True (a rolling update) or False (blue/green)")
        self._check_routing_and_size(problems, rolling)
        _check_seconds(problems, "wait", self.wait, 0, MAX_WAIT_SECONDS, required=True)
        _check_seconds(problems, "timeout", self.timeout, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS)
        if rolling and self.termination_wait is not None:
            problems.add(
                "termination_wait", _shown(self.termination_wait), "None (a rolling update has no termination wait)"
            )
        else:
            _check_seconds(problems, "termination_wait", self.termination_wait, 0, MAX_WAIT_SECONDS)
        self._check_rollback_batch(problems, rolling)
        _check_alarms(problems, self.rollback_alarms)
        problems.raise_if_any()
        self._check_timeout(problems)
        problems.raise_if_any()

    def _check_routing_and_size(self, problems: Problems, rolling: bool | None) -> None:
        """Record problems with ``routing`` and ``size`` for the update ``rolling`` names (None: unknown)."""
        routing, size = self.routing, self.size
        if rolling:
            if routing is not None:
                problems.add("routing", routing, "None (a rolling update has no traffic routing)")
            _check_size(problems, "size", size, _ROLLING)
        elif routing is TrafficRouting.ALL_AT_ONCE:
            if size is not None:
                problems.add("size", size, "None (ALL_AT_ONCE routing shifts all traffic in one step)")
        elif isinstance(routing, TrafficRouting):
            _check_size(problems, "size", size, _CANARY if routing is TrafficRouting.CANARY else _LINEAR)
        else:
            if rolling is False or routing is not None:
                problems.add("routing", routing, ROUTING_RULE if rolling is False else f"{ROUTING_RULE}, or None")
            _check_size(problems, "size", size, None)

    def _check_rollback_batch(self, problems: Problems, rolling: bool | None) -> None:
        """Record a problem unless ``rollback_batch`` suits the update (only a rolling one has one)."""
        batch = self.rollback_batch
        if rolling is False and batch is not None:
            problems.add("rollback_batch", batch, "None (a blue/green update has no rollback batch size)")
        elif batch is not None:
            _check_size(problems, "rollback_batch", batch, _ROLLBACK)

    def _check_timeout(self, problems: Problems) -> None:
        """Record a problem unless ``timeout`` is longer than the waits.

        botocore ``MaximumExecutionTimeoutInSeconds``: "should be larger than the total waiting
        time specified in ``TerminationWaitInSeconds`` and ``WaitIntervalInSeconds``".
        """
        waits = [d for d in (self.wait, self.termination_wait) if d is not None]
        seconds = [cooldown_seconds(d) for d in waits]
        if self.timeout is None or any(is_token(s) for s in seconds):
            return
        timeout = cooldown_seconds(self.timeout)
        if not is_token(timeout) and timeout <= sum(seconds):
            problems.add("timeout", self.timeout.to_human_string(), "longer than wait and termination_wait together")

    @classmethod
    def blue_green(
        cls,
        routing: TrafficRouting,
        size: CapacitySize | None = None,
        *,
        wait: Duration,
        timeout: Duration | None = None,
        termination_wait: Duration | None = None,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
    ) -> DeploymentConfig:
        """A blue/green update: a new fleet, traffic shifted by ``routing``, the old fleet ended after.

        :meth:`all_at_once`, :meth:`canary` and :meth:`linear` are this with their routing, and
        take the same options by name.

        Args:
            routing: how traffic shifts.
            size: the canary size (CANARY, at most 50 %) or the linear step (LINEAR, 10 to 50 %),
                required for those; defaults to ``None``, the only value ALL_AT_ONCE takes.
            wait: baking time (after each step), 0 to 3600 s.
            timeout: the deployment's maximum, 600 to 28800 s; defaults to ``None``: SageMaker's.
            termination_wait: wait before the old fleet ends, 0 to 3600 s; defaults to ``None`` (0).
            rollback_alarms: a list or tuple of alarms that roll the deployment back, at most 10;
                defaults to none.
        """
        return cls(
            is_rolling=False,
            routing=routing,
            size=size,
            wait=wait,
            timeout=timeout,
            termination_wait=termination_wait,
            rollback_alarms=rollback_alarms,
        )

    @classmethod
    def all_at_once(cls, **options: Unpack[BlueGreenOptions]) -> DeploymentConfig:
        """Blue/green: all traffic to the new fleet at once, then bake for ``wait`` (options of :meth:`blue_green`)."""
        return cls.blue_green(TrafficRouting.ALL_AT_ONCE, **options)

    @classmethod
    def canary(cls, size: CapacitySize, **options: Unpack[BlueGreenOptions]) -> DeploymentConfig:
        """Blue/green: ``size`` (at most 50 %) of the traffic first, bake, then the rest.

        Args:
            size: the canary: instances, or a percentage of the fleet from 1 to 50.
            options: ``wait``, ``timeout``, ``termination_wait``, ``rollback_alarms``, as
                :meth:`blue_green` takes them.
        """
        return cls.blue_green(TrafficRouting.CANARY, size, **options)

    @classmethod
    def linear(cls, step: CapacitySize, **options: Unpack[BlueGreenOptions]) -> DeploymentConfig:
        """Blue/green: traffic in steps of ``step`` (10 to 50 %), baking after each.

        Args:
            step: each step: instances, or a percentage of the fleet from 10 to 50.
            options: ``wait``, ``timeout``, ``termination_wait``, ``rollback_alarms``, as
                :meth:`blue_green` takes them.
        """
        return cls.blue_green(TrafficRouting.LINEAR, step, **options)

    @classmethod
    def rolling(
        cls,
        batch: CapacitySize,
        *,
        wait: Duration,
        timeout: Duration | None = None,
        rollback_batch: CapacitySize | None = None,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
    ) -> DeploymentConfig:
        """A rolling update in batches of ``batch`` (5 to 50 % of the fleet), baking ``wait`` after each.

        A rolling update has no termination wait (botocore ``RollingUpdatePolicy``).

        Args:
            batch: instances updated at a time.
            wait: baking time after each batch, 0 to 3600 s.
            timeout: the deployment's maximum, 600 to 28800 s; defaults to ``None``: SageMaker's.
            rollback_batch: instances rolled back at a time, 1 to 100 %; defaults to ``None``:
                roll back the whole fleet at once.
            rollback_alarms: a list or tuple of alarms that roll the deployment back, at most 10;
                defaults to none.
        """
        return cls(
            is_rolling=True,
            routing=None,
            size=batch,
            wait=wait,
            timeout=timeout,
            rollback_batch=rollback_batch,
            rollback_alarms=rollback_alarms,
        )

    def to_cfn(self) -> _Cfn.DeploymentConfigProperty:
        """The L1 property."""
        rollback = (
            _Cfn.AutoRollbackConfigProperty(
                alarms=[_Cfn.AlarmProperty(alarm_name=alarm.alarm_name) for alarm in self.rollback_alarms]
            )
            if self.rollback_alarms
            else None
        )
        timeout = None if self.timeout is None else cooldown_seconds(self.timeout)
        size = None if self.size is None else self.size.to_cfn()
        if self.is_rolling:
            assert size is not None, "checked in __post_init__"
            return _Cfn.DeploymentConfigProperty(
                auto_rollback_configuration=rollback,
                rolling_update_policy=_Cfn.RollingUpdatePolicyProperty(
                    maximum_batch_size=size,
                    wait_interval_in_seconds=cooldown_seconds(self.wait),
                    maximum_execution_timeout_in_seconds=timeout,
                    rollback_maximum_batch_size=None if self.rollback_batch is None else self.rollback_batch.to_cfn(),
                ),
            )
        assert self.routing is not None, "checked in __post_init__"
        return _Cfn.DeploymentConfigProperty(
            auto_rollback_configuration=rollback,
            blue_green_update_policy=_Cfn.BlueGreenUpdatePolicyProperty(
                traffic_routing_configuration=_Cfn.TrafficRoutingConfigProperty(
                    type=self.routing.value,
                    wait_interval_in_seconds=cooldown_seconds(self.wait),
                    canary_size=size if self.routing is TrafficRouting.CANARY else None,
                    linear_step_size=size if self.routing is TrafficRouting.LINEAR else None,
                ),
                maximum_execution_timeout_in_seconds=timeout,
                termination_wait_in_seconds=None
                if self.termination_wait is None
                else cooldown_seconds(self.termination_wait),
            ),
        )


def _check_size(problems: Problems, parameter: str, size: Any, sizes: _SizeRange | None) -> None:
    """Record a problem unless ``size`` is a :class:`CapacitySize` in ``sizes`` (None: any size, or None)."""
    if sizes is None:
        if size is not None and not isinstance(size, CapacitySize):
            problems.add(parameter, size, f"{_SIZES}, or None")
    elif sizes is _ROLLBACK and size is None:
        return
    elif not isinstance(size, CapacitySize):
        problems.add(parameter, size, sizes.rule)
    else:
        size.check(problems, parameter, min_percent=sizes.low, max_percent=sizes.high)


def _shown(value: Any) -> Any:
    """A value as a message shows it: a Duration in words, or as code when it is a token."""
    if not isinstance(value, Duration):
        return value
    return value.to_string() if value.is_unresolved() else value.to_human_string()


def _check_seconds(
    problems: Problems, parameter: str, duration: Any, low: int, high: int, *, required: bool = False
) -> None:
    """Record a problem unless ``duration`` is whole seconds from ``low`` to ``high``, a token, or an optional ``None``.

    A token must be ``Duration.seconds(<token>)``, as
    :func:`~mme_scaling_constructs.validation.check_cooldown` takes it.
    """
    seconds_rule = f"whole seconds from {low} to {high}"
    if duration is None and not required:
        return
    if not isinstance(duration, Duration):
        problems.add(parameter, duration, f"an aws_cdk.Duration of {seconds_rule}" + ("" if required else ", or None"))
        return
    found = Problems(problems.subject)
    usable = check_cooldown(found, parameter, duration)
    if not usable:
        if duration.is_unresolved():
            problems.extend(found.found)
        else:
            problems.add(parameter, duration.to_human_string(), seconds_rule)
        return
    seconds = cooldown_seconds(duration)
    if not is_token(seconds) and not low <= seconds <= high:
        problems.add(parameter, duration.to_human_string(), seconds_rule)


def _is_alarm(value: Any) -> bool:
    """Whether ``value`` is an ``aws_cloudwatch.IAlarm`` (an alarm, composite or imported, not an L1 one)."""
    return has_interface(value, "alarm_arn", "alarm_name", "render_alarm_rule")


def _check_alarms(problems: Problems, alarms: Any) -> None:
    """Record problems unless ``alarms`` is a tuple of at most 10 alarms whose names SageMaker takes."""
    if not isinstance(alarms, tuple):
        problems.add("rollback_alarms", alarms, f"a list or tuple of {ROLLBACK_ALARMS_RULE}, or () for none")
        return
    all_alarms = True
    for index, alarm in enumerate(alarms):
        if isinstance(alarm, _L1_ALARMS):
            problems.add(f"rollback_alarms[{index}]", alarm, L1_ALARM_RULE)
        elif not _is_alarm(alarm):
            all_alarms = False
    if len(alarms) > MAX_ROLLBACK_ALARMS or not all_alarms:
        problems.add("rollback_alarms", alarms, ROLLBACK_ALARMS_RULE)
        return
    for index, alarm in enumerate(alarms):
        if not isinstance(alarm, _L1_ALARMS):
            check_string(
                problems,
                f"rollback_alarms[{index}].alarm_name",
                alarm.alarm_name,
                pattern=ALARM_NAME_PATTERN,
                max_length=MAX_ALARM_NAME_LENGTH,
                rule=ALARM_NAME_RULE,
            )

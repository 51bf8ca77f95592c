"""Deployment guardrails: how SageMaker shifts traffic to a new endpoint config, and rolls back.

Blue/green (all at once, canary or linear) or rolling, with CloudWatch alarms that roll the
update back. Ranges from CloudFormation's ``AWS::SageMaker::Endpoint DeploymentConfig`` and
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Required, TypedDict, Unpack

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.validation import (
    check_cooldown,
    check_whole_number,
    cooldown_seconds,
    has_interface,
    is_token,
)

#: Waits (baking, termination) and the whole deployment's timeout, in seconds.
MAX_WAIT_SECONDS: Final = 3600
MIN_TIMEOUT_SECONDS: Final = 600
MAX_TIMEOUT_SECONDS: Final = 28800
#: Auto-rollback alarms a deployment takes.
MAX_ROLLBACK_ALARMS: Final = 10

_Cfn = sagemaker.CfnEndpoint


class CapacityUnit(enum.Enum):
    """How a :class:`CapacitySize` counts."""

    INSTANCE_COUNT = "INSTANCE_COUNT"
    CAPACITY_PERCENT = "CAPACITY_PERCENT"


@dataclass(frozen=True)
class CapacitySize:
    """A number of instances, or a percentage of the variant's instances.

    Build one with :meth:`instances` or :meth:`percent`.
    """

    unit: CapacityUnit
    value: int

    @classmethod
    def instances(cls, count: int) -> CapacitySize:
        """``count`` instances, >= 1."""
        return cls(CapacityUnit.INSTANCE_COUNT, count)

    @classmethod
    def percent(cls, value: int) -> CapacitySize:
        """``value`` percent of the variant's instances, a whole number from 1 to 100."""
        return cls(CapacityUnit.CAPACITY_PERCENT, value)

    def check(self, problems: Problems, parameter: str, *, max_percent: int, min_percent: int = 1) -> None:
        """Record a problem unless the size is a whole number in range for its unit."""
        if not isinstance(self.unit, CapacityUnit):
            problems.add(parameter, self, "CapacitySize.instances(n) or CapacitySize.percent(p)")
        elif self.unit is CapacityUnit.INSTANCE_COUNT:
            check_whole_number(problems, parameter, self.value, "CapacitySize.instances(n) with n >= 1")
        else:
            check_whole_number(
                problems,
                parameter,
                self.value,
                f"CapacitySize.percent(p) with p from {min_percent} to {max_percent}",
                minimum=min_percent,
                maximum=max_percent,
            )

    def to_cfn(self) -> _Cfn.CapacitySizeProperty:
        """The L1 property."""
        return _Cfn.CapacitySizeProperty(type=self.unit.value, value=self.value)


class BlueGreenOptions(TypedDict, total=False):
    """The options every blue/green update takes, by name (see :meth:`DeploymentConfig.blue_green`)."""

    wait: Required[Duration]
    timeout: Duration | None
    termination_wait: Duration | None
    rollback_alarms: Sequence[cloudwatch.IAlarm]


class TrafficRouting(enum.Enum):
    """How a blue/green deployment shifts traffic."""

    ALL_AT_ONCE = "ALL_AT_ONCE"
    CANARY = "CANARY"
    LINEAR = "LINEAR"


@dataclass(frozen=True, kw_only=True)
class DeploymentConfig:
    """The endpoint's ``DeploymentConfig``: a blue/green or a rolling update, with rollback alarms.

    Build one with :meth:`all_at_once`, :meth:`canary`, :meth:`linear` or :meth:`rolling`.

    Args:
        is_rolling: whether the update is rolling (else blue/green).
        routing: blue/green traffic routing; ``None`` for a rolling update.
        size: canary size, linear step size, or rolling batch size.
        wait: baking time between steps, 0 to 3600 s.
        timeout: the deployment's maximum duration, 600 to 28800 s; ``None``: SageMaker's.
        termination_wait: blue/green wait before the old fleet is terminated, 0 to 3600 s.
        rollback_batch: rolling rollback batch size; ``None``: the whole fleet at once.
        rollback_alarms: CloudWatch alarms that roll the deployment back, at most 10.
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
        object.__setattr__(self, "rollback_alarms", tuple(self.rollback_alarms))
        problems = Problems("DeploymentConfig")
        waits = [("wait", self.wait), ("termination_wait", self.termination_wait)]
        for parameter, duration in waits:
            _check_seconds(problems, parameter, duration, 0, MAX_WAIT_SECONDS)
        _check_seconds(problems, "timeout", self.timeout, MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS)
        if self.routing is TrafficRouting.CANARY and self.size is not None:
            self.size.check(problems, "size", max_percent=50)
        if self.routing is TrafficRouting.LINEAR and self.size is not None:
            self.size.check(problems, "size", min_percent=10, max_percent=50)
        if self.is_rolling and self.size is not None:
            self.size.check(problems, "size", min_percent=5, max_percent=50)
        if self.rollback_batch is not None:
            self.rollback_batch.check(problems, "rollback_batch", max_percent=100)
        alarms = self.rollback_alarms
        if len(alarms) > MAX_ROLLBACK_ALARMS or not all(has_interface(a, "alarm_name") for a in alarms):
            problems.add(
                "rollback_alarms",
                alarms,
                f"at most {MAX_ROLLBACK_ALARMS} aws_cloudwatch.IAlarm (e.g. ScalingAlarms.alarms)",
            )
        problems.raise_if_any()
        seconds = [cooldown_seconds(d) for _, d in waits if d is not None]
        if self.timeout is not None and not any(is_token(s) for s in seconds):
            timeout = cooldown_seconds(self.timeout)
            if not is_token(timeout) and timeout <= sum(seconds):
                problems.add(
                    "timeout", self.timeout.to_human_string(), "longer than wait and termination_wait together"
                )
        problems.raise_if_any()

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
            size: the canary size (at most 50 %) or the linear step (10 to 50 %); defaults to
                ``None`` (all at once).
            wait: baking time (after each step), 0 to 3600 s.
            timeout: the deployment's maximum, 600 to 28800 s; defaults to ``None``: SageMaker's.
            termination_wait: wait before the old fleet ends, 0 to 3600 s; defaults to ``None`` (0).
            rollback_alarms: alarms that roll the deployment back, at most 10; defaults to none.
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

        Args:
            batch: instances updated at a time.
            wait: baking time after each batch, 0 to 3600 s.
            timeout: defaults to ``None``: SageMaker's maximum.
            rollback_batch: defaults to ``None``: roll back the whole fleet at once.
            rollback_alarms: defaults to none.
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
        if self.is_rolling:
            assert self.size is not None
            return _Cfn.DeploymentConfigProperty(
                auto_rollback_configuration=rollback,
                rolling_update_policy=_Cfn.RollingUpdatePolicyProperty(
                    maximum_batch_size=self.size.to_cfn(),
                    wait_interval_in_seconds=cooldown_seconds(self.wait),
                    maximum_execution_timeout_in_seconds=timeout,
                    rollback_maximum_batch_size=None if self.rollback_batch is None else self.rollback_batch.to_cfn(),
                ),
            )
        assert self.routing is not None
        return _Cfn.DeploymentConfigProperty(
            auto_rollback_configuration=rollback,
            blue_green_update_policy=_Cfn.BlueGreenUpdatePolicyProperty(
                traffic_routing_configuration=_Cfn.TrafficRoutingConfigProperty(
                    type=self.routing.value,
                    wait_interval_in_seconds=cooldown_seconds(self.wait),
                    canary_size=self.size.to_cfn() if self.routing is TrafficRouting.CANARY and self.size else None,
                    linear_step_size=self.size.to_cfn()
                    if self.routing is TrafficRouting.LINEAR and self.size
                    else None,
                ),
                maximum_execution_timeout_in_seconds=timeout,
                termination_wait_in_seconds=None
                if self.termination_wait is None
                else cooldown_seconds(self.termination_wait),
            ),
        )


def _check_seconds(problems: Problems, parameter: str, duration: Any, low: int, high: int) -> None:
    """Record a problem unless ``duration`` is ``None``, a token, or whole seconds from ``low`` to ``high``."""
    if duration is None:
        return
    if not check_cooldown(problems, parameter, duration):
        return
    seconds = cooldown_seconds(duration)
    if not is_token(seconds) and not low <= seconds <= high:
        problems.add(parameter, duration.to_human_string(), f"whole seconds from {low} to {high}")

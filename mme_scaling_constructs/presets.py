"""Scaling presets: capacity bounds, cooldowns and the policies that track CPU or GPU load.

Both presets follow the AWS MME auto scaling page: a target-tracking policy on the predefined
``SageMakerVariantInvocationsPerInstance`` metric (target 70), plus a utilization policy on
``CPUUtilization`` or ``GPUUtilization`` whose per-device target the scaling construct
multiplies by the instance's vCPU or GPU count. Cooldowns default to the page's example:
10 minutes in, 5 minutes out.
https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints-autoscaling.html
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Duration

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.instance_catalogue import InstanceSpec, lookup
from mme_scaling_constructs.metrics import CPU_UTILIZATION, GPU_UTILIZATION
from mme_scaling_constructs.policies import (
    DEFAULT_INVOCATIONS_PER_INSTANCE,
    InvocationsPerInstancePolicy,
    TargetTrackingSpec,
    UtilizationPolicy,
)
from mme_scaling_constructs.schedules import MAX_SCHEDULED_ACTIONS, ScheduledScaling, SuspendedState
from mme_scaling_constructs.step_scaling import StepScalingSpec
from mme_scaling_constructs.validation import (
    check_capacities,
    check_cooldown,
    check_instance_of,
    check_percent,
    check_target_value,
    is_token,
)

#: Application Auto Scaling allows 50 scaling policies per scalable target (not adjustable).
#: https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-quotas.html
MAX_POLICIES_PER_TARGET: Final = 50

#: Default lowest instance count: two, so that SageMaker can spread instances over
#: Availability Zones. One is allowed, with a warning.
DEFAULT_MIN_CAPACITY: Final = 2
#: Default highest instance count.
DEFAULT_MAX_CAPACITY: Final = 4
#: Default target utilization per vCPU or per GPU, in percent.
DEFAULT_UTILIZATION_PERCENT: Final = 50.0
#: Default scale-in cooldown in seconds: the AWS MME page's example (10 minutes).
DEFAULT_SCALE_IN_COOLDOWN_SECONDS: Final = 600
#: Default scale-out cooldown in seconds: the AWS MME page's example (5 minutes).
DEFAULT_SCALE_OUT_COOLDOWN_SECONDS: Final = 300


@functools.cache
def default_cooldown(seconds: int) -> Duration:
    """The default cooldown of ``seconds``, one ``Duration`` per process, made on first use.

    Made lazily so that importing the package starts no jsii process.
    """
    return Duration.seconds(seconds)


class Device(enum.Enum):
    """The kind of instance a preset is made for."""

    CPU = "cpu"
    GPU = "gpu"


#: The keyword arguments :meth:`ScalingPreset.cpu` and :meth:`ScalingPreset.gpu` take, by device.
_PRESET_ARGUMENTS: Final = {
    Device.CPU: ("min_capacity", "max_capacity", "invocations_per_instance", "cpu_utilization_percent"),
    Device.GPU: ("min_capacity", "max_capacity", "invocations_per_instance", "gpu_utilization_percent"),
}
_COOLDOWN_DEFAULTS: Final = {
    "scale_in_cooldown": DEFAULT_SCALE_IN_COOLDOWN_SECONDS,
    "scale_out_cooldown": DEFAULT_SCALE_OUT_COOLDOWN_SECONDS,
}
_COOLDOWN_ARGUMENTS: Final = tuple(_COOLDOWN_DEFAULTS)


@dataclass(frozen=True, kw_only=True)
class ScalingPreset:
    """Capacity bounds, cooldowns and target-tracking policies for one MME variant.

    Build one with :meth:`cpu`, :meth:`gpu`, :meth:`for_instance_type` or :meth:`custom`;
    derive others with :meth:`with_policy`, :meth:`without_policy`, :meth:`with_schedule`
    or ``dataclasses.replace``.

    Args:
        device: the kind of instance the preset is made for; ``None`` when it suits any, the
            instance type deciding.
        policies: the target-tracking policies, each on a different metric.
        min_capacity: lowest instance count, >= 1; defaults to 2.
        max_capacity: highest instance count, >= min_capacity; defaults to 4.
        scale_in_cooldown: cooldown of every policy that sets none; defaults to 10 minutes.
        scale_out_cooldown: cooldown of every policy that sets none; defaults to 5 minutes.
        step_policies: step-scaling policies; defaults to none.
        schedules: scheduled actions, at most 200; defaults to none.
        suspended_state: suspended scaling activities; defaults to ``None`` (none suspended).

    At least one policy or scheduled action is required, and at most 50 scaling policies on
    the target (an Application Auto Scaling quota), a step policy counting as two.
    """

    device: Device | None
    policies: tuple[TargetTrackingSpec, ...]
    min_capacity: int = DEFAULT_MIN_CAPACITY
    max_capacity: int = DEFAULT_MAX_CAPACITY
    scale_in_cooldown: Duration | None = None
    scale_out_cooldown: Duration | None = None
    step_policies: tuple[StepScalingSpec, ...] = ()
    schedules: tuple[ScheduledScaling, ...] = ()
    suspended_state: SuspendedState | None = None

    def __post_init__(self) -> None:
        for parameter, seconds in _COOLDOWN_DEFAULTS.items():
            if getattr(self, parameter) is None:
                object.__setattr__(self, parameter, default_cooldown(seconds))
        problems = Problems("ScalingPreset")
        if self.device is not None:
            check_instance_of(problems, "device", self.device, Device, "Device.CPU, Device.GPU or None")
        members_ok = True
        for attribute, kind, rule in _MEMBERS:
            value = getattr(self, attribute)
            if _check_members(problems, attribute, value, kind, rule):
                object.__setattr__(self, attribute, tuple(value))
            else:
                members_ok = False
        if self.suspended_state is not None:
            check_instance_of(
                problems, "suspended_state", self.suspended_state, SuspendedState, "a SuspendedState or None"
            )
        check_capacities(problems, self.min_capacity, self.max_capacity)
        for parameter in _COOLDOWN_ARGUMENTS:
            check_cooldown(problems, parameter, getattr(self, parameter))
        if members_ok:
            _check_policies(problems, self)
        problems.raise_if_any()

    def with_policy(self, policy: TargetTrackingSpec | StepScalingSpec) -> ScalingPreset:
        """A copy with ``policy`` added.

        A target-tracking policy replaces the one that tracks the same metric; a step policy
        replaces the one of the same name.
        """
        _require_policies("ScalingPreset.with_policy", "policy", (policy,))
        if isinstance(policy, StepScalingSpec):
            steps = tuple(p for p in self.step_policies if p.name != policy.name)
            return dataclasses.replace(self, step_policies=(*steps, policy))
        kept = tuple(p for p in self.policies if p.metric_key != policy.metric_key)
        return dataclasses.replace(self, policies=(*kept, policy))

    def without_policy(self, construct_id: str) -> ScalingPreset:
        """A copy without the policy (of either kind) whose ``construct_id`` is given.

        Raises:
            ConfigurationError: if no policy has that id.
        """
        names = [p.construct_id for p in self.policies] + [p.construct_id for p in self.step_policies]
        if not isinstance(construct_id, str) or construct_id not in names:
            problems = Problems("ScalingPreset.without_policy")
            problems.add("construct_id", construct_id, f"one of {', '.join(names)}")
            problems.raise_if_any()
        kept = tuple(p for p in self.policies if p.construct_id != construct_id)
        steps = tuple(p for p in self.step_policies if p.construct_id != construct_id)
        return dataclasses.replace(self, policies=kept, step_policies=steps)

    def with_schedule(self, action: ScheduledScaling) -> ScalingPreset:
        """A copy with ``action`` added, replacing the scheduled action of the same name."""
        _require("ScalingPreset.with_schedule", "action", action, ScheduledScaling, "a ScheduledScaling")
        kept = tuple(a for a in self.schedules if a.name != action.name)
        return dataclasses.replace(self, schedules=(*kept, action))

    def with_suspended_state(self, state: SuspendedState | None) -> ScalingPreset:
        """A copy with ``state`` as its suspended state (``None`` resumes everything)."""
        if state is not None:
            _require("ScalingPreset.with_suspended_state", "state", state, SuspendedState, "a SuspendedState or None")
        return dataclasses.replace(self, suspended_state=state)

    @classmethod
    def cpu(
        cls,
        *,
        min_capacity: int = DEFAULT_MIN_CAPACITY,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
        invocations_per_instance: float = DEFAULT_INVOCATIONS_PER_INSTANCE,
        cpu_utilization_percent: float = DEFAULT_UTILIZATION_PERCENT,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
    ) -> ScalingPreset:
        """The preset for CPU instances.

        Args:
            min_capacity: lowest instance count, >= 1; defaults to 2.
            max_capacity: highest instance count; defaults to 4.
            invocations_per_instance: invocations per instance per minute; defaults to 70.
            cpu_utilization_percent: average utilization per vCPU, in (0, 100]; defaults to
                50. The emitted target is this times the instance's vCPU count.
            scale_in_cooldown: defaults to 10 minutes.
            scale_out_cooldown: defaults to 5 minutes.
        """
        return cls._build(
            "ScalingPreset.cpu",
            Device.CPU,
            utilization=("cpu_utilization_percent", CPU_UTILIZATION, cpu_utilization_percent),
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            invocations_per_instance=invocations_per_instance,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
        )

    @classmethod
    def gpu(
        cls,
        *,
        min_capacity: int = DEFAULT_MIN_CAPACITY,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
        invocations_per_instance: float = DEFAULT_INVOCATIONS_PER_INSTANCE,
        gpu_utilization_percent: float = DEFAULT_UTILIZATION_PERCENT,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
    ) -> ScalingPreset:
        """The preset for single-GPU instances.

        Args:
            min_capacity: lowest instance count, >= 1; defaults to 2.
            max_capacity: highest instance count; defaults to 4.
            invocations_per_instance: invocations per instance per minute; defaults to 70.
            gpu_utilization_percent: average utilization per GPU, in (0, 100]; defaults to
                50. The emitted target is this times the instance's GPU count.
            scale_in_cooldown: defaults to 10 minutes.
            scale_out_cooldown: defaults to 5 minutes.
        """
        return cls._build(
            "ScalingPreset.gpu",
            Device.GPU,
            utilization=("gpu_utilization_percent", GPU_UTILIZATION, gpu_utilization_percent),
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            invocations_per_instance=invocations_per_instance,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
        )

    @classmethod
    def for_instance_type(cls, instance_type: str | InstanceSpec, **overrides: Any) -> ScalingPreset:
        """:meth:`gpu` for a GPU type, :meth:`cpu` for any other.

        Args:
            instance_type: a literal ``ml.*`` instance type, or an :class:`InstanceSpec`.
            overrides: keyword arguments of the chosen constructor.

        Raises:
            ConfigurationError: if ``instance_type`` is a token, whose kind cannot be known, or
                not a string, or an override is not an argument of the chosen constructor.
        """
        problems = Problems("ScalingPreset.for_instance_type")
        spec = instance_type if isinstance(instance_type, InstanceSpec) else None
        if is_token(instance_type):
            problems.add(
                "instance_type",
                instance_type,
                "a literal instance type; for a token, pass ScalingPreset.cpu() or ScalingPreset.gpu()",
            )
        elif isinstance(instance_type, str):
            spec = lookup(instance_type)
            if spec is None:
                problems.add(
                    "instance_type",
                    instance_type,
                    "a SageMaker hosting type in mme_scaling_constructs.INSTANCE_TYPES, or an InstanceSpec",
                )
        elif spec is None:
            problems.add("instance_type", instance_type, "an ml.* instance type name or an InstanceSpec")
        device = Device.GPU if spec is not None and spec.is_gpu else Device.CPU
        allowed = (*_PRESET_ARGUMENTS[device], *_COOLDOWN_ARGUMENTS)
        for name in overrides:
            if name not in allowed:
                problems.add(
                    name, overrides[name], f"a keyword argument of ScalingPreset.{device.value}(): {', '.join(allowed)}"
                )
        problems.raise_if_any()
        if device is Device.GPU:
            return cls.gpu(**overrides)
        return cls.cpu(**overrides)

    @classmethod
    def custom(
        cls,
        *policies: TargetTrackingSpec | StepScalingSpec,
        device: Device | None = None,
        min_capacity: int = DEFAULT_MIN_CAPACITY,
        max_capacity: int = DEFAULT_MAX_CAPACITY,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
        schedules: tuple[ScheduledScaling, ...] = (),
        suspended_state: SuspendedState | None = None,
    ) -> ScalingPreset:
        """A preset of the given policies.

        Args:
            policies: target-tracking policies, each on a different metric, and step policies.
            device: the kind of instance the preset is made for; defaults to ``None``: any, the
                instance type deciding.
            min_capacity: lowest instance count, >= 1; defaults to 2.
            max_capacity: highest instance count; defaults to 4.
            scale_in_cooldown: defaults to 10 minutes.
            scale_out_cooldown: defaults to 5 minutes.
            schedules: scheduled actions; defaults to none.
            suspended_state: defaults to ``None`` (nothing suspended).
        """
        _require_policies("ScalingPreset.custom", "policies", policies)
        return cls(
            device=device,
            policies=tuple(p for p in policies if not isinstance(p, StepScalingSpec)),
            step_policies=tuple(p for p in policies if isinstance(p, StepScalingSpec)),
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
            schedules=schedules,
            suspended_state=suspended_state,
        )

    @classmethod
    def _build(
        cls,
        subject: str,
        device: Device,
        *,
        utilization: tuple[str, Any, float],
        min_capacity: int,
        max_capacity: int,
        invocations_per_instance: float,
        scale_in_cooldown: Duration | None,
        scale_out_cooldown: Duration | None,
    ) -> ScalingPreset:
        parameter, metric, percent = utilization
        key = _exact_key(
            cls,
            subject,
            device,
            parameter,
            metric,
            percent,
            min_capacity,
            max_capacity,
            invocations_per_instance,
            scale_in_cooldown,
            scale_out_cooldown,
        )
        built = None if key is None else _BUILT_PRESETS.get(key)
        if built is not None:
            return built
        problems = Problems(subject)
        check_capacities(problems, min_capacity, max_capacity)
        check_cooldown(problems, "scale_in_cooldown", scale_in_cooldown)
        check_cooldown(problems, "scale_out_cooldown", scale_out_cooldown)
        check_target_value(
            problems, "invocations_per_instance", invocations_per_instance, "invocations per instance per minute"
        )
        check_percent(problems, parameter, percent, metric.device)
        problems.raise_if_any()
        preset = cls(
            device=device,
            policies=(
                InvocationsPerInstancePolicy(target_invocations_per_minute=invocations_per_instance),
                UtilizationPolicy(metric=metric, target_percent=percent),
            ),
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
        )
        if key is not None and len(_BUILT_PRESETS) < _BUILT_PRESETS_LIMIT:
            _BUILT_PRESETS[key] = preset
        return preset


#: The presets :meth:`ScalingPreset.cpu` and :meth:`ScalingPreset.gpu` made, by their exact
#: arguments: a preset is immutable, so the same arguments share one (at most
#: :data:`_BUILT_PRESETS_LIMIT` are kept).
_BUILT_PRESETS: Final[dict[tuple[Any, ...], ScalingPreset]] = {}
_BUILT_PRESETS_LIMIT: Final = 256


def _exact_key(*values: Any) -> tuple[Any, ...] | None:
    """``values`` with their types, so that ``1``, ``1.0`` and ``True`` differ; ``None`` if one is unhashable."""
    key = tuple((type(value), value) for value in values)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _check_policies(problems: Problems, preset: ScalingPreset) -> None:
    """Policy and schedule counts, one target-tracking policy per metric, distinct names."""
    policies = preset.policies
    # A step policy becomes up to two scaling policies, one per direction.
    policy_count = len(policies) + 2 * len(preset.step_policies)
    if policy_count == 0 and not preset.schedules:
        problems.add("policies", policies, "at least one policy or scheduled action")
    if policy_count > MAX_POLICIES_PER_TARGET:
        problems.add(
            "policies",
            f"{policy_count} policies",
            f"at most {MAX_POLICIES_PER_TARGET} policies per scalable target (an Application Auto Scaling quota)",
        )
    if len(preset.schedules) > MAX_SCHEDULED_ACTIONS:
        problems.add(
            "schedules",
            f"{len(preset.schedules)} scheduled actions",
            f"at most {MAX_SCHEDULED_ACTIONS} scheduled actions per scalable target "
            "(an Application Auto Scaling quota)",
        )
    _check_distinct(
        problems,
        "policies",
        [p.metric_key for p in policies],
        [p.construct_id for p in policies],
        "policies on different metrics: target tracking allows one policy per metric",
    )
    names = [p.construct_id for p in policies] + [p.construct_id for p in preset.step_policies]
    _check_distinct(problems, "policies", list(names), names, "policies with different names")
    given = [(index, p.policy_name) for index, p in enumerate(policies) if isinstance(p.policy_name, str)]
    seen: set[str] = set()
    for index, name in given:
        if name in seen and not is_token(name):
            problems.add(
                f"policies[{index}].policy_name",
                name,
                "a policy name no other policy of the target has: Application Auto Scaling keys policies by name",
            )
        seen.add(name)
    _check_distinct(
        problems,
        "schedules",
        [a.name for a in preset.schedules],
        [a.name for a in preset.schedules],
        "scheduled actions with different names",
    )
    for index, action in enumerate(preset.schedules):
        problems.extend(
            action.capacity_problems(
                target_min_capacity=preset.min_capacity,
                target_max_capacity=preset.max_capacity,
                parameter=f"schedules[{index}]",
            )
        )


def _is_target_tracking_spec(value: object) -> bool:
    """Whether ``value`` provides what :class:`TargetTrackingSpec` requires."""
    return not isinstance(value, type) and all(
        hasattr(value, name) for name in ("construct_id", "metric_key", "emitted_target", "metric_properties")
    )


#: The collections a preset holds, with what each member must be.
_MEMBERS: Final = (
    ("policies", _is_target_tracking_spec, "a tuple of target-tracking policies (e.g. InvocationsPerInstancePolicy)"),
    ("step_policies", StepScalingSpec, "a tuple of StepScalingSpec values"),
    ("schedules", ScheduledScaling, "a tuple of ScheduledScaling values"),
)


def _check_members(problems: Problems, attribute: str, value: Any, kind: Any, rule: str) -> bool:
    """Record a problem unless ``value`` is a list or tuple whose members are ``kind`` (or pass it)."""
    if not isinstance(value, (list, tuple)):
        problems.add(attribute, value, rule)
        return False
    is_member = kind if not isinstance(kind, type) else (lambda item: isinstance(item, kind))
    ok = True
    for index, item in enumerate(value):
        if not is_member(item):
            problems.add(f"{attribute}[{index}]", item, rule)
            ok = False
    return ok


def _require_policies(subject: str, parameter: str, policies: tuple[Any, ...]) -> None:
    """Raise unless every one of ``policies`` is a target-tracking or step policy."""
    problems = Problems(subject)
    for index, policy in enumerate(policies):
        if not (isinstance(policy, StepScalingSpec) or _is_target_tracking_spec(policy)):
            name = parameter if len(policies) == 1 and parameter == "policy" else f"{parameter}[{index}]"
            problems.add(
                name, policy, "a target-tracking policy (e.g. InvocationsPerInstancePolicy) or a StepScalingSpec"
            )
    problems.raise_if_any()


def _require(subject: str, parameter: str, value: Any, kind: type, rule: str) -> None:
    """Raise unless ``value`` is a ``kind``."""
    problems = Problems(subject)
    check_instance_of(problems, parameter, value, kind, rule)
    problems.raise_if_any()


def _check_distinct(problems: Problems, parameter: str, keys: list[object], names: list[str], rule: str) -> None:
    seen: set[object] = set()
    for index, (key, name) in enumerate(zip(keys, names, strict=True)):
        if key in seen:
            problems.add(f"{parameter}[{index}]", name, rule)
        seen.add(key)

"""Simulation configurations from a ``ScalingPreset`` or a synthesized template.

:func:`config_from_template` reads a template with the CDK-free export reader.
:func:`config_from_preset` imports the CDK parts only when called, so that the simulator and the
command line start without jsii or Node.

What the simulator models: target-tracking policies on ``SageMakerVariantInvocationsPerInstance``
and on ``CPUUtilization`` or ``GPUUtilization`` (whose targets are summed over the instance's
vCPUs or GPUs, SageMaker's multi-model endpoint metrics page), cooldowns, scheduled actions in UTC, and the suspended
state. A configuration with anything else (step scaling, other metrics, time zones) is refused
with a problem naming it. Cooldowns apply to the whole variant in the model: when policies state
different cooldowns, the longest of each kind is used. An unset cooldown is 300 s, SageMaker's
default (SageMaker's auto scaling prerequisites page).
"""

from __future__ import annotations

from typing import Any, Final

from mme_scaling_constructs.constants import (
    ENDPOINT_CONFIG_RESOURCE_TYPE,
    INVOCATIONS_PER_INSTANCE_METRIC,
    TARGET_TRACKING_POLICY_TYPE,
)
from mme_scaling_constructs.errors import ConfigurationError, Problems
from mme_scaling_constructs.simulation.config import (
    INVOCATIONS,
    UTILIZATION,
    ScheduledCapacity,
    SimulatedPolicy,
    SimulationConfig,
    is_number,
    is_whole,
)

#: Cooldown of a policy that sets none, for SageMaker endpoint variants (auto scaling prerequisites).
SAGEMAKER_DEFAULT_COOLDOWN_S: Final = 300
_UTILIZATION_METRICS: Final = {"CPUUtilization": "vcpus", "GPUUtilization": "gpus"}
_SIMULATED: Final = (
    "a target-tracking policy on SageMakerVariantInvocationsPerInstance, CPUUtilization or GPUUtilization"
)


def config_from_template(template: Any, *, instance_type: str | None = None) -> SimulationConfig:
    """The configuration of the one scalable target in a synthesized ``template`` (a parsed JSON object).

    Args:
        template: the template.
        instance_type: the variant's instance type, needed for CPU or GPU utilization policies
            (their targets are summed over devices; a GPUUtilization policy needs a type with a
            GPU); defaults to the only ``InstanceType`` of the template's endpoint
            configurations, when it has exactly one literal one.

    Raises:
        ConfigurationError: naming each value the simulator cannot use.
    """
    from mme_scaling_constructs.export import scaling_in_template

    targets = scaling_in_template(template)
    problems = Problems("template")
    if len(targets) != 1:
        problems.add("Resources", f"{len(targets)} scalable targets", "a template with exactly one scalable target")
        problems.raise_if_any()
    target = targets[0]
    where = f"Resources.{target.logical_id}.Properties"
    for name, value in (("MinCapacity", target.min_capacity), ("MaxCapacity", target.max_capacity)):
        if not is_whole(value, 1):
            problems.add(f"{where}.{name}", value, "a literal whole number >= 1")
    kind = instance_type if instance_type is not None else template_instance_type(template)
    policies: list[SimulatedPolicy] = []
    cooldowns: dict[str, list[int]] = {"ScaleInCooldown": [], "ScaleOutCooldown": []}
    for policy in target.policies:
        at = f"Resources.{policy.logical_id}.Properties"
        if policy.policy_type != TARGET_TRACKING_POLICY_TYPE:
            problems.add(f"{at}.PolicyType", policy.policy_type, _SIMULATED)
            continue
        configuration = policy.configuration
        at = f"{at}.TargetTrackingScalingPolicyConfiguration"
        simulated = _template_policy(problems, configuration, at, kind, policy.policy_name)
        if simulated is not None:
            policies.append(simulated)
        for name, seconds in cooldowns.items():
            value = configuration.get(name, SAGEMAKER_DEFAULT_COOLDOWN_S)
            if is_whole(value, 0):
                seconds.append(value)
            else:
                problems.add(f"{at}.{name}", value, "a literal whole number of seconds")
    schedules = []
    for index, action in enumerate(target.scheduled_actions):
        at = f"{where}.ScheduledActions[{index}]"
        bounds = action.get("ScalableTargetAction", {})
        schedules.append(
            ScheduledCapacity(
                name=str(action.get("ScheduledActionName", f"action{index}")),
                schedule=str(action.get("Schedule", "")),
                min_capacity=bounds.get("MinCapacity"),
                max_capacity=bounds.get("MaxCapacity"),
                time_zone=action.get("Timezone"),
                start_time=action.get("StartTime"),
                end_time=action.get("EndTime"),
            )
        )
    suspended = target.suspended_state or {}
    problems.raise_if_any()
    return _build(
        problems,
        "template",
        min_capacity=target.min_capacity,
        max_capacity=target.max_capacity,
        policies=tuple(policies),
        scale_in_cooldown_s=max(cooldowns["ScaleInCooldown"], default=SAGEMAKER_DEFAULT_COOLDOWN_S),
        scale_out_cooldown_s=max(cooldowns["ScaleOutCooldown"], default=SAGEMAKER_DEFAULT_COOLDOWN_S),
        schedules=tuple(schedules),
        dynamic_scaling_in_suspended=suspended.get("DynamicScalingInSuspended", False),
        dynamic_scaling_out_suspended=suspended.get("DynamicScalingOutSuspended", False),
        scheduled_scaling_suspended=suspended.get("ScheduledScalingSuspended", False),
        instance_type=kind,
    )


def _build(problems: Problems, prefix: str, **arguments: Any) -> SimulationConfig:
    try:
        return SimulationConfig(**arguments)
    except ConfigurationError as error:
        for problem in error.problems:
            problems.add(f"{prefix}: {problem.parameter}", problem.value, problem.allowed)
        problems.raise_if_any()
        raise


def template_instance_type(template: Any) -> str | None:
    """The only literal ``InstanceType`` of the template's endpoint configurations, or ``None``."""
    found = set()
    resources = template.get("Resources", {}) if isinstance(template, dict) else {}
    for resource in resources.values() if isinstance(resources, dict) else ():
        if isinstance(resource, dict) and resource.get("Type") == ENDPOINT_CONFIG_RESOURCE_TYPE:
            variants = (resource.get("Properties") or {}).get("ProductionVariants") or []
            for variant in variants if isinstance(variants, list) else ():
                if isinstance(variant, dict):
                    found.add(variant.get("InstanceType"))
    return found.pop() if len(found) == 1 and isinstance(next(iter(found)), str) else None


def _template_policy(
    problems: Problems, configuration: dict[str, Any], at: str, instance_type: str | None, name: str
) -> SimulatedPolicy | None:
    target: Any = configuration.get("TargetValue")
    disable = configuration.get("DisableScaleIn", False)
    if not is_number(target) or not isinstance(disable, bool):
        problems.add(f"{at}.TargetValue", target, "a literal number, with a literal DisableScaleIn")
        return None
    predefined = configuration.get("PredefinedMetricSpecification")
    customized = configuration.get("CustomizedMetricSpecification") or {}
    if predefined is not None:
        if predefined.get("PredefinedMetricType") == INVOCATIONS_PER_INSTANCE_METRIC:
            return SimulatedPolicy(metric=INVOCATIONS, target=float(target), disable_scale_in=disable, name=name)
        problems.add(f"{at}.PredefinedMetricSpecification", predefined.get("PredefinedMetricType"), _SIMULATED)
        return None
    metric = customized.get("MetricName")
    if metric not in _UTILIZATION_METRICS or customized.get("Statistic", "Average") != "Average":
        problems.add(f"{at}.CustomizedMetricSpecification", metric, _SIMULATED)
        return None
    from mme_scaling_constructs.instance_catalogue import lookup

    spec = lookup(instance_type)
    if spec is None:
        problems.add(
            "instance_type",
            instance_type,
            f"a catalogued ml.* instance type: {at} tracks {metric}, summed over the instance's devices",
        )
        return None
    if metric == "GPUUtilization" and not spec.is_gpu:
        problems.add("instance_type", instance_type, f"a type with a GPU: {at} tracks GPUUtilization")
        return None
    devices = max(1, getattr(spec, _UTILIZATION_METRICS[metric]))
    return SimulatedPolicy(metric=UTILIZATION, target=float(target) / devices, disable_scale_in=disable, name=name)


def config_from_preset(preset: Any, instance_type: str) -> SimulationConfig:
    """The configuration a ``ScalingPreset`` gives a variant of ``instance_type``.

    Imports the CDK parts of the package when called (a ``ScalingPreset`` exists only with them).

    Args:
        preset: a ``ScalingPreset``.
        instance_type: the variant's ``ml.*`` instance type, a label for reports.

    Raises:
        ConfigurationError: naming each policy, schedule or setting the simulator does not model.
    """
    from mme_scaling_constructs.metrics import CPU_UTILIZATION, GPU_UTILIZATION
    from mme_scaling_constructs.policies import InvocationsPerInstancePolicy, UtilizationPolicy
    from mme_scaling_constructs.presets import ScalingPreset

    problems = Problems("simulation")
    if not isinstance(preset, ScalingPreset):
        problems.add("preset", preset, "a ScalingPreset")
        problems.raise_if_any()
    policies: list[SimulatedPolicy] = []
    in_cooldowns = [int(preset.scale_in_cooldown.to_seconds())]
    out_cooldowns = [int(preset.scale_out_cooldown.to_seconds())]
    for index, policy in enumerate(preset.policies):
        parameter = f"preset.policies[{index}]"
        if isinstance(policy, InvocationsPerInstancePolicy):
            metric, target = INVOCATIONS, float(policy.target_invocations_per_minute)
        elif isinstance(policy, UtilizationPolicy) and policy.metric in (CPU_UTILIZATION, GPU_UTILIZATION):
            metric, target = UTILIZATION, float(policy.target_percent)
        else:
            problems.add(parameter, type(policy).__name__, _SIMULATED)
            continue
        policies.append(
            SimulatedPolicy(
                metric=metric, target=target, disable_scale_in=bool(policy.disable_scale_in), name=policy.construct_id
            )
        )
        if policy.scale_in_cooldown is not None:
            in_cooldowns.append(int(policy.scale_in_cooldown.to_seconds()))
        if policy.scale_out_cooldown is not None:
            out_cooldowns.append(int(policy.scale_out_cooldown.to_seconds()))
    for index, step in enumerate(preset.step_policies):
        problems.add(f"preset.step_policies[{index}]", step.construct_id, _SIMULATED)
    schedules = []
    for action in preset.schedules:
        schedules.append(
            ScheduledCapacity(
                name=action.name,
                schedule=action.schedule,
                min_capacity=action.min_capacity,
                max_capacity=action.max_capacity,
                time_zone=action.time_zone,
                start_time=None if action.start_time is None else action.start_time.isoformat(),
                end_time=None if action.end_time is None else action.end_time.isoformat(),
            )
        )
    state = preset.suspended_state
    problems.raise_if_any()
    return _build(
        problems,
        "preset",
        min_capacity=preset.min_capacity,
        max_capacity=preset.max_capacity,
        policies=tuple(policies),
        scale_in_cooldown_s=max(in_cooldowns),
        scale_out_cooldown_s=max(out_cooldowns),
        schedules=tuple(schedules),
        dynamic_scaling_in_suspended=bool(state and state.dynamic_scaling_in_suspended),
        dynamic_scaling_out_suspended=bool(state and state.dynamic_scaling_out_suspended),
        scheduled_scaling_suspended=bool(state and state.scheduled_scaling_suspended),
        instance_type=instance_type,
    )

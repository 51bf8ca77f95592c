"""AWS CDK constructs for auto-scaled Amazon SageMaker multi-model endpoints.

``MultiModelEndpoint`` deploys a multi-model endpoint and scales it; ``EndpointScaling``
scales an endpoint made elsewhere; ``ScalingPreset`` chooses the policies.

Names are imported on first use, so that the ``mme-scaling`` command line, which needs no
CDK code, starts without the jsii runtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mme_scaling_constructs.deployment import CapacitySize, DeploymentConfig, TrafficRouting
    from mme_scaling_constructs.endpoint import MultiModelEndpoint
    from mme_scaling_constructs.errors import ConfigurationError, Problem, ScalingWarning
    from mme_scaling_constructs.instance_catalogue import (
        INSTANCE_TYPES,
        MME_GPU_INSTANCE_TYPES,
        InstanceSpec,
        MmeSupport,
    )
    from mme_scaling_constructs.load_test import invocations_target
    from mme_scaling_constructs.metrics import (
        CPU_UTILIZATION,
        DISK_UTILIZATION,
        GPU_MEMORY_UTILIZATION,
        GPU_UTILIZATION,
        MEMORY_UTILIZATION,
        MetricSpec,
        UtilizationMetric,
    )
    from mme_scaling_constructs.observability.alarms import AlarmKind, ScalingAlarms
    from mme_scaling_constructs.observability.dashboard import ScalingDashboard
    from mme_scaling_constructs.observability.metrics import VariantMetrics
    from mme_scaling_constructs.policies import (
        CustomMetricPolicy,
        ExpressionQuery,
        HighResolutionConcurrencyPolicy,
        InvocationsPerInstancePolicy,
        MetricMathPolicy,
        MetricQuery,
        TargetTrackingOptions,
        TargetTrackingSpec,
        UtilizationPolicy,
    )
    from mme_scaling_constructs.policy_json import load_policy
    from mme_scaling_constructs.presets import Device, ScalingPreset
    from mme_scaling_constructs.scaling import EndpointScaling
    from mme_scaling_constructs.schedules import ScheduledScaling, SuspendedState
    from mme_scaling_constructs.stack_assignment import StackAssignment
    from mme_scaling_constructs.step_scaling import AdjustmentType, ScalingStep, StepScalingSpec

_MODULE_OF = {
    "CapacitySize": "deployment",
    "DeploymentConfig": "deployment",
    "TrafficRouting": "deployment",
    "MultiModelEndpoint": "endpoint",
    "ConfigurationError": "errors",
    "Problem": "errors",
    "ScalingWarning": "errors",
    "INSTANCE_TYPES": "instance_catalogue",
    "MME_GPU_INSTANCE_TYPES": "instance_catalogue",
    "InstanceSpec": "instance_catalogue",
    "MmeSupport": "instance_catalogue",
    "invocations_target": "load_test",
    "AlarmKind": "observability.alarms",
    "ScalingAlarms": "observability.alarms",
    "ScalingDashboard": "observability.dashboard",
    "VariantMetrics": "observability.metrics",
    "CPU_UTILIZATION": "metrics",
    "DISK_UTILIZATION": "metrics",
    "GPU_MEMORY_UTILIZATION": "metrics",
    "GPU_UTILIZATION": "metrics",
    "MEMORY_UTILIZATION": "metrics",
    "MetricSpec": "metrics",
    "UtilizationMetric": "metrics",
    "CustomMetricPolicy": "policies",
    "ExpressionQuery": "policies",
    "MetricQuery": "policies",
    "HighResolutionConcurrencyPolicy": "policies",
    "InvocationsPerInstancePolicy": "policies",
    "MetricMathPolicy": "policies",
    "TargetTrackingOptions": "policies",
    "TargetTrackingSpec": "policies",
    "UtilizationPolicy": "policies",
    "load_policy": "policy_json",
    "Device": "presets",
    "ScalingPreset": "presets",
    "EndpointScaling": "scaling",
    "StackAssignment": "stack_assignment",
    "ScheduledScaling": "schedules",
    "SuspendedState": "schedules",
    "AdjustmentType": "step_scaling",
    "ScalingStep": "step_scaling",
    "StepScalingSpec": "step_scaling",
}

__all__ = [
    "CPU_UTILIZATION",
    "DISK_UTILIZATION",
    "GPU_MEMORY_UTILIZATION",
    "GPU_UTILIZATION",
    "INSTANCE_TYPES",
    "MEMORY_UTILIZATION",
    "MME_GPU_INSTANCE_TYPES",
    "AdjustmentType",
    "AlarmKind",
    "CapacitySize",
    "ConfigurationError",
    "CustomMetricPolicy",
    "DeploymentConfig",
    "Device",
    "EndpointScaling",
    "ExpressionQuery",
    "HighResolutionConcurrencyPolicy",
    "InstanceSpec",
    "InvocationsPerInstancePolicy",
    "MetricMathPolicy",
    "MetricQuery",
    "MetricSpec",
    "MmeSupport",
    "MultiModelEndpoint",
    "Problem",
    "ScalingAlarms",
    "ScalingDashboard",
    "ScalingPreset",
    "ScalingStep",
    "ScalingWarning",
    "ScheduledScaling",
    "StackAssignment",
    "StepScalingSpec",
    "SuspendedState",
    "TargetTrackingOptions",
    "TargetTrackingSpec",
    "TrafficRouting",
    "UtilizationMetric",
    "UtilizationPolicy",
    "VariantMetrics",
    "invocations_target",
    "load_policy",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    if name == "__version__":
        from importlib.metadata import version

        return version("mme-scaling-constructs")
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

"""AWS CDK constructs for auto-scaled Amazon SageMaker multi-model endpoints.

``MultiModelEndpoint`` deploys a multi-model endpoint and scales it; ``EndpointScaling``
scales an endpoint made elsewhere; ``ScalingPreset`` chooses the policies.
"""

from mme_scaling_constructs.endpoint import MultiModelEndpoint
from mme_scaling_constructs.errors import ConfigurationError, Problem
from mme_scaling_constructs.instance_catalogue import (
    INSTANCE_TYPES,
    MME_GPU_INSTANCE_TYPES,
    InstanceSpec,
    MmeSupport,
)
from mme_scaling_constructs.policies import (
    CPU_UTILIZATION,
    GPU_UTILIZATION,
    InvocationsPerInstancePolicy,
    UtilizationMetric,
    UtilizationPolicy,
    invocations_target,
)
from mme_scaling_constructs.presets import Device, ScalingPreset
from mme_scaling_constructs.scaling import EndpointScaling

__all__ = [
    "CPU_UTILIZATION",
    "GPU_UTILIZATION",
    "INSTANCE_TYPES",
    "MME_GPU_INSTANCE_TYPES",
    "ConfigurationError",
    "Device",
    "EndpointScaling",
    "InstanceSpec",
    "InvocationsPerInstancePolicy",
    "MmeSupport",
    "MultiModelEndpoint",
    "Problem",
    "ScalingPreset",
    "UtilizationMetric",
    "UtilizationPolicy",
    "invocations_target",
]

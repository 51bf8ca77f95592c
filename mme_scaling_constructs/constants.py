"""AWS strings the constructs emit, kept in one place.

Each constant links the AWS page that documents it.
"""

from __future__ import annotations

from typing import Final

#: CloudWatch namespace of SageMaker endpoint instance metrics (CPU, GPU, memory, disk).
#: https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
ENDPOINT_INSTANCE_NAMESPACE: Final = "/aws/sagemaker/Endpoints"

#: CloudWatch namespace of SageMaker invocation metrics (Invocations, ModelLatency, ...).
INVOCATION_NAMESPACE: Final = "AWS/SageMaker"

#: Dimension names of every endpoint variant metric. Multi-model endpoints publish no
#: per-model metrics, so there is never a ``ModelName`` dimension.
ENDPOINT_NAME_DIMENSION: Final = "EndpointName"
VARIANT_NAME_DIMENSION: Final = "VariantName"
#: A dimension multi-model endpoints never publish.
MODEL_NAME_DIMENSION: Final = "ModelName"

#: Statistic of every metric unless a caller chooses another.
DEFAULT_STATISTIC: Final = "Average"

#: ``PolicyType`` of target-tracking and step scaling policies.
TARGET_TRACKING_POLICY_TYPE: Final = "TargetTrackingScaling"
STEP_SCALING_POLICY_TYPE: Final = "StepScaling"

#: CloudFormation resource types of the scaling the constructs synthesize.
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/AWS_ApplicationAutoScaling.html
SCALABLE_TARGET_RESOURCE_TYPE: Final = "AWS::ApplicationAutoScaling::ScalableTarget"
SCALING_POLICY_RESOURCE_TYPE: Final = "AWS::ApplicationAutoScaling::ScalingPolicy"
ALARM_RESOURCE_TYPE: Final = "AWS::CloudWatch::Alarm"
#: CloudFormation resource type of a SageMaker endpoint configuration.
ENDPOINT_CONFIG_RESOURCE_TYPE: Final = "AWS::SageMaker::EndpointConfig"

#: AWS CLI service names of Application Auto Scaling and CloudWatch.
APPLICATION_AUTOSCALING_CLI_SERVICE: Final = "application-autoscaling"
CLOUDWATCH_CLI_SERVICE: Final = "cloudwatch"

#: ``TargetValue`` bounds of Application Auto Scaling (``MetricScale`` in its API model).
MIN_TARGET_VALUE: Final = 2.0**-360
MAX_TARGET_VALUE: Final = 2.0**360
TARGET_VALUE_RULE: Final = "a number from 2^-360 to 2^360 (Application Auto Scaling's TargetValue range)"

#: Application Auto Scaling dimension of an endpoint production variant (namespace ``sagemaker``).
#: https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-add-policy.html
SCALABLE_DIMENSION: Final = "sagemaker:variant:DesiredInstanceCount"

#: Predefined target-tracking metric for invocations per instance. The AWS MME page's example
#: ``InvocationsPerInstance`` is not a valid value.
INVOCATIONS_PER_INSTANCE_METRIC: Final = "SageMakerVariantInvocationsPerInstance"

#: High-resolution (10 s) predefined metric; AWS does not document it for MMEs.
CONCURRENT_REQUESTS_PER_MODEL_METRIC: Final = "SageMakerVariantConcurrentRequestsPerModelHighResolution"

#: Every predefined metric type Application Auto Scaling has for SageMaker.
SAGEMAKER_PREDEFINED_METRICS: Final = (
    INVOCATIONS_PER_INSTANCE_METRIC,
    CONCURRENT_REQUESTS_PER_MODEL_METRIC,
    "SageMakerVariantProvisionedConcurrencyUtilization",
    "SageMakerInferenceComponentInvocationsPerCopy",
    "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution",
)

#: Service-linked role Application Auto Scaling uses for SageMaker endpoints.
#: https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-service-linked-roles.html
SCALING_SERVICE_PRINCIPAL: Final = "sagemaker.application-autoscaling.amazonaws.com"
SCALING_SERVICE_LINKED_ROLE_NAME: Final = "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"

#: Service principal SageMaker assumes an execution role with.
SAGEMAKER_SERVICE_PRINCIPAL: Final = "sagemaker.amazonaws.com"

#: Variant name SageMaker examples and tools use by default.
DEFAULT_VARIANT_NAME: Final = "AllTraffic"

#: Prefix of every warning annotation the constructs add, so users can acknowledge them.
WARNING_PREFIX: Final = "mme-scaling"
#: Environment variable naming stacks (comma-separated) whose scaling is left out of the
#: template: phase 1 of ``mme-scaling change-instance-type``.
DETACHED_STACKS_VARIABLE: Final = "MME_SCALING_DETACHED_STACKS"


def detached_stack_names(value: str | None) -> set[str]:
    """The stack names a value of :data:`DETACHED_STACKS_VARIABLE` lists.

    Comma-separated, spaces around a name ignored; ``None`` (unset) lists none.
    """
    return {name.strip() for name in (value or "").split(",")} - {""}

"""Scaling the export tests synthesize, shared by the command-line tests and the export oracle."""

from typing import Any

import aws_cdk as cdk

from mme_scaling_constructs import (
    CustomMetricPolicy,
    EndpointScaling,
    MetricMathPolicy,
    MetricSpec,
    ScalingPreset,
    ScalingStep,
    StepScalingSpec,
)

#: The properties that name a SageMaker variant's scalable dimension, in every template.
ENDPOINT_PROPERTIES = {
    "ServiceNamespace": "sagemaker",
    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
}


def scaling_policy(name: str, policy_type: str, configuration: dict[str, Any], **properties: Any) -> dict[str, Any]:
    """An ``AWS::ApplicationAutoScaling::ScalingPolicy`` resource named ``name`` of ``policy_type``.

    ``configuration`` is its ``StepScalingPolicyConfiguration`` or
    ``TargetTrackingScalingPolicyConfiguration``, as ``policy_type`` says; ``properties`` add to
    or replace the others (``ScalingTargetId`` is not set).
    """
    key = f"{'StepScaling' if policy_type == 'StepScaling' else 'TargetTrackingScaling'}PolicyConfiguration"
    return {
        "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
        "Properties": {"PolicyName": name, "PolicyType": policy_type, key: configuration, **properties},
    }


#: Step scaling on disk utilization: one instance in at or below 20 %, one out at or above 80 %.
STEP_SPEC = StepScalingSpec(
    metric=MetricSpec(metric_name="DiskUtilization"),
    steps=(ScalingStep(upper=20, change=-1), ScalingStep(lower=80, change=1)),
)


def metric_math_scaling(stack: cdk.Stack) -> None:
    """Scale endpoint ``ep`` on invocations per second (metric math, target 4) and model latency (target 9)."""
    invocations = MetricSpec(metric_name="Invocations", namespace="AWS/SageMaker", statistic="Sum")
    preset = ScalingPreset.custom(
        MetricMathPolicy(expression="m1 / 60", metrics={"m1": invocations}, target_value=4),
        CustomMetricPolicy(metric=MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker"), target_value=9),
    )
    EndpointScaling(stack, "Scaling", endpoint_name="ep", instance_type="ml.m5.xlarge", preset=preset)

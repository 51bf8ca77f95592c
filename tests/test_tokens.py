"""CloudFormation parameters and other tokens pass every check."""

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match

from mme_scaling_constructs import (
    GPU_UTILIZATION,
    ConfigurationError,
    CustomMetricPolicy,
    EndpointScaling,
    InvocationsPerInstancePolicy,
    MetricSpec,
    MultiModelEndpoint,
    ScalingPreset,
    ScheduledScaling,
    UtilizationPolicy,
)
from mme_scaling_constructs.presets import Device


def parameter(stack, name, type_="String"):
    return cdk.CfnParameter(stack, name, type=type_)


def test_token_inputs_pass_and_are_rendered(stack, synth):
    image = parameter(stack, "Image").value_as_string
    url = parameter(stack, "ModelDataUrl").value_as_string
    name = parameter(stack, "EndpointName").value_as_string
    variant = parameter(stack, "Variant").value_as_string
    instance_type = parameter(stack, "InstanceType").value_as_string
    low = parameter(stack, "Min", "Number").value_as_number
    high = parameter(stack, "Max", "Number").value_as_number
    MultiModelEndpoint(
        stack,
        "Mme",
        image_uri=image,
        model_data_url=url,
        instance_type=instance_type,
        endpoint_name=name,
        variant_name=variant,
        scaling=ScalingPreset.gpu(min_capacity=low, max_capacity=high),
        initial_instance_count=low,
    )
    template = synth(stack)
    template.has_resource_properties(
        "AWS::SageMaker::Model",
        {"PrimaryContainer": Match.object_like({"Image": {"Ref": "Image"}, "ModelDataUrl": {"Ref": "ModelDataUrl"}})},
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": {"Ref": "Min"}, "MaxCapacity": {"Ref": "Max"}}
    )
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": {"Ref": "EndpointName"}})
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("is a token"))
    assert len(warnings) == 2


def test_token_target_percent_passes_on_a_single_gpu(stack, synth):
    percent = parameter(stack, "Percent", "Number").value_as_number
    preset = ScalingPreset(
        device=Device.GPU,
        policies=(InvocationsPerInstancePolicy(), UtilizationPolicy(metric=GPU_UTILIZATION, target_percent=percent)),
    )
    EndpointScaling(stack, "Scaling", endpoint_name="my-endpoint", instance_type="ml.g5.xlarge", preset=preset)
    synth(stack).has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": {"Ref": "Percent"}})},
    )


def test_cpu_preset_needs_a_literal_instance_type(stack):
    instance_type = parameter(stack, "InstanceType").value_as_string
    with pytest.raises(ConfigurationError) as raised:
        EndpointScaling(stack, "Scaling", endpoint_name="e", instance_type=instance_type, preset=ScalingPreset.cpu())
    assert str(raised.value) == (
        "Invalid EndpointScaling configuration (1 problem):\n"
        f"  - instance_type: got {instance_type!r}; allowed: a literal catalogued instance type, because "
        "preset.policies[1] tracks CPUUtilization, whose target is multiplied by the vCPU count"
    )


def test_token_instance_type_needs_an_explicit_preset(stack):
    instance_type = parameter(stack, "InstanceType").value_as_string
    with pytest.raises(ConfigurationError) as raised:
        EndpointScaling(stack, "Scaling", endpoint_name="e", instance_type=instance_type)
    assert str(raised.value) == (
        "Invalid EndpointScaling configuration (1 problem):\n"
        "  - preset: got None; allowed: ScalingPreset.cpu() or ScalingPreset.gpu() when instance_type is a token"
    )
    with pytest.raises(ConfigurationError, match="instance_type: got '\\$\\{Token"):
        ScalingPreset.for_instance_type(instance_type)


def test_tokens_pass_policy_and_schedule_checks(stack, synth):
    target = parameter(stack, "Target", "Number").value_as_number
    name = parameter(stack, "PolicyName").value_as_string
    schedule = parameter(stack, "Schedule").value_as_string
    action_name = parameter(stack, "ActionName").value_as_string
    low = parameter(stack, "ScheduledMin", "Number").value_as_number
    preset = ScalingPreset.custom(
        InvocationsPerInstancePolicy(target_invocations_per_minute=target, policy_name=name),
        CustomMetricPolicy(
            metric=MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker"), target_value=target
        ),
        schedules=(ScheduledScaling(name=action_name, schedule=schedule, min_capacity=low),),
    )
    EndpointScaling(stack, "Scaling", endpoint_name="my-endpoint", instance_type="ml.c5.xlarge", preset=preset)
    template = synth(stack)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": {"Ref": "PolicyName"},
            "TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": {"Ref": "Target"}}),
        },
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ScheduledActions": [
                {
                    "ScheduledActionName": {"Ref": "ActionName"},
                    "Schedule": {"Ref": "Schedule"},
                    "ScalableTargetAction": {"MinCapacity": {"Ref": "ScheduledMin"}},
                }
            ]
        },
    )

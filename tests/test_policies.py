"""Every kind of target-tracking policy, synthesized and asserted property by property."""

import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Annotations, Match

from mme_scaling_constructs import (
    DISK_UTILIZATION,
    GPU_MEMORY_UTILIZATION,
    MEMORY_UTILIZATION,
    ConfigurationError,
    CustomMetricPolicy,
    Device,
    EndpointScaling,
    HighResolutionConcurrencyPolicy,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    MetricSpec,
    ScalingPreset,
    UtilizationPolicy,
)

VARIANT_DIMENSIONS = [
    {"Name": "EndpointName", "Value": "my-endpoint"},
    {"Name": "VariantName", "Value": "AllTraffic"},
]


def scale(stack, *policies, instance_type="ml.g5.xlarge", device=Device.GPU):
    return EndpointScaling(
        stack,
        "Scaling",
        endpoint_name="my-endpoint",
        instance_type=instance_type,
        preset=ScalingPreset.custom(*policies, device=device),
    )


def configurations(template):
    return {
        policy["Properties"]["PolicyName"]: policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for policy in template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }


def only_configuration(template):
    (configuration,) = configurations(template).values()
    return configuration


def test_custom_cloudwatch_metric(stack, synth):
    latency = cloudwatch.Metric(
        namespace="AWS/SageMaker",
        metric_name="ModelLatency",
        statistic="Average",
        unit=cloudwatch.Unit.MICROSECONDS,
        dimensions_map={"EndpointName": "my-endpoint", "VariantName": "AllTraffic"},
    )
    scale(stack, CustomMetricPolicy(metric=latency, target_value=250_000, disable_scale_in=True))
    configuration = only_configuration(synth(stack))
    assert configuration == {
        "TargetValue": 250_000,
        "DisableScaleIn": True,
        "ScaleInCooldown": 600,
        "ScaleOutCooldown": 300,
        "CustomizedMetricSpecification": {
            "MetricName": "ModelLatency",
            "Namespace": "AWS/SageMaker",
            "Dimensions": VARIANT_DIMENSIONS,
            "Statistic": "Average",
            "Unit": "Microseconds",
        },
    }


def test_metric_spec_without_dimensions_gets_the_variant_ones(stack, synth):
    metric = MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker", statistic="Maximum")
    scale(stack, CustomMetricPolicy(metric=metric, target_value=100))
    specification = only_configuration(synth(stack))["CustomizedMetricSpecification"]
    assert specification["Dimensions"] == VARIANT_DIMENSIONS
    assert specification["Statistic"] == "Maximum"
    assert "Unit" not in specification


def test_percentile_statistics_are_rejected():
    with pytest.raises(ConfigurationError) as raised:
        CustomMetricPolicy(
            metric=cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="ModelLatency", statistic="p99"),
            target_value=1,
        )
    assert str(raised.value) == (
        "Invalid MetricSpec configuration (1 problem):\n"
        "  - statistic: got 'p99'; allowed: one of Average, Minimum, Maximum, SampleCount, Sum "
        "(target tracking accepts no percentiles)"
    )


def test_metric_math(stack, synth):
    cpu = MetricSpec(metric_name="CPUUtilization")
    gpu = MetricSpec(metric_name="GPUUtilization", statistic="Maximum")
    scale(
        stack,
        MetricMathPolicy(
            expression="MAX([cpu / 4, gpu])", metrics={"cpu": cpu, "gpu": gpu}, target_value=60, label="Busiest device"
        ),
    )
    configuration = only_configuration(synth(stack))
    assert configuration["TargetValue"] == 60
    assert configuration["CustomizedMetricSpecification"] == {
        "Metrics": [
            {
                "Id": "cpu",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {
                        "MetricName": "CPUUtilization",
                        "Namespace": "/aws/sagemaker/Endpoints",
                        "Dimensions": VARIANT_DIMENSIONS,
                    },
                    "Stat": "Average",
                },
            },
            {
                "Id": "gpu",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {
                        "MetricName": "GPUUtilization",
                        "Namespace": "/aws/sagemaker/Endpoints",
                        "Dimensions": VARIANT_DIMENSIONS,
                    },
                    "Stat": "Maximum",
                },
            },
            {"Id": "result", "Expression": "MAX([cpu / 4, gpu])", "Label": "Busiest device", "ReturnData": True},
        ]
    }


def test_metric_math_rejects_bad_ids_and_empty_expressions():
    with pytest.raises(ConfigurationError) as raised:
        MetricMathPolicy(expression="", metrics={"M1": MetricSpec(metric_name="Invocations")}, target_value=1)
    assert [problem.parameter for problem in raised.value.problems] == ["expression", "metrics['M1']"]


def test_high_resolution_concurrency_is_opt_in_with_a_warning(stack, synth):
    scale(stack, HighResolutionConcurrencyPolicy(target_concurrent_requests=5))
    configuration = only_configuration(synth(stack))
    assert configuration["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"
    }
    assert configuration["TargetValue"] == 5
    warnings = Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp("is not documented by AWS for multi-model endpoints")
    )
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("metric", "instance_type", "percent", "target"),
    [
        (GPU_MEMORY_UTILIZATION, "ml.g5.xlarge", 70, 70),
        (DISK_UTILIZATION, "ml.c5.4xlarge", 80, 80),
        (MEMORY_UTILIZATION, "ml.c5.4xlarge", 80, 80),
    ],
)
def test_other_utilization_metrics(stack, synth, metric, instance_type, percent, target):
    scale(
        stack, UtilizationPolicy(metric=metric, target_percent=percent), instance_type=instance_type, device=Device.CPU
    )
    configuration = only_configuration(synth(stack))
    assert configuration["TargetValue"] == target
    assert configuration["CustomizedMetricSpecification"]["MetricName"] == metric.metric_name
    assert configuration["CustomizedMetricSpecification"]["Namespace"] == "/aws/sagemaker/Endpoints"


@pytest.mark.parametrize("metric", [MEMORY_UTILIZATION, GPU_MEMORY_UTILIZATION])
def test_metrics_that_do_not_fall_with_capacity_warn(stack, warnings_of, metric):
    scale(stack, UtilizationPolicy(metric=metric, target_percent=70))
    assert len(warnings_of(stack, f"{metric.metric_name} does not fall as instances are added")) == 1


def test_loaded_model_count_warns(stack, warnings_of):
    loaded = MetricSpec(metric_name="LoadedModelCount", namespace="AWS/SageMaker")
    scale(stack, CustomMetricPolicy(metric=loaded, target_value=10))
    assert len(warnings_of(stack, "LoadedModelCount does not fall as instances are added")) == 1


def test_disk_utilization_does_not_warn(stack, warnings_of):
    scale(stack, UtilizationPolicy(metric=DISK_UTILIZATION, target_percent=70))
    assert warnings_of(stack) == []


def test_per_policy_cooldowns_and_names(stack, synth):
    scale(
        stack,
        InvocationsPerInstancePolicy(
            target_invocations_per_minute=100,
            scale_in_cooldown=Duration.minutes(30),
            scale_out_cooldown=Duration.seconds(30),
            policy_name="fraud-invocations",
        ),
    )
    configuration = configurations(synth(stack))["fraud-invocations"]
    assert (configuration["ScaleInCooldown"], configuration["ScaleOutCooldown"]) == (1800, 30)


def test_load_test_target():
    policy = InvocationsPerInstancePolicy.from_load_test(max_requests_per_second=20, safety_factor=0.25, name="Load")
    assert policy.target_invocations_per_minute == 300
    assert policy.construct_id == "Load"


def test_preset_with_policy_replaces_the_same_metric():
    preset = ScalingPreset.cpu().with_policy(InvocationsPerInstancePolicy(target_invocations_per_minute=200))
    assert [p.construct_id for p in preset.policies] == ["CPUUtilization", "InvocationsPerInstance"]
    assert preset.policies[1] == InvocationsPerInstancePolicy(target_invocations_per_minute=200)


def test_preset_with_policy_adds_a_new_metric_and_without_policy_removes():
    preset = ScalingPreset.gpu().with_policy(UtilizationPolicy(metric=DISK_UTILIZATION, target_percent=80))
    assert [p.construct_id for p in preset.policies] == ["InvocationsPerInstance", "GPUUtilization", "DiskUtilization"]
    assert [p.construct_id for p in preset.without_policy("GPUUtilization").policies] == [
        "InvocationsPerInstance",
        "DiskUtilization",
    ]


def test_without_an_unknown_policy_fails():
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.cpu().without_policy("Nope")
    assert str(raised.value) == (
        "Invalid ScalingPreset.without_policy configuration (1 problem):\n"
        "  - construct_id: got 'Nope'; allowed: one of InvocationsPerInstance, CPUUtilization"
    )


def test_two_policies_on_one_metric_are_rejected():
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.custom(
            InvocationsPerInstancePolicy(),
            InvocationsPerInstancePolicy(target_invocations_per_minute=10, name="Other"),
        )
    assert str(raised.value) == (
        "Invalid ScalingPreset configuration (1 problem):\n"
        "  - policies[1]: got 'Other'; allowed: policies on different metrics: "
        "target tracking allows one policy per metric"
    )


def test_at_most_fifty_policies():
    policies = [CustomMetricPolicy(metric=MetricSpec(metric_name=f"Metric{i}"), target_value=1) for i in range(51)]
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.custom(*policies)
    assert str(raised.value) == (
        "Invalid ScalingPreset configuration (1 problem):\n"
        "  - policies: got '51 policies'; allowed: at most 50 policies per scalable target "
        "(an Application Auto Scaling quota)"
    )


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"name": "bad-name"}, "name: got 'bad-name'; allowed: 1 to 64 letters and digits, starting with a letter"),
        ({"policy_name": ""}, "policy_name: got ''; allowed: 1 to 256 printable characters"),
        ({"policy_name": "x" * 257}, f"policy_name: got '{'x' * 257}'; allowed: 1 to 256 printable characters"),
    ],
)
def test_policy_names_are_checked(options, problem):
    with pytest.raises(ConfigurationError) as raised:
        InvocationsPerInstancePolicy(**options)
    assert str(raised.value) == f"Invalid InvocationsPerInstancePolicy configuration (1 problem):\n  - {problem}"


def test_disabling_scale_in_everywhere_warns(stack, warnings_of):
    scale(
        stack,
        InvocationsPerInstancePolicy(disable_scale_in=True),
        UtilizationPolicy(metric=DISK_UTILIZATION, target_percent=70, disable_scale_in=True),
    )
    assert len(warnings_of(stack, "Every policy disables scale-in")) == 1


def test_one_policy_that_scales_in_is_enough(stack, warnings_of):
    scale(
        stack,
        InvocationsPerInstancePolicy(disable_scale_in=True),
        UtilizationPolicy(metric=DISK_UTILIZATION, target_percent=70),
    )
    assert warnings_of(stack) == []

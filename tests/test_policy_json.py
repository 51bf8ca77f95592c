"""The AWS MME page's JSON examples, loaded as written, and the CLI format round trip."""

import json
from pathlib import Path

import aws_cdk as cdk
import pytest

from mme_scaling_constructs import (
    ConfigurationError,
    CustomMetricPolicy,
    Device,
    EndpointScaling,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    ScalingPreset,
    ScalingWarning,
    load_policy,
)
from mme_scaling_constructs.export import scaling_in_template

DATA = Path(__file__).parent / "data"

# The page's examples, exactly as published.
AWS_PAGE_INVALID = (
    '{"TargetValue": 70.0, "PredefinedMetricSpecification": { "PredefinedMetricType": "InvocationsPerInstance" } }'
)
AWS_PAGE_GPU = (
    '{"TargetValue": 50, "CustomizedMetricSpecification": {"MetricName": "GPUUtilization", '
    '"Namespace": "/aws/sagemaker/Endpoints", "Dimensions": [ {"Name": "EndpointName", "Value": "my-endpoint" }, '
    '{"Name": "ModelName","Value": "my-model"} ], "Statistic": "Average", "Unit": "Percent" } }'
)
AWS_PAGE_COOLDOWNS = (
    '{"TargetValue": 70.0, "PredefinedMetricSpecification": {"PredefinedMetricType": '
    '"SageMakerVariantInvocationsPerInstance" }, "ScaleInCooldown": 600, "ScaleOutCooldown": 300 }'
)


def test_invalid_predefined_metric_suggests_the_valid_one():
    with pytest.raises(ConfigurationError) as raised:
        load_policy(AWS_PAGE_INVALID)
    assert str(raised.value) == (
        "Invalid scaling policy JSON configuration (1 problem):\n"
        "  - PredefinedMetricSpecification.PredefinedMetricType: got 'InvocationsPerInstance'; allowed: "
        "SageMakerVariantInvocationsPerInstance or SageMakerVariantConcurrentRequestsPerModelHighResolution "
        "(the predefined metrics of a multi-model endpoint variant); "
        "did you mean 'SageMakerVariantInvocationsPerInstance'?"
    )


def test_cooldown_example_loads():
    policy = load_policy(AWS_PAGE_COOLDOWNS)
    assert isinstance(policy, InvocationsPerInstancePolicy)
    assert policy.target_invocations_per_minute == 70
    assert (policy.scale_in_cooldown.to_seconds(), policy.scale_out_cooldown.to_seconds()) == (600, 300)


@pytest.mark.parametrize("source", [AWS_PAGE_GPU, DATA / "aws_page_cpu.json"])
def test_model_name_dimension_loads_with_a_warning(source):
    with pytest.warns(ScalingWarning, match="multi-model endpoints publish no per-model metrics"):
        policy = load_policy(source)
    assert isinstance(policy, CustomMetricPolicy)
    assert policy.target_value == 50
    assert policy.metric.dimensions == {"EndpointName": "my-endpoint", "ModelName": "my-model"}


def test_variant_dimensions_are_replaced_by_the_scaled_variant(stack, synth):
    policy = load_policy(
        {
            "TargetValue": 200,
            "CustomizedMetricSpecification": {
                "MetricName": "CPUUtilization",
                "Namespace": "/aws/sagemaker/Endpoints",
                "Dimensions": [{"Name": "EndpointName", "Value": "other"}, {"Name": "VariantName", "Value": "x"}],
                "Statistic": "Average",
                "Unit": "Percent",
            },
            "DisableScaleIn": True,
        }
    )
    EndpointScaling(
        stack, "Scaling", endpoint_name="mine", instance_type="ml.c5.xlarge", preset=ScalingPreset.custom(policy)
    )
    (target,) = scaling_in_template(synth(stack).to_json())
    (exported,) = target.policies
    assert exported.configuration["CustomizedMetricSpecification"]["Dimensions"] == [
        {"Name": "EndpointName", "Value": "mine"},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    assert exported.configuration["DisableScaleIn"] is True
    assert exported.configuration["TargetValue"] == 200


def test_round_trip_through_the_exported_json(synth):
    def exported_configurations(preset):
        stack = cdk.Stack(cdk.App(), "RoundTrip")
        EndpointScaling(stack, "Scaling", endpoint_name="mine", instance_type="ml.g5.xlarge", preset=preset)
        (target,) = scaling_in_template(synth(stack).to_json())
        return [policy.configuration for policy in target.policies]

    original = exported_configurations(ScalingPreset.gpu())
    loaded = ScalingPreset.custom(*(load_policy(json.dumps(c)) for c in original), device=Device.GPU)
    assert exported_configurations(loaded) == original


def test_metric_math_loads():
    policy = load_policy(
        {
            "TargetValue": 5,
            "CustomizedMetricSpecification": {
                "Metrics": [
                    {
                        "Id": "m1",
                        "MetricStat": {
                            "Metric": {"MetricName": "Invocations", "Namespace": "AWS/SageMaker"},
                            "Stat": "Sum",
                        },
                        "ReturnData": False,
                    },
                    {"Id": "e1", "Expression": "m1 / 60", "ReturnData": True},
                ]
            },
        }
    )
    assert isinstance(policy, MetricMathPolicy)
    assert policy.expression == "m1 / 60"
    assert policy.metrics["m1"].statistic == "Sum"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            "{",
            "JSON: got 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'; "
            "allowed: valid JSON",
        ),
        ("[]", "JSON: got []; allowed: a JSON object"),
        (
            '{"PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}',
            "TargetValue: got None; allowed: a number (required)",
        ),
        (
            '{"TargetValue": 1, "Bogus": 1, "PredefinedMetricSpecification": '
            '{"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}',
            "Bogus: got 1; allowed: one of the fields TargetValue, PredefinedMetricSpecification, "
            "CustomizedMetricSpecification, ScaleInCooldown, ScaleOutCooldown, DisableScaleIn",
        ),
        (
            '{"TargetValue": 1}',
            "PredefinedMetricSpecification: got None; allowed: exactly one of PredefinedMetricSpecification and "
            "CustomizedMetricSpecification",
        ),
        (
            '{"TargetValue": 1, "ScaleInCooldown": -5, "PredefinedMetricSpecification": '
            '{"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}',
            "ScaleInCooldown: got -5; allowed: a whole number of seconds >= 0",
        ),
    ],
)
def test_malformed_documents(document, problem):
    with pytest.raises(ConfigurationError) as raised:
        load_policy(document)
    assert str(raised.value) == f"Invalid scaling policy JSON configuration (1 problem):\n  - {problem}"


def test_high_resolution_metric_loads():
    policy = load_policy(
        '{"TargetValue": 5.0, "PredefinedMetricSpecification": '
        '{"PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"}}'
    )
    assert policy.metric_key == ("predefined", "SageMakerVariantConcurrentRequestsPerModelHighResolution")
    assert policy.emitted_target(None) == 5.0


def test_predefined_metrics_of_other_endpoint_kinds_are_rejected():
    with pytest.raises(ConfigurationError) as raised:
        load_policy(
            '{"TargetValue": 0.7, "PredefinedMetricSpecification": '
            '{"PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"}}'
        )
    (problem,) = raised.value.problems
    assert problem.parameter == "PredefinedMetricSpecification.PredefinedMetricType"
    assert problem.value == "SageMakerVariantProvisionedConcurrencyUtilization"
    assert problem.allowed == (
        "SageMakerVariantInvocationsPerInstance or SageMakerVariantConcurrentRequestsPerModelHighResolution "
        "(the predefined metrics of a multi-model endpoint variant); "
        "SageMakerVariantProvisionedConcurrencyUtilization is for serverless or inference-component endpoints"
    )


@pytest.mark.parametrize(
    ("metric_type", "suggestion"),
    [
        ("SageMakerVariantInvocationPerInstance", "SageMakerVariantInvocationsPerInstance"),
        ("ConcurrentRequestsPerModel", "SageMakerVariantConcurrentRequestsPerModelHighResolution"),
        ("ALBRequestCountPerTarget", None),
    ],
)
def test_suggestions(metric_type, suggestion):
    with pytest.raises(ConfigurationError) as raised:
        load_policy({"TargetValue": 1, "PredefinedMetricSpecification": {"PredefinedMetricType": metric_type}})
    (problem,) = raised.value.problems
    if suggestion is None:
        assert "did you mean" not in problem.allowed
    else:
        assert problem.allowed.endswith(f"did you mean {suggestion!r}?")


@pytest.mark.parametrize(
    ("customized", "problems"),
    [
        (
            {"MetricName": "CPUUtilization", "Namspace": "/aws/sagemaker/Endpoints"},
            [
                "CustomizedMetricSpecification.Namspace: got '/aws/sagemaker/Endpoints'; allowed: one of the fields "
                "MetricName, Namespace, Dimensions, Statistic, Unit",
                "CustomizedMetricSpecification.Namespace: got None; allowed: a non-empty string (required)",
            ],
        ),
        (
            {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "Statistic": "p90"},
            [
                "CustomizedMetricSpecification.Statistic: got 'p90'; allowed: one of Average, Minimum, Maximum, "
                "SampleCount, Sum (target tracking accepts no percentiles)"
            ],
        ),
        (
            {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "Dimensions": ["EndpointName"]},
            [
                "CustomizedMetricSpecification.Dimensions: got ['EndpointName']; allowed: "
                'a list of {"Name": ..., "Value": ...} strings'
            ],
        ),
        (
            {"Metrics": [{"Expression": "m1"}]},
            [
                "CustomizedMetricSpecification.Metrics: got [{'Expression': 'm1'}]; allowed: a list of metric data "
                'queries, each with an "Id"'
            ],
        ),
        (
            {"Metrics": [{"Id": "m1", "MetricStat": {"Metric": {"MetricName": "Invocations"}}, "ReturnData": False}]},
            [
                "CustomizedMetricSpecification.Metrics: got '0 returned expressions'; allowed: exactly one query with "
                "an Expression and ReturnData true",
                "CustomizedMetricSpecification.Metrics[m1].MetricStat.Metric.Namespace: got None; allowed: a non-empty "
                "string (required)",
            ],
        ),
    ],
)
def test_malformed_customized_metrics(customized, problems):
    with pytest.raises(ConfigurationError) as raised:
        load_policy({"TargetValue": 1, "CustomizedMetricSpecification": customized})
    assert [str(problem) for problem in raised.value.problems] == problems

"""ScalingAlarms: which alarms, on which metrics, with which thresholds.

Metric facts: https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
(Invocation5XXErrors sends 1 per 5xx response and 0 otherwise, so its Average is the error
share; ModelLatency and ModelLoadingWaitTime are in microseconds; the Average of ModelCacheHit
is the hit ratio) and
https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoint-cloudwatch-metrics.html
(SampleCount of ModelUnloadingTime counts unloads). Alarms leave Unit out, as botocore's
``cloudwatch`` ``PutMetricAlarm.Unit`` documentation recommends.
"""

from __future__ import annotations

import types

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import ConfigurationError, EndpointScaling, ScalingPreset
from mme_scaling_constructs.observability.alarms import (
    INCLUDE_RULE,
    LATENCY_RULE,
    MINUTES_RULE,
    AlarmKind,
    ScalingAlarms,
)
from tests.conftest import cpu_endpoint, lint_errors

DIMENSIONS = [{"Name": "EndpointName", "Value": "my-endpoint"}, {"Name": "VariantName", "Value": "AllTraffic"}]
CEILING_RULE = (
    "a literal whole number from 1 to 2147483647: the variant's max_capacity, which the "
    "PINNED_AT_MAX_CAPACITY alarm compares with (or leave that alarm out of include)"
)


def scaling(stack, **kwargs):
    return EndpointScaling(stack, "Scaling", endpoint_name="my-endpoint", instance_type="ml.c5.xlarge", **kwargs)


def variant(**attributes):
    return types.SimpleNamespace(**{"endpoint_name": "my-endpoint", "variant_name": "AllTraffic", **attributes})


def alarm_properties(template):
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template.find_resources("AWS::CloudWatch::Alarm").items()
    }


def test_every_alarm_by_default(stack, synth):
    alarms = ScalingAlarms(stack, "Alarms", variant=scaling(stack))
    template = synth(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 6)
    assert list(alarms.alarms_by_kind) == list(AlarmKind)
    assert alarms.alarms == list(alarms.alarms_by_kind.values())
    common = {
        "Namespace": "AWS/SageMaker",
        "Dimensions": DIMENSIONS,
        "Period": 60,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 3,
        "TreatMissingData": "notBreaching",
        "Unit": Match.absent(),
    }
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            **common,
            "MetricName": "Invocation5XXErrors",
            "Statistic": "Average",
            "Threshold": 0.01,
            "ComparisonOperator": "GreaterThanThreshold",
            "AlarmDescription": "More than 1 % of requests got a 5xx error for 3 minute(s).",
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            **common,
            "MetricName": "ModelLatency",
            "ExtendedStatistic": "p99",
            "Threshold": 1_000_000,  # 1000 ms in microseconds
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            **common,
            "MetricName": "ModelLoadingWaitTime",
            "Statistic": "Average",
            "Threshold": 1_000_000,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            **common,
            "MetricName": "ModelCacheHit",
            "Statistic": "Average",
            "Threshold": 0.8,
            "ComparisonOperator": "LessThanThreshold",
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            **common,
            "MetricName": "ModelUnloadingTime",
            "Statistic": "SampleCount",
            "Threshold": 10,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )


def test_pinned_at_max_compares_the_instance_count_with_max_capacity(stack, synth):
    ScalingAlarms(
        stack,
        "Alarms",
        variant=scaling(stack, preset=ScalingPreset.cpu(max_capacity=6)),
        include=[AlarmKind.PINNED_AT_MAX_CAPACITY],
    )
    template = synth(stack)
    template.resource_count_is("AWS::CloudWatch::Alarm", 1)

    def stat(metric_name):
        return {
            "Id": Match.any_value(),
            "MetricStat": {
                "Metric": {"Namespace": "AWS/SageMaker", "MetricName": metric_name, "Dimensions": DIMENSIONS},
                "Period": 60,
                "Stat": "Sum",
            },
            "ReturnData": False,
        }

    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Metrics": [
                {
                    "Expression": "invocations / invocationsPerInstance",
                    "Id": Match.any_value(),
                    "Label": "Instances",
                    "ReturnData": True,
                },
                {**stat("Invocations"), "Id": "invocations"},
                {**stat("InvocationsPerInstance"), "Id": "invocationsPerInstance"},
            ],
            "Threshold": 5.5,
            "ComparisonOperator": "GreaterThanThreshold",
            "EvaluationPeriods": 15,
            "DatapointsToAlarm": 15,
            "TreatMissingData": "notBreaching",
        },
    )


def test_alarms_can_be_chosen_one_by_one(stack, synth):
    alarms = ScalingAlarms(
        stack, "Alarms", variant=variant(), include={AlarmKind.MODEL_UNLOADS, AlarmKind.CACHE_HIT_RATIO}
    )
    template = synth(stack)
    assert sorted(p["MetricName"] for p in alarm_properties(template).values()) == [
        "ModelCacheHit",
        "ModelUnloadingTime",
    ]
    assert list(alarms.alarms_by_kind) == [AlarmKind.CACHE_HIT_RATIO, AlarmKind.MODEL_UNLOADS]
    assert alarms.rollback_alarms == []


def test_construct_ids_are_the_kind_values(stack):
    alarms = ScalingAlarms(stack, "Alarms", variant=scaling(stack))
    assert [alarm.node.id for alarm in alarms.alarms] == [kind.value for kind in AlarmKind]


def test_thresholds_are_converted_to_the_metric_units(stack, synth):
    ScalingAlarms(
        stack,
        "Alarms",
        variant=variant(),
        max_capacity=10,
        max_5xx_error_percent=0.5,
        max_model_latency_ms=250,
        model_latency_percentile=99.9,
        max_model_loading_wait_ms=2500,
        min_cache_hit_percent=95,
        max_model_unloads_per_minute=0,
        pinned_at_max_minutes=30,
        evaluation_minutes=5,
    )
    properties = {p.get("MetricName", "InstanceCount"): p for p in alarm_properties(synth(stack)).values()}
    assert properties["Invocation5XXErrors"]["Threshold"] == 0.005
    assert properties["ModelLatency"]["Threshold"] == 250_000
    assert properties["ModelLatency"]["ExtendedStatistic"] == "p99.9"
    assert properties["ModelLoadingWaitTime"]["Threshold"] == 2_500_000
    assert properties["ModelCacheHit"]["Threshold"] == 0.95
    assert properties["ModelUnloadingTime"]["Threshold"] == 0
    assert properties["InstanceCount"]["Threshold"] == 9.5
    assert properties["InstanceCount"]["EvaluationPeriods"] == 30
    assert {p["EvaluationPeriods"] for name, p in properties.items() if name != "InstanceCount"} == {5}


def test_topic_is_the_action_of_every_alarm(stack, synth):
    topic = sns.Topic(stack, "Topic")
    ScalingAlarms(stack, "Alarms", variant=scaling(stack), topic=topic)
    template = synth(stack)
    (topic_id,) = template.find_resources("AWS::SNS::Topic")
    for properties in alarm_properties(template).values():
        assert properties["AlarmActions"] == [{"Ref": topic_id}]


def test_no_action_without_a_topic(stack, synth):
    ScalingAlarms(stack, "Alarms", variant=scaling(stack))
    for properties in alarm_properties(synth(stack)).values():
        assert "AlarmActions" not in properties


def test_max_capacity_of_a_multi_model_endpoint(stack, synth):
    endpoint = cpu_endpoint(stack, scaling=ScalingPreset.cpu(max_capacity=8))
    ScalingAlarms(stack, "Alarms", variant=endpoint, include=[AlarmKind.PINNED_AT_MAX_CAPACITY])
    template = synth(stack)
    (properties,) = alarm_properties(template).values()
    assert properties["Threshold"] == 7.5
    (endpoint_id,) = template.find_resources("AWS::SageMaker::Endpoint")
    dimensions = properties["Metrics"][1]["MetricStat"]["Metric"]["Dimensions"]
    assert dimensions[0] == {"Name": "EndpointName", "Value": {"Fn::GetAtt": [endpoint_id, "EndpointName"]}}


def test_explicit_max_capacity_wins_over_the_preset(stack, synth):
    ScalingAlarms(stack, "Alarms", variant=scaling(stack), max_capacity=3, include=[AlarmKind.PINNED_AT_MAX_CAPACITY])
    (properties,) = alarm_properties(synth(stack)).values()
    assert properties["Threshold"] == 2.5


def test_rollback_alarms_and_configuration(stack, synth):
    # A deployment's auto-rollback alarms must name the endpoint literally: alarms on the
    # endpoint's EndpointName attribute, listed in its DeploymentConfig, would form a cycle.
    endpoint = cpu_endpoint(stack, endpoint_name="my-endpoint")
    alarms = ScalingAlarms(stack, "Alarms", variant=endpoint, endpoint_name="my-endpoint")
    assert [alarm.node.id for alarm in alarms.rollback_alarms] == ["Errors5xx", "ModelLatency", "ModelLoadingWait"]
    endpoint.endpoint.deployment_config = sagemaker.CfnEndpoint.DeploymentConfigProperty(
        auto_rollback_configuration=alarms.auto_rollback_configuration()
    )
    template = synth(stack)
    ids = {alarm.node.id: stack.get_logical_id(alarm.node.default_child) for alarm in alarms.rollback_alarms}
    template.has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "DeploymentConfig": {
                "AutoRollbackConfiguration": {
                    "Alarms": [{"AlarmName": {"Ref": ids[name]}} for name in ids],
                }
            }
        },
    )


def test_endpoint_name_overrides_the_variant_s(stack, synth):
    ScalingAlarms(stack, "Alarms", variant=variant(), endpoint_name="other", include=[AlarmKind.ERRORS_5XX])
    (properties,) = alarm_properties(synth(stack)).values()
    assert properties["Dimensions"] == [
        {"Name": "EndpointName", "Value": "other"},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(stack, "Bad", variant=variant(), endpoint_name="-bad", include=[AlarmKind.ERRORS_5XX])
    assert [p.parameter for p in caught.value.problems] == ["endpoint_name"]


def test_rollback_on_the_endpoint_attribute_is_a_cycle(stack):
    endpoint = cpu_endpoint(stack)
    alarms = ScalingAlarms(stack, "Alarms", variant=endpoint, include=[AlarmKind.ERRORS_5XX])
    endpoint.endpoint.deployment_config = sagemaker.CfnEndpoint.DeploymentConfigProperty(
        auto_rollback_configuration=alarms.auto_rollback_configuration()
    )
    with pytest.raises(RuntimeError, match=r"cyclic|Circular|cycle"):
        cdk.assertions.Template.from_stack(stack)


def test_rollback_configuration_needs_a_rollback_alarm(stack):
    alarms = ScalingAlarms(stack, "Alarms", variant=variant(), include=[AlarmKind.MODEL_UNLOADS])
    with pytest.raises(ConfigurationError) as caught:
        alarms.auto_rollback_configuration()
    assert str(caught.value) == (
        "Invalid ScalingAlarms.auto_rollback_configuration configuration (1 problem):\n"
        "  - include: got ['MODEL_UNLOADS']; allowed: at least one of ERRORS_5XX, MODEL_LATENCY, MODEL_LOADING_WAIT"
    )


def test_pinned_at_max_needs_a_max_capacity(stack):
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(stack, "Alarms", variant=variant())
    assert str(caught.value) == (
        f"Invalid ScalingAlarms configuration (1 problem):\n  - max_capacity: got None; allowed: {CEILING_RULE}"
    )
    ScalingAlarms(stack, "Other", variant=variant(), include=[AlarmKind.ERRORS_5XX])


def test_token_max_capacity_is_refused_for_pinned_at_max(stack):
    ceiling = cdk.CfnParameter(stack, "Max", type="Number").value_as_number
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(stack, "Alarms", variant=variant(), max_capacity=ceiling)
    assert caught.value.problems[0].parameter == "max_capacity"
    assert caught.value.problems[0].allowed == CEILING_RULE


def test_token_endpoint_name_is_accepted(stack, synth):
    name = cdk.CfnParameter(stack, "Name").value_as_string
    ScalingAlarms(stack, "Alarms", variant=variant(endpoint_name=name), include=[AlarmKind.ERRORS_5XX])
    (properties,) = alarm_properties(synth(stack)).values()
    assert properties["Dimensions"][0] == {"Name": "EndpointName", "Value": {"Ref": "Name"}}


def test_every_bad_argument_is_reported(stack):
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(
            "scope",
            "Alarms",
            variant=variant(variant_name="bad name"),
            include=["ERRORS_5XX"],
            max_capacity=0,
            topic="arn:aws:sns:us-east-1:123456789012:t",
            max_5xx_error_percent=100,
            max_model_latency_ms=float("nan"),
            model_latency_percentile=0,
            max_model_loading_wait_ms=0,
            min_cache_hit_percent=True,
            max_model_unloads_per_minute=-1,
            pinned_at_max_minutes=1441,
            evaluation_minutes=2.0,
        )
    assert str(caught.value) == (
        "Invalid ScalingAlarms configuration (13 problems):\n"
        "  - scope: got 'scope'; allowed: a construct (e.g. a Stack)\n"
        "  - variant.variant_name: got 'bad name'; allowed: 1 to 63 letters, digits and hyphens, starting and "
        "ending with a letter or digit\n"
        f"  - include: got 'ERRORS_5XX'; allowed: {INCLUDE_RULE}\n"
        f"  - max_capacity: got 0; allowed: {CEILING_RULE}\n"
        "  - topic: got 'arn:aws:sns:us-east-1:123456789012:t'; allowed: an aws_sns.ITopic or None\n"
        "  - max_5xx_error_percent: got 100; allowed: a literal percentage from 0 to below 100\n"
        f"  - max_model_latency_ms: got nan; allowed: {LATENCY_RULE}\n"
        "  - model_latency_percentile: got 0; allowed: a literal percentile greater than 0 and at most 100, "
        "with at most 10 decimals\n"
        f"  - max_model_loading_wait_ms: got 0; allowed: {LATENCY_RULE}\n"
        "  - min_cache_hit_percent: got True; allowed: a literal percentage greater than 0 and at most 100\n"
        "  - max_model_unloads_per_minute: got -1; allowed: a literal whole number of unloads from 0 to 2147483647\n"
        f"  - pinned_at_max_minutes: got 1441; allowed: {MINUTES_RULE}\n"
        f"  - evaluation_minutes: got 2.0; allowed: {MINUTES_RULE}"
    )


@pytest.mark.parametrize(
    "parameter",
    THRESHOLDS := (
        "max_5xx_error_percent",
        "max_model_latency_ms",
        "model_latency_percentile",
        "max_model_loading_wait_ms",
        "min_cache_hit_percent",
        "max_model_unloads_per_minute",
        "pinned_at_max_minutes",
        "evaluation_minutes",
        "max_capacity",
    ),
)
def test_token_thresholds_are_refused(stack, parameter):
    # Thresholds are converted and written into descriptions at synthesis: a token would be corrupted.
    token = cdk.CfnParameter(stack, "Value", type="Number").value_as_number
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(stack, "Alarms", variant=variant(), **{"max_capacity": 4, parameter: token})
    assert [p.parameter for p in caught.value.problems] == [parameter]
    assert caught.value.problems[0].allowed.startswith("a literal ")


@pytest.mark.parametrize(
    "bad_variant",
    [None, object(), "my-endpoint", types.SimpleNamespace(endpoint_name="my-endpoint")],
)
def test_variant_without_names_is_reported(stack, bad_variant):
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(stack, "Alarms", variant=bad_variant, max_capacity=4)
    assert [p.parameter for p in caught.value.problems] == ["variant"]


def test_variant_whose_attribute_raises_is_reported(stack):
    class Broken:
        endpoint_name = "my-endpoint"

        @property
        def variant_name(self):
            raise KeyError("boom")

    with pytest.raises(ConfigurationError, match="variant: got"):
        ScalingAlarms(stack, "Alarms", variant=Broken(), max_capacity=4)


def test_none_names_are_reported(stack):
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(stack, "Alarms", variant=variant(endpoint_name=None), max_capacity=4)
    assert [p.parameter for p in caught.value.problems] == ["variant.endpoint_name"]


@pytest.mark.parametrize("include", [[], (), "ERRORS_5XX", {AlarmKind.ERRORS_5XX: 1}, [AlarmKind.ERRORS_5XX, 3]])
def test_include_must_list_alarm_kinds(stack, include):
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(stack, "Alarms", variant=variant(), include=include)
    assert caught.value.problems[0].parameter == "include"
    assert caught.value.problems[0].allowed == INCLUDE_RULE


@pytest.mark.parametrize("percentile", [50, 90, 99.99, 100, 0.5])
def test_latency_percentile_becomes_the_extended_statistic(stack, synth, percentile):
    ScalingAlarms(
        stack, "Alarms", variant=variant(), include=[AlarmKind.MODEL_LATENCY], model_latency_percentile=percentile
    )
    (properties,) = alarm_properties(synth(stack)).values()
    assert properties["ExtendedStatistic"] == f"p{percentile:g}"


@pytest.mark.parametrize("percentile", [1e-11, 100.5, -1, float("inf"), "99"])
def test_bad_latency_percentiles(stack, percentile):
    with pytest.raises(ConfigurationError) as caught:
        ScalingAlarms(
            stack, "Alarms", variant=variant(), include=[AlarmKind.MODEL_LATENCY], model_latency_percentile=percentile
        )
    assert [p.parameter for p in caught.value.problems] == ["model_latency_percentile"]


ANY_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8), st.lists(st.integers(), max_size=2)
)


@settings(max_examples=25, deadline=None)
@given(parameter=st.sampled_from(THRESHOLDS), value=ANY_VALUE)
def test_any_threshold_works_or_is_reported(parameter, value):
    stack = cdk.Stack(cdk.App(), "TestStack")
    arguments = {"max_capacity": 4, parameter: value}
    try:
        alarms = ScalingAlarms(stack, "Alarms", variant=variant(), **arguments)
    except ConfigurationError as error:
        assert [p.parameter for p in error.problems] == [parameter]
    else:
        assert len(alarms.alarms) == 6
        assert lint_errors(cdk.assertions.Template.from_stack(stack).to_json()) == []

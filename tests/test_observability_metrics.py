"""The VariantMetrics factories against the SageMaker monitoring documentation.

Source of every expected value: "Monitor Amazon SageMaker with Amazon CloudWatch",
https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html (read as
awsdocs/amazon-sagemaker-developer-guide doc_source/monitoring-cloudwatch.md): the tables
"Endpoint Invocation Metrics", "Multi-Model Endpoint Model Loading Metrics", "Multi-Model
Endpoint Model Instance Metrics" and "Endpoint Instance Metrics", each with the dimensions
EndpointName, VariantName; and "CloudWatch Metrics for Multi-Model Endpoint Deployments",
https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoint-cloudwatch-metrics.html
("Per-model metrics aren't supported").
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import ConfigurationError, EndpointScaling, MultiModelEndpoint
from mme_scaling_constructs.metrics import cloudwatch_unit
from mme_scaling_constructs.observability.metrics import (
    INSTANCE_COUNT_EXPRESSION,
    PERIOD_RULE,
    VARIANT_METRICS,
    VariantMetrics,
)
from mme_scaling_constructs.policies import LABEL_RULE, STATISTIC_RULE
from tests.conftest import CPU_IMAGE, MODEL_DATA_URL

INVOCATION = "AWS/SageMaker"
INSTANCE = "/aws/sagemaker/Endpoints"
#: Valid statistics as the tables list them ("Min"/"Max" written Minimum/Maximum); None where
#: the table lists none (instance metrics: "the default view in CloudWatch shows the average").
LATENCY_STATS = {"Average", "Sum", "Minimum", "Maximum", "SampleCount"}

#: method -> (namespace, metric name, default statistic, unit, documented valid statistics)
DOCUMENTED = {
    # Endpoint Invocation Metrics
    "metric_invocations": (INVOCATION, "Invocations", "Sum", "None", {"Sum"}),
    "metric_invocations_per_instance": (INVOCATION, "InvocationsPerInstance", "Sum", "None", {"Sum"}),
    "metric_model_latency": (INVOCATION, "ModelLatency", "Average", "Microseconds", LATENCY_STATS),
    "metric_overhead_latency": (INVOCATION, "OverheadLatency", "Average", "Microseconds", LATENCY_STATS),
    "metric_invocation_4xx_errors": (INVOCATION, "Invocation4XXErrors", "Sum", "None", {"Average", "Sum"}),
    "metric_invocation_5xx_errors": (INVOCATION, "Invocation5XXErrors", "Sum", "None", {"Average", "Sum"}),
    "metric_model_setup_time": (
        INVOCATION,
        "ModelSetupTime",
        "Average",
        "Microseconds",
        {"Average", "Minimum", "Maximum", "SampleCount"},
    ),
    # Endpoint Instance Metrics
    "metric_cpu_utilization": (INSTANCE, "CPUUtilization", "Average", "Percent", None),
    "metric_memory_utilization": (INSTANCE, "MemoryUtilization", "Average", "Percent", None),
    "metric_disk_utilization": (INSTANCE, "DiskUtilization", "Average", "Percent", None),
    "metric_gpu_utilization": (INSTANCE, "GPUUtilization", "Average", "Percent", None),
    "metric_gpu_memory_utilization": (INSTANCE, "GPUMemoryUtilization", "Average", "Percent", None),
    # Multi-Model Endpoint Model Loading Metrics
    "metric_model_loading_wait_time": (INVOCATION, "ModelLoadingWaitTime", "Average", "Microseconds", LATENCY_STATS),
    "metric_model_loading_time": (INVOCATION, "ModelLoadingTime", "Average", "Microseconds", LATENCY_STATS),
    "metric_model_downloading_time": (INVOCATION, "ModelDownloadingTime", "Average", "Microseconds", LATENCY_STATS),
    "metric_model_unloading_time": (INVOCATION, "ModelUnloadingTime", "Average", "Microseconds", LATENCY_STATS),
    # "The Average statistic shows the ratio of requests for which the model was already loaded."
    "metric_model_cache_hit": (INVOCATION, "ModelCacheHit", "Average", "None", {"Average", "Sum", "SampleCount"}),
    # Multi-Model Endpoint Model Instance Metrics: "emitted per instance. The Average statistic ... per instance"
    "metric_loaded_model_count": (INSTANCE, "LoadedModelCount", "Average", "None", LATENCY_STATS),
}


class Variant(VariantMetrics):
    """The smallest class the mixin needs."""

    def __init__(self, endpoint_name: str = "my-endpoint", variant_name: str = "AllTraffic") -> None:
        self.endpoint_name = endpoint_name
        self.variant_name = variant_name


def unit_name(metric: cloudwatch.Metric) -> str:
    return str(cdk.Stack().resolve(metric.unit))


@pytest.mark.parametrize("method", sorted(DOCUMENTED))
def test_metric_matches_the_documentation(method):
    namespace, name, statistic, unit, valid = DOCUMENTED[method]
    metric = getattr(Variant(), method)()
    assert isinstance(metric, cloudwatch.Metric)
    assert metric.namespace == namespace
    assert metric.metric_name == name
    assert dict(metric.dimensions) == {"EndpointName": "my-endpoint", "VariantName": "AllTraffic"}
    assert metric.statistic == statistic
    assert unit_name(metric) == unit
    assert metric.period.to_seconds() == 60  # "Metrics are available at a 1-minute frequency."
    if valid is not None:
        assert statistic in valid


def test_every_definition_has_a_method():
    names = {DOCUMENTED[method][1] for method in DOCUMENTED}
    assert names == {definition.metric_name for definition in VARIANT_METRICS}
    assert len(VARIANT_METRICS) == len(DOCUMENTED)


def test_no_model_name_dimension_anywhere():
    # "Per-model metrics aren't supported." (multi-model-endpoint-cloudwatch-metrics)
    for method in DOCUMENTED:
        assert "ModelName" not in getattr(Variant(), method)().dimensions


def test_method_names_do_not_shadow_the_generic_metric():
    assert "metric" not in vars(VariantMetrics)


def test_period_statistic_and_label_are_passed_on():
    metric = Variant().metric_model_latency(period=Duration.minutes(5), statistic="p99", label="p99 latency")
    assert metric.period.to_seconds() == 300
    assert metric.statistic == "p99"
    assert metric.label == "p99 latency"
    assert unit_name(metric) == "Microseconds"


def test_unload_count_is_sample_count_of_unloading_time():
    metric = Variant().metric_model_unloading_time(statistic="SampleCount")
    assert (metric.metric_name, metric.statistic) == ("ModelUnloadingTime", "SampleCount")


def test_instance_count_is_invocations_over_invocations_per_instance():
    # InvocationsPerInstance: "1/numberOfInstances is sent as the value on each request", so
    # Sum(Invocations) / Sum(InvocationsPerInstance) = numberOfInstances.
    expression = Variant().metric_instance_count()
    assert isinstance(expression, cloudwatch.MathExpression)
    assert expression.expression == INSTANCE_COUNT_EXPRESSION
    assert expression.label == "Instances"
    assert expression.period.to_seconds() == 60
    used = {
        key: (m.namespace, m.metric_name, m.statistic, dict(m.dimensions))
        for key, m in expression.using_metrics.items()
    }
    dimensions = {"EndpointName": "my-endpoint", "VariantName": "AllTraffic"}
    assert used == {
        "invocations": (INVOCATION, "Invocations", "Sum", dimensions),
        "invocationsPerInstance": (INVOCATION, "InvocationsPerInstance", "Sum", dimensions),
    }


def test_instance_count_takes_period_and_label():
    expression = Variant().metric_instance_count(period=Duration.minutes(5), label="count")
    assert (expression.period.to_seconds(), expression.label) == (300, "count")


def test_token_names_pass_through(stack):
    endpoint_name = cdk.CfnParameter(stack, "Name").value_as_string
    metric = Variant(endpoint_name=endpoint_name).metric_invocations()
    assert stack.resolve(metric.dimensions["EndpointName"]) == {"Ref": "Name"}


def test_bad_arguments_are_all_reported():
    with pytest.raises(ConfigurationError) as caught:
        Variant().metric_model_latency(period=Duration.seconds(30), statistic="avg", label="a\x00b")
    assert str(caught.value) == (
        "Invalid Variant configuration (3 problems):\n"
        f"  - period: got '30 seconds'; allowed: {PERIOD_RULE}\n"
        f"  - statistic: got 'avg'; allowed: {STATISTIC_RULE}\n"
        f"  - label: got 'a\\x00b'; allowed: {LABEL_RULE}"
    )


@pytest.mark.parametrize(
    ("period", "shown"),
    [
        (60, "60"),
        (Duration.seconds(90), "'1 minute 30 seconds'"),
        (Duration.millis(60_000.5), None),
        (Duration.seconds(0), "'0 seconds'"),
    ],
)
def test_period_must_be_whole_minutes(period, shown):
    with pytest.raises(ConfigurationError) as caught:
        Variant().metric_invocations(period=period)
    assert caught.value.problems[0].parameter == "period"
    assert caught.value.problems[0].allowed == PERIOD_RULE
    if shown is not None:
        assert str(caught.value).endswith(f"period: got {shown}; allowed: {PERIOD_RULE}")


def test_token_period_is_refused(stack):
    minutes = cdk.CfnParameter(stack, "Minutes", type="Number").value_as_number
    with pytest.raises(ConfigurationError, match="period: got"):
        Variant().metric_invocations(period=Duration.minutes(minutes))


def test_instance_count_checks_its_arguments():
    with pytest.raises(ConfigurationError) as caught:
        Variant().metric_instance_count(period="1m", label=3)
    assert [p.parameter for p in caught.value.problems] == ["period", "label"]


ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=2),
    st.builds(Duration.seconds, st.integers(min_value=0, max_value=10**6)),
)


@settings(max_examples=60, deadline=None)
@given(period=ANY_VALUE, statistic=ANY_VALUE, label=ANY_VALUE)
def test_any_argument_works_or_is_reported(period, statistic, label):
    try:
        metric = Variant().metric_overhead_latency(period=period, statistic=statistic, label=label)
    except ConfigurationError as error:
        assert {p.parameter for p in error.problems} <= {"period", "statistic", "label"}
    else:
        assert metric.metric_name == "OverheadLatency"


def test_multi_model_endpoint_has_the_metrics(stack):
    endpoint = MultiModelEndpoint(
        stack, "Mme", image_uri=CPU_IMAGE, model_data_url=MODEL_DATA_URL, instance_type="ml.c5.xlarge"
    )
    metric = endpoint.metric_model_loading_wait_time()
    assert (metric.namespace, metric.metric_name) == (INVOCATION, "ModelLoadingWaitTime")
    assert stack.resolve(metric.dimensions["EndpointName"]) == stack.resolve(endpoint.endpoint.attr_endpoint_name)
    assert metric.dimensions["VariantName"] == "AllTraffic"


def test_endpoint_scaling_has_the_metrics(stack):
    scaling = EndpointScaling(stack, "Scaling", endpoint_name="my-endpoint", instance_type="ml.c5.xlarge")
    metric = scaling.metric_invocations_per_instance()
    assert dict(metric.dimensions) == {"EndpointName": "my-endpoint", "VariantName": "AllTraffic"}
    assert unit_name(metric) == "None"
    assert cloudwatch_unit("None") is cloudwatch.Unit.NONE

"""ScalingDashboard: the widgets of the synthesized DashboardBody, and targets that match the policies."""

from __future__ import annotations

import dataclasses
import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import (
    CPU_UTILIZATION,
    ConfigurationError,
    CustomMetricPolicy,
    EndpointScaling,
    HighResolutionConcurrencyPolicy,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    MetricSpec,
    MultiModelEndpoint,
    ScalingPreset,
    ScalingStep,
    ScheduledScaling,
    StepScalingSpec,
    UtilizationPolicy,
)
from mme_scaling_constructs.observability.dashboard import (
    DASHBOARD_NAME_RULE,
    ENDPOINTS_RULE,
    ScalingDashboard,
)
from tests.conftest import CPU_IMAGE, GPU_IMAGE, MODEL_DATA_URL

VARIANT_DIMENSIONS = ["EndpointName", "my-endpoint", "VariantName", "AllTraffic"]


def resolve_join(value, refs):
    """A DashboardBody's Fn::Join as text; a Ref is its value in ``refs`` or <Ref X>, a GetAtt <X.Attribute>."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return refs.get(value["Ref"], f"<Ref {value['Ref']}>")
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    separator, parts = value["Fn::Join"]
    return separator.join(resolve_join(part, refs) for part in parts)


def widgets_of(template, **refs):
    """The dashboard's widgets, with the parameter values ``refs`` (a number parameter is unquoted in the body)."""
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    return json.loads(resolve_join(dashboard["Properties"]["DashboardBody"], refs))["widgets"]


def by_title(widgets):
    return {w["properties"].get("title", w["properties"].get("markdown")): w for w in widgets}


def horizontal(widget):
    return [(a["value"], a["label"]) for a in widget["properties"].get("annotations", {}).get("horizontal", [])]


def policy_targets(template):
    """TargetValue of each ScalingPolicy resource, by the last part of its logical id path."""
    return [
        resource["Properties"]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
        for resource in template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    ]


def scaling(stack, construct_id="Scaling", endpoint_name="my-endpoint", **kwargs):
    kwargs.setdefault("instance_type", "ml.c5.xlarge")
    return EndpointScaling(stack, construct_id, endpoint_name=endpoint_name, **kwargs)


def test_layout_of_one_endpoint(stack, synth):
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack)])
    widgets = widgets_of(synth(stack))
    layout = [(w["type"], w["x"], w["y"], w["width"], w["height"]) for w in widgets]
    assert layout == [
        ("text", 0, 0, 24, 1),
        *[("metric", x, 1, 8, 6) for x in (0, 8, 16)],
        *[("metric", x, 7, 8, 6) for x in (0, 8, 16)],
        *[("metric", x, 13, 8, 6) for x in (0, 8)],
    ]
    assert [w["properties"].get("title") for w in widgets[1:]] == [
        "Invocations per instance (per minute)",
        "Utilization (summed over devices)",
        "Instances",
        "Latency (microseconds)",
        "Errors and invocations (per minute)",
        "Model loading (microseconds)",
        "Model cache",
        "Loaded models and memory",
    ]
    assert widgets[0]["properties"]["markdown"] == "### Endpoint my-endpoint, variant AllTraffic"


def test_targets_are_those_of_the_attached_policies(stack, synth):
    # ml.c5.2xlarge has 8 vCPUs: CPUUtilization is summed over them, so 40 % per vCPU is 320.
    preset = ScalingPreset.cpu(invocations_per_instance=120, cpu_utilization_percent=40)
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, instance_type="ml.c5.2xlarge", preset=preset)])
    template = synth(stack)
    assert sorted(policy_targets(template)) == [120, 320]
    widgets = by_title(widgets_of(template))
    invocations = widgets["Invocations per instance (per minute)"]
    assert invocations["properties"]["metrics"] == [
        [
            "AWS/SageMaker",
            "InvocationsPerInstance",
            *VARIANT_DIMENSIONS,
            {"label": "InvocationsPerInstance", "period": 60, "stat": "Sum"},
        ]
    ]
    assert horizontal(invocations) == [(120, "InvocationsPerInstance target: 120 per minute")]
    utilization = widgets["Utilization (summed over devices)"]
    assert utilization["properties"]["metrics"] == [
        ["/aws/sagemaker/Endpoints", "CPUUtilization", *VARIANT_DIMENSIONS, {"label": "CPUUtilization", "period": 60}]
    ]
    assert horizontal(utilization) == [(320, "CPUUtilization target: 40 % per vCPU (320 % summed)")]


def test_gpu_utilization_target_on_a_single_gpu(stack, synth):
    ScalingDashboard(
        stack,
        "Dashboard",
        endpoints=[scaling(stack, instance_type="ml.g5.xlarge", preset=ScalingPreset.gpu(gpu_utilization_percent=60))],
    )
    utilization = by_title(widgets_of(synth(stack)))["Utilization (summed over devices)"]
    assert [m[1] for m in utilization["properties"]["metrics"]] == ["GPUUtilization"]
    assert horizontal(utilization) == [(60, "GPUUtilization target: 60 % per GPU")]


def test_without_utilization_policy_cpu_is_drawn_without_target(stack, synth):
    preset = ScalingPreset.custom(InvocationsPerInstancePolicy(target_invocations_per_minute=50))
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, preset=preset)])
    utilization = by_title(widgets_of(synth(stack)))["Utilization (summed over devices)"]
    assert [m[1] for m in utilization["properties"]["metrics"]] == ["CPUUtilization"]
    assert horizontal(utilization) == []


def test_instance_count_with_bounds_and_schedules(stack, synth):
    preset = (
        ScalingPreset.cpu(min_capacity=2, max_capacity=10)
        .with_schedule(
            ScheduledScaling(name="morning", schedule="cron(0 8 * * ? *)", min_capacity=4, time_zone="Europe/Paris")
        )
        .with_schedule(ScheduledScaling(name="night", schedule="cron(0 20 * * ? *)", min_capacity=2, max_capacity=6))
    )
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, preset=preset)])
    instances = by_title(widgets_of(synth(stack)))["Instances"]
    assert instances["properties"]["metrics"] == [
        [{"label": "Instances", "expression": "invocations / invocationsPerInstance", "period": 60}],
        [
            "AWS/SageMaker",
            "Invocations",
            *VARIANT_DIMENSIONS,
            {"id": "invocations", "visible": False, "period": 60, "stat": "Sum"},
        ],
        [
            "AWS/SageMaker",
            "InvocationsPerInstance",
            *VARIANT_DIMENSIONS,
            {"id": "invocationsPerInstance", "visible": False, "period": 60, "stat": "Sum"},
        ],
    ]
    assert horizontal(instances) == [
        (2, "min_capacity 2"),
        (10, "max_capacity 10"),
        (4, "morning: min_capacity 4 at cron(0 8 * * ? *) (Europe/Paris)"),
        (2, "night: min_capacity 2 at cron(0 20 * * ? *)"),
        (6, "night: max_capacity 6 at cron(0 20 * * ? *)"),
    ]
    assert instances["properties"]["yAxis"] == {"left": {"min": 0, "showUnits": False}}


def test_latency_errors_loading_and_cache_widgets(stack, synth):
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack)])
    widgets = by_title(widgets_of(synth(stack)))

    def drawn(title, axis="left"):
        return [
            (m[0], m[1], m[-1].get("stat", "Average"))
            for m in widgets[title]["properties"]["metrics"]
            if m[-1].get("yAxis", "left") == axis
        ]

    assert drawn("Latency (microseconds)") == [
        ("AWS/SageMaker", "ModelLatency", "Average"),
        ("AWS/SageMaker", "ModelLatency", "p99"),
        ("AWS/SageMaker", "OverheadLatency", "Average"),
    ]
    assert drawn("Errors and invocations (per minute)") == [
        ("AWS/SageMaker", "Invocation4XXErrors", "Sum"),
        ("AWS/SageMaker", "Invocation5XXErrors", "Sum"),
    ]
    assert drawn("Errors and invocations (per minute)", "right") == [("AWS/SageMaker", "Invocations", "Sum")]
    assert drawn("Model loading (microseconds)") == [
        ("AWS/SageMaker", name, "Average")
        for name in ("ModelLoadingWaitTime", "ModelLoadingTime", "ModelDownloadingTime", "ModelUnloadingTime")
    ]
    assert drawn("Model cache") == [("AWS/SageMaker", "ModelCacheHit", "Average")]
    assert drawn("Model cache", "right") == [("AWS/SageMaker", "ModelUnloadingTime", "SampleCount")]
    assert widgets["Model cache"]["properties"]["yAxis"]["left"] == {"min": 0, "max": 1, "showUnits": False}
    assert drawn("Loaded models and memory") == [("/aws/sagemaker/Endpoints", "LoadedModelCount", "Average")]
    assert drawn("Loaded models and memory", "right") == [
        ("/aws/sagemaker/Endpoints", "MemoryUtilization", "Average"),
        ("/aws/sagemaker/Endpoints", "DiskUtilization", "Average"),
    ]
    for widget in widgets.values():
        for metric in widget["properties"].get("metrics", []):
            if isinstance(metric[0], str):
                assert metric[2:6] == VARIANT_DIMENSIONS


def test_custom_and_metric_math_policies_get_a_widget(stack, synth):
    preset = ScalingPreset.custom(
        UtilizationPolicy(metric=CPU_UTILIZATION, target_percent=50),
        CustomMetricPolicy(
            metric=MetricSpec(metric_name="QueueDepth", namespace="MyApp", statistic="Maximum"), target_value=5
        ),
        MetricMathPolicy(
            target_value=30,
            expression="m1 / m2",
            metrics={
                "m1": MetricSpec(metric_name="Invocations", namespace="AWS/SageMaker", statistic="Sum"),
                "m2": MetricSpec(metric_name="InvocationsPerInstance", namespace="AWS/SageMaker", statistic="Sum"),
            },
        ),
    )
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, preset=preset)])
    template = synth(stack)
    widget = by_title(widgets_of(template))["Other tracked metrics"]
    assert (widget["x"], widget["y"]) == (16, 13)
    assert horizontal(widget) == [(5, "QueueDepth target: 5 "), (30, "MetricMath target: 30 ")]
    metrics = widget["properties"]["metrics"]
    assert metrics[0] == [
        "MyApp",
        "QueueDepth",
        *VARIANT_DIMENSIONS,
        {"label": "QueueDepth", "period": 60, "stat": "Maximum"},
    ]
    assert (
        metrics[1] == [{"label": "MetricMath", "expression": "m1 / m2", "period": 300}]
        or metrics[1][0]["expression"] == "m1 / m2"
    )
    assert [m[1] for m in metrics[2:]] == ["Invocations", "InvocationsPerInstance"]
    assert sorted(policy_targets(template)) == [5, 30, 200]


def test_several_endpoints_stack_their_rows(stack, synth):
    first = scaling(stack, "First", endpoint_name="first")
    second = MultiModelEndpoint(
        stack, "Second", image_uri=GPU_IMAGE, model_data_url=MODEL_DATA_URL, instance_type="ml.g5.xlarge"
    )
    ScalingDashboard(stack, "Dashboard", endpoints=[first, second], dashboard_name="mme-scaling")
    template = synth(stack)
    template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "mme-scaling"})
    widgets = widgets_of(template)
    titles = [(w["y"], w["properties"]["markdown"]) for w in widgets if w["type"] == "text"]
    (endpoint_id,) = template.find_resources("AWS::SageMaker::Endpoint")
    assert titles == [
        (0, "### Endpoint first, variant AllTraffic"),
        (19, f"### Endpoint <{endpoint_id}.EndpointName>, variant AllTraffic"),
    ]
    second_invocations = [w for w in widgets if w["properties"].get("title", "").startswith("Invocations per")][1]
    assert second_invocations["properties"]["metrics"][0][3] == f"<{endpoint_id}.EndpointName>"


def test_token_targets_and_capacities_are_drawn(stack, synth):
    target, low, high = (
        cdk.CfnParameter(stack, name, type="Number").value_as_number for name in ("Target", "Low", "High")
    )
    preset = ScalingPreset.custom(
        InvocationsPerInstancePolicy(target_invocations_per_minute=target), min_capacity=low, max_capacity=high
    )
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, preset=preset)])
    widgets = by_title(widgets_of(synth(stack), Target="42", Low="3", High="9"))
    invocations = widgets["Invocations per instance (per minute)"]
    assert horizontal(invocations) == [(42, "InvocationsPerInstance target: 42 per minute")]
    assert horizontal(widgets["Instances"]) == [(3, "min_capacity 3"), (9, "max_capacity 9")]


def test_dashboard_is_exposed(stack):
    dashboard = ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack)])
    assert isinstance(dashboard.dashboard, cloudwatch.Dashboard)


def test_bad_arguments_are_all_reported(stack):
    unscaled = MultiModelEndpoint(
        stack,
        "Mme",
        image_uri=CPU_IMAGE,
        model_data_url=MODEL_DATA_URL,
        instance_type="ml.c5.xlarge",
        auto_scaling=False,
    )
    with pytest.raises(ConfigurationError) as caught:
        ScalingDashboard(None, "Dashboard", endpoints=[unscaled, "my-endpoint"], dashboard_name="my dashboard")
    rule = "an EndpointScaling, or a MultiModelEndpoint with auto_scaling True"
    assert str(caught.value) == (
        "Invalid ScalingDashboard configuration (4 problems):\n"
        "  - scope: got None; allowed: a construct (e.g. a Stack)\n"
        f"  - endpoints[0]: got {unscaled!r}; allowed: {rule}\n"
        f"  - endpoints[1]: got 'my-endpoint'; allowed: {rule}\n"
        f"  - dashboard_name: got 'my dashboard'; allowed: {DASHBOARD_NAME_RULE}"
    )


@pytest.mark.parametrize("endpoints", [[], (), None, "my-endpoint", {"a": 1}])
def test_endpoints_must_be_a_non_empty_list(stack, endpoints):
    with pytest.raises(ConfigurationError) as caught:
        ScalingDashboard(stack, "Dashboard", endpoints=endpoints)
    assert [(p.parameter, p.allowed) for p in caught.value.problems] == [("endpoints", ENDPOINTS_RULE)]


@pytest.mark.parametrize("name", ["", "a" * 256, "name\n", 3, b"name"])
def test_bad_dashboard_names(stack, name):
    with pytest.raises(ConfigurationError) as caught:
        ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack)], dashboard_name=name)
    assert [(p.parameter, p.allowed) for p in caught.value.problems] == [("dashboard_name", DASHBOARD_NAME_RULE)]


def test_step_policies_are_drawn_with_their_alarm_thresholds(stack, synth):
    step = StepScalingSpec(
        metric=MetricSpec(metric_name="CPUUtilization", unit="Percent"),
        steps=(ScalingStep(upper=20, change=-1), ScalingStep(lower=80, change=2)),
    )
    preset = ScalingPreset.custom(step, min_capacity=2, max_capacity=6)
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, preset=preset)])
    template = synth(stack)
    thresholds = sorted(
        p["Properties"]["Threshold"] for p in template.find_resources("AWS::CloudWatch::Alarm").values()
    )
    assert thresholds == [20, 80]
    widget = by_title(widgets_of(template))["Other tracked metrics"]
    (metric,) = widget["properties"]["metrics"]
    assert metric == [
        "/aws/sagemaker/Endpoints",
        "CPUUtilization",
        *VARIANT_DIMENSIONS,
        {"label": "StepScaling", "period": 60},
    ]
    assert [value for value, _ in horizontal(widget)] == [20, 80]


def test_high_resolution_policy_target_is_drawn(stack, synth):
    preset = ScalingPreset.cpu().with_policy(HighResolutionConcurrencyPolicy(target_concurrent_requests=5))
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, preset=preset)])
    template = synth(stack)
    assert sorted(policy_targets(template)) == [5, 70, 200]
    widget = by_title(widgets_of(template))["Other tracked metrics"]
    assert horizontal(widget) == [(5, "ConcurrentRequestsPerModel target: 5 ")]
    assert "metrics" not in widget["properties"]


@settings(max_examples=15, deadline=None)
@given(
    instance_type=st.sampled_from(["ml.c5.large", "ml.c5.xlarge", "ml.c5.2xlarge", "ml.m5.4xlarge", "ml.g5.xlarge"]),
    invocations=st.floats(min_value=0.5, max_value=10_000, allow_nan=False),
    percent=st.floats(min_value=1, max_value=100, allow_nan=False),
)
def test_annotations_never_disagree_with_the_policies(instance_type, invocations, percent):
    stack = cdk.Stack(cdk.App(), "TestStack")
    preset = ScalingPreset.for_instance_type(instance_type, invocations_per_instance=invocations)
    utilization = next(p for p in preset.policies if isinstance(p, UtilizationPolicy))
    preset = preset.with_policy(dataclasses.replace(utilization, target_percent=percent))
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, instance_type=instance_type, preset=preset)])
    template = cdk.assertions.Template.from_stack(stack)
    widgets = by_title(widgets_of(template))
    drawn = [
        value
        for title in ("Invocations per instance (per minute)", "Utilization (summed over devices)")
        for value, _ in horizontal(widgets[title])
    ]
    assert sorted(drawn) == sorted(policy_targets(template))


def test_one_time_actions_are_vertical_lines_in_utc(stack, synth):
    preset = (
        ScalingPreset.cpu(max_capacity=10)
        .with_schedule(ScheduledScaling(name="launch", schedule="at(2027-03-01T06:00:00)", min_capacity=8))
        .with_schedule(
            ScheduledScaling(name="sale", schedule="at(2027-07-01T09:30:00)", min_capacity=6, time_zone="Europe/Paris")
        )
        .with_schedule(ScheduledScaling(name="daily", schedule="cron(0 8 * * ? *)", min_capacity=3))
    )
    ScalingDashboard(stack, "Dashboard", endpoints=[scaling(stack, preset=preset)])
    instances = by_title(widgets_of(synth(stack)))["Instances"]
    assert instances["properties"]["annotations"]["vertical"] == [
        {"value": "2027-03-01T06:00:00Z", "color": "#9467bd", "label": "launch"},
        {"value": "2027-07-01T07:30:00Z", "color": "#9467bd", "label": "sale"},  # Paris is UTC+2 in July
    ]

"""Dashboard widgets: each endpoint drawn against the targets of the policies that scale it.

Targets are read from the ``AWS::ApplicationAutoScaling::ScalingPolicy`` resources the
scaling construct created, so the dashboard shows exactly the ``TargetValue`` deployed.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import Token
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from mme_scaling_constructs.endpoint import MultiModelEndpoint
from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.metric_math import ExpressionQuery, referenced_ids
from mme_scaling_constructs.metrics import UtilizationMetric
from mme_scaling_constructs.observability.metrics import (
    CPU_UTILIZATION,
    DISK_UTILIZATION,
    GPU_MEMORY_UTILIZATION,
    GPU_UTILIZATION,
    INVOCATION_4XX_ERRORS,
    INVOCATION_5XX_ERRORS,
    INVOCATIONS,
    INVOCATIONS_PER_INSTANCE,
    LOADED_MODEL_COUNT,
    MEMORY_UTILIZATION,
    MODEL_CACHE_HIT,
    MODEL_DOWNLOADING_TIME,
    MODEL_LATENCY,
    MODEL_LOADING_TIME,
    MODEL_LOADING_WAIT_TIME,
    MODEL_UNLOADING_TIME,
    OVERHEAD_LATENCY,
    VariantMetricDefinition,
    instance_count_expression,
    metric_period,
    variant_metric,
)
from mme_scaling_constructs.policies import (
    CustomMetricPolicy,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    ScalingContext,
    TargetTrackingSpec,
    UtilizationPolicy,
)
from mme_scaling_constructs.presets import Device
from mme_scaling_constructs.scaling import EndpointScaling
from mme_scaling_constructs.schedules import AT_PATTERN, ScheduledScaling
from mme_scaling_constructs.validation import is_number, is_token

#: Dashboard names: letters, digits, ``-`` and ``_``, 1 to 255 characters.
#: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
DASHBOARD_NAME_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,255}")
DASHBOARD_NAME_RULE: Final = "1 to 255 letters, digits, hyphens and underscores, or None"
ENDPOINTS_RULE: Final = "a non-empty list or tuple of EndpointScaling or auto-scaled MultiModelEndpoint constructs"
#: Grid: CloudWatch dashboards are 24 units wide; three graphs per row.
GRAPH_WIDTH: Final = 8
GRAPH_HEIGHT: Final = 6
TITLE_HEIGHT: Final = 1
#: Annotation colours.
TARGET_COLOR: Final = "#2ca02c"
BOUND_COLOR: Final = "#d62728"
SCHEDULE_COLOR: Final = "#9467bd"


class ScalingDashboard(Construct):
    """A CloudWatch dashboard that shows whether each endpoint scales well.

    Per endpoint variant, a title row and three rows of graphs (each 8 x 6):

    1. invocations per instance, with each invocations policy's target; utilization, with
       each utilization policy's target (the per-device target times the devices, as the
       policy tracks it); instance count, with ``min_capacity``, ``max_capacity``, the
       bounds each scheduled action sets and a vertical line at each one-time (``at(...)``)
       action, in UTC;
    2. model latency (average and p99) and overhead latency; 4xx and 5xx errors with the
       invocations; model loading wait, loading, downloading and unloading times;
    3. model cache hit ratio and unloads per minute; loaded models per instance with memory
       and disk utilization; and, when the preset has them, the metrics of custom and
       metric math policies with their targets, of step policies with the thresholds of
       their alarms, and the targets of other policies (high-resolution concurrency).

    Args:
        scope: the parent construct.
        construct_id: the construct id.
        endpoints: the scaled variants: :class:`EndpointScaling` constructs, or
            :class:`MultiModelEndpoint` constructs with auto scaling.
        dashboard_name: 1 to 255 letters, digits, ``-`` and ``_``; defaults to ``None``:
            CloudFormation generates one.

    Raises:
        ConfigurationError: before anything is created, naming each invalid argument.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoints: Sequence[EndpointScaling | MultiModelEndpoint],
        dashboard_name: str | None = None,
    ) -> None:
        problems = Problems("ScalingDashboard")
        if not isinstance(scope, Construct):
            problems.add("scope", scope, "a construct (e.g. a Stack)")
        scalings = _scalings(problems, endpoints)
        if (
            dashboard_name is not None
            and not (isinstance(dashboard_name, str) and is_token(dashboard_name))
            and not (isinstance(dashboard_name, str) and DASHBOARD_NAME_PATTERN.fullmatch(dashboard_name))
        ):
            problems.add("dashboard_name", dashboard_name, DASHBOARD_NAME_RULE)
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        #: The ``AWS::CloudWatch::Dashboard``.
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)
        for scaling in scalings:
            for row in endpoint_rows(scaling):
                self.dashboard.add_widgets(*row)


def _scalings(problems: Problems, endpoints: Any) -> list[EndpointScaling]:
    """The scaling constructs of ``endpoints``, after recording problems with them."""
    if not isinstance(endpoints, (list, tuple)) or not endpoints:
        problems.add("endpoints", endpoints, ENDPOINTS_RULE)
        return []
    found = []
    for index, endpoint in enumerate(endpoints):
        scaling = endpoint.scaling if isinstance(endpoint, MultiModelEndpoint) else endpoint
        if not isinstance(scaling, EndpointScaling):
            problems.add(
                f"endpoints[{index}]",
                endpoint,
                "an EndpointScaling, or a MultiModelEndpoint with auto_scaling True",
            )
            continue
        found.append(scaling)
    return found


def endpoint_rows(scaling: EndpointScaling) -> list[list[cloudwatch.IWidget]]:
    """The dashboard rows of one scaled variant, top to bottom."""
    endpoint_name, variant_name = scaling.endpoint_name, scaling.variant_name

    def metric(definition: VariantMetricDefinition, *, label: str, statistic: str | None = None) -> cloudwatch.Metric:
        return variant_metric(
            definition, endpoint_name=endpoint_name, variant_name=variant_name, statistic=statistic, label=label
        )

    targets = attached_targets(scaling)
    invocations_targets = [(s, t) for s, t in targets if isinstance(s, InvocationsPerInstancePolicy)]
    utilization_targets = [(s, t) for s, t in targets if isinstance(s, UtilizationPolicy)]
    other_targets = [(s, t) for s, t in targets if not isinstance(s, (InvocationsPerInstancePolicy, UtilizationPolicy))]
    preset = scaling.preset

    title = cloudwatch.TextWidget(
        markdown=f"### Endpoint {scaling.endpoint_name}, variant {scaling.variant_name}",
        width=3 * GRAPH_WIDTH,
        height=TITLE_HEIGHT,
    )
    first: list[cloudwatch.IWidget] = [
        _graph(
            "Invocations per instance (per minute)",
            [metric(INVOCATIONS_PER_INSTANCE, label="InvocationsPerInstance")],
            [_target(spec.construct_id, target, "per minute") for spec, target in invocations_targets],
        ),
        _graph(
            "Utilization (summed over devices)",
            _utilization_metrics(scaling, utilization_targets, metric),
            [_utilization_target(spec, target) for spec, target in utilization_targets],
        ),
        _graph(
            "Instances",
            [instance_count_expression(endpoint_name=endpoint_name, variant_name=variant_name)],
            _capacity_annotations(preset.min_capacity, preset.max_capacity, preset.schedules),
            left_y_axis=cloudwatch.YAxisProps(min=0, show_units=False),
            vertical=_one_time_actions(preset.schedules),
        ),
    ]
    second: list[cloudwatch.IWidget] = [
        _graph(
            "Latency (microseconds)",
            [
                metric(MODEL_LATENCY, label="ModelLatency average"),
                metric(MODEL_LATENCY, statistic="p99", label="ModelLatency p99"),
                metric(OVERHEAD_LATENCY, label="OverheadLatency average"),
            ],
        ),
        _graph(
            "Errors and invocations (per minute)",
            [
                metric(INVOCATION_4XX_ERRORS, label="4xx errors"),
                metric(INVOCATION_5XX_ERRORS, label="5xx errors"),
            ],
            right=[metric(INVOCATIONS, label="Invocations")],
        ),
        _graph(
            "Model loading (microseconds)",
            [
                metric(MODEL_LOADING_WAIT_TIME, label="ModelLoadingWaitTime"),
                metric(MODEL_LOADING_TIME, label="ModelLoadingTime"),
                metric(MODEL_DOWNLOADING_TIME, label="ModelDownloadingTime"),
                metric(MODEL_UNLOADING_TIME, label="ModelUnloadingTime"),
            ],
        ),
    ]
    third: list[cloudwatch.IWidget] = [
        _graph(
            "Model cache",
            [metric(MODEL_CACHE_HIT, label="Cache hit ratio")],
            right=[metric(MODEL_UNLOADING_TIME, statistic="SampleCount", label="Unloads per minute")],
            left_y_axis=cloudwatch.YAxisProps(min=0, max=1, show_units=False),
        ),
        _graph(
            "Loaded models and memory",
            [metric(LOADED_MODEL_COUNT, label="Models per instance")],
            right=[
                metric(MEMORY_UTILIZATION, label="MemoryUtilization"),
                metric(DISK_UTILIZATION, label="DiskUtilization"),
            ],
        ),
    ]
    if other_targets or scaling.step_scaling_policies:
        third.append(_other_policies(scaling, other_targets))
    return [[title], first, second, third]


def attached_targets(scaling: EndpointScaling) -> list[tuple[TargetTrackingSpec, Any]]:
    """Each target-tracking policy of ``scaling`` with the ``TargetValue`` its policy resource has."""
    found = []
    for spec, policy in zip(scaling.preset.policies, scaling.scaling_policies, strict=True):
        configuration = policy.target_tracking_scaling_policy_configuration
        assert isinstance(configuration, appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty)
        found.append((spec, configuration.target_value))
    return found


def _graph(
    title: str,
    left: Sequence[cloudwatch.IMetric],
    annotations: Sequence[cloudwatch.HorizontalAnnotation] = (),
    *,
    right: Sequence[cloudwatch.IMetric] = (),
    left_y_axis: cloudwatch.YAxisProps | None = None,
    vertical: Sequence[cloudwatch.VerticalAnnotation] = (),
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title,
        left=list(left),
        right=list(right) or None,
        left_annotations=list(annotations) or None,
        vertical_annotations=list(vertical) or None,
        left_y_axis=left_y_axis,
        width=GRAPH_WIDTH,
        height=GRAPH_HEIGHT,
    )


def _number(value: Any) -> str:
    """A number for a label: ``70``, ``0.5``; a token as a string token of the same value."""
    if is_token(value):
        return Token.as_string(value)
    return f"{value:g}" if is_number(value) else str(value)


def _literal(value: Any) -> bool:
    """Whether ``value`` is a finite number known at synthesis (not a token)."""
    return is_number(value) and not is_token(value)


def _target(name: str, target: Any, unit: str) -> cloudwatch.HorizontalAnnotation:
    return cloudwatch.HorizontalAnnotation(
        value=target, label=f"{name} target: {_number(target)} {unit}", color=TARGET_COLOR
    )


def _utilization_target(spec: UtilizationPolicy, target: Any) -> cloudwatch.HorizontalAnnotation:
    per = spec.metric.device or "instance"
    label = f"{spec.construct_id} target: {_number(spec.target_percent)} % per {per}"
    if _literal(target) and _literal(spec.target_percent) and target != spec.target_percent:
        label += f" ({_number(target)} % summed)"
    return cloudwatch.HorizontalAnnotation(value=target, label=label, color=TARGET_COLOR)


_UTILIZATION_DEFINITIONS: Final = {
    definition.metric_name: definition
    for definition in (CPU_UTILIZATION, GPU_UTILIZATION, GPU_MEMORY_UTILIZATION, MEMORY_UTILIZATION, DISK_UTILIZATION)
}


def _utilization_metrics(
    scaling: EndpointScaling, targets: list[tuple[Any, Any]], metric: Any
) -> list[cloudwatch.IMetric]:
    """The tracked utilization metrics, or CPU (and GPU on a GPU preset) when none is tracked."""
    tracked: list[UtilizationMetric] = [spec.metric for spec, _ in targets]
    names = list(dict.fromkeys(m.metric_name for m in tracked))
    if not names:
        names = [CPU_UTILIZATION.metric_name]
        if scaling.preset.device is Device.GPU:
            names.append(GPU_UTILIZATION.metric_name)
    return [metric(_UTILIZATION_DEFINITIONS[name], label=name) for name in names]


def _capacity_annotations(min_capacity: Any, max_capacity: Any, schedules: Sequence[Any]) -> list[Any]:
    annotations = [
        cloudwatch.HorizontalAnnotation(
            value=min_capacity, label=f"min_capacity {_number(min_capacity)}", color=BOUND_COLOR
        ),
        cloudwatch.HorizontalAnnotation(
            value=max_capacity, label=f"max_capacity {_number(max_capacity)}", color=BOUND_COLOR
        ),
    ]
    for action in schedules:
        for bound in ("min_capacity", "max_capacity"):
            value = getattr(action, bound)
            if value is not None:
                zone = "" if action.time_zone is None else f" ({action.time_zone})"
                annotations.append(
                    cloudwatch.HorizontalAnnotation(
                        value=value,
                        label=f"{action.name}: {bound} {_number(value)} at {action.schedule}{zone}",
                        color=SCHEDULE_COLOR,
                    )
                )
    return annotations


def _one_time_actions(schedules: Sequence[ScheduledScaling]) -> list[cloudwatch.VerticalAnnotation]:
    """A vertical line at each literal ``at(...)`` action, in UTC; recurring ones have none."""
    lines = []
    for action in schedules:
        at = AT_PATTERN.fullmatch(action.schedule) if isinstance(action.schedule, str) else None
        if at is None or (action.time_zone is not None and is_token(action.time_zone)):
            continue
        zone = datetime.UTC if action.time_zone is None else zoneinfo.ZoneInfo(action.time_zone)
        when = datetime.datetime.fromisoformat(at[1]).replace(tzinfo=zone).astimezone(datetime.UTC)
        lines.append(
            cloudwatch.VerticalAnnotation(
                date=when.strftime("%Y-%m-%dT%H:%M:%SZ"), label=action.name, color=SCHEDULE_COLOR
            )
        )
    return lines


def _other_policies(scaling: EndpointScaling, targets: list[tuple[Any, Any]]) -> cloudwatch.GraphWidget:
    """The metrics of custom, metric math and step policies, each with its target or alarm thresholds.

    The target of any other target-tracking policy is drawn too, without its metric.
    """
    context = ScalingContext(
        endpoint_name=scaling.endpoint_name, variant_name=scaling.variant_name, instance_type="", instance=None
    )
    metrics: list[cloudwatch.IMetric] = []
    annotations = []
    for spec, target in targets:
        if isinstance(spec, CustomMetricPolicy):
            metrics.append(_spec_metric(spec.metric_spec, context, spec.metric_spec.statistic, spec.construct_id))
        elif isinstance(spec, MetricMathPolicy):
            metrics.append(_math_metric(spec, context))
        # Other policies (the high-resolution concurrency one) track a predefined metric whose
        # CloudWatch form AWS does not document for multi-model endpoints: only the target is drawn.
        annotations.append(_target(spec.construct_id, target, ""))
    for step_spec, policy in zip(scaling.preset.step_policies, scaling.step_scaling_policies, strict=True):
        metric = step_spec.cloudwatch_metric(endpoint_name=scaling.endpoint_name, variant_name=scaling.variant_name)
        metrics.append(metric.with_(label=step_spec.construct_id))
        for alarm in (policy.lower_alarm, policy.upper_alarm):
            if alarm is not None:
                annotations.append(alarm.to_annotation())
    return _graph("Other tracked metrics", metrics, annotations)


def _spec_metric(spec: Any, context: ScalingContext, statistic: str, label: str) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=spec.namespace,
        metric_name=spec.metric_name,
        dimensions_map=spec.dimensions_for(endpoint_name=context.endpoint_name, variant_name=context.variant_name),
        statistic=statistic,
        period=metric_period(),
        label=label,
    )


def _math_metric(policy: MetricMathPolicy, context: ScalingContext) -> cloudwatch.IMetric:
    """The query ``policy`` tracks, as a CDK metric or math expression."""
    built: dict[str, cloudwatch.IMetric] = {}
    tracked: cloudwatch.IMetric | None = None
    for query in policy.all_queries:
        if isinstance(query, ExpressionQuery):
            built[query.id] = cloudwatch.MathExpression(
                expression=query.expression,
                using_metrics={ref: built[ref] for ref in referenced_ids(query.expression) if ref in built},
                period=metric_period(),
                label=policy.construct_id if query.returns_data else query.label,
            )
        else:
            assert query.stat is not None  # resolved at construction
            built[query.id] = _spec_metric(query.metric_spec, context, query.stat, query.label or query.id)
        if query.returns_data:
            tracked = built[query.id]
    assert tracked is not None  # exactly one query returns data
    return tracked

"""Target-tracking policy specifications: frozen values that presets compose.

A specification knows which metric it tracks and how to compute its ``TargetValue`` for
an instance type; :class:`~mme_scaling_constructs.scaling.EndpointScaling` turns it into an
``AWS::ApplicationAutoScaling::ScalingPolicy``.

Sources: https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints-autoscaling.html,
https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html (metric names and
dimensions; CPU and GPU utilization are summed over devices) and
https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.constants import (
    CONCURRENT_REQUESTS_PER_MODEL_METRIC,
    INVOCATIONS_PER_INSTANCE_METRIC,
)
from mme_scaling_constructs.errors import Problem, Problems
from mme_scaling_constructs.instance_catalogue import InstanceSpec
from mme_scaling_constructs.load_test import DEFAULT_SAFETY_FACTOR, invocations_target
from mme_scaling_constructs.metrics import MetricSpec, UtilizationMetric, as_metric_spec
from mme_scaling_constructs.validation import (
    check_construct_name,
    check_cooldown,
    check_percent,
    check_positive,
    is_token,
)

#: Default target of the invocations-per-instance policy, from the AWS MME page's example.
DEFAULT_INVOCATIONS_PER_INSTANCE: Final = 70.0
#: Policy names: 1 to 256 printable characters.
POLICY_NAME_PATTERN: Final = re.compile(r"^[\x20-\x7e]{1,256}$")
#: Metric math query ids: a lowercase letter, then letters, digits and underscores.
QUERY_ID_PATTERN: Final = re.compile(r"^[a-z][a-zA-Z0-9_]{0,254}$")
#: Id of the expression whose result a metric math policy tracks.
MATH_RESULT_ID: Final = "result"

_Cfn = appscaling.CfnScalingPolicy


@dataclass(frozen=True, kw_only=True)
class ScalingContext:
    """What a policy needs to know about the variant it scales.

    Args:
        endpoint_name: the endpoint's name (a literal or a token).
        variant_name: the production variant's name.
        instance_type: the variant's instance type, as given.
        instance: the catalogue entry of the variant's instance type, or ``None`` when the
            instance type is a token.
    """

    endpoint_name: str
    variant_name: str
    instance_type: str
    instance: InstanceSpec | None


class TargetTrackingSpec(Protocol):
    """What every target-tracking policy specification provides."""

    @property
    def scale_in_cooldown(self) -> Duration | None:
        """Scale-in cooldown, or ``None`` for the preset's."""
        ...

    @property
    def scale_out_cooldown(self) -> Duration | None:
        """Scale-out cooldown, or ``None`` for the preset's."""
        ...

    @property
    def disable_scale_in(self) -> bool:
        """Whether the policy never removes capacity."""
        ...

    @property
    def policy_name(self) -> str | None:
        """The ``PolicyName``, or ``None`` to derive it from the construct path."""
        ...

    @property
    def construct_id(self) -> str:
        """Construct id of the policy; stable, because renaming it replaces the policy."""
        ...

    @property
    def metric_key(self) -> tuple[str, ...]:
        """What the policy tracks: two policies on one target must differ in it."""
        ...

    def advisories(self) -> list[tuple[str, str]]:
        """Warnings (id, message) about the policy, shown as CDK annotations."""
        ...

    def context_problems(self, context: ScalingContext, parameter: str) -> list[Problem]:
        """Problems that only show for the variant in ``context``; ``parameter`` names the spec."""
        ...

    def emitted_target(self, context: ScalingContext) -> Any:
        """The ``TargetValue`` to emit for the variant in ``context``."""
        ...

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """Keyword arguments of the metric part of the L1 configuration."""
        ...


@dataclass(frozen=True, kw_only=True)
class TargetTrackingOptions:
    """Options every target-tracking policy takes, after its own arguments.

    Args:
        scale_in_cooldown: defaults to ``None``, the preset's cooldown.
        scale_out_cooldown: defaults to ``None``, the preset's cooldown.
        disable_scale_in: defaults to ``False``: the policy also removes capacity.
        name: construct id of the policy; defaults to ``None``, a name derived from the metric.
        policy_name: the ``PolicyName``; defaults to ``None``, derived from the construct path.
    """

    scale_in_cooldown: Duration | None = None
    scale_out_cooldown: Duration | None = None
    disable_scale_in: bool = False
    name: str | None = None
    policy_name: str | None = None

    def _check_options(self, problems: Problems) -> None:
        check_cooldown(problems, "scale_in_cooldown", self.scale_in_cooldown)
        check_cooldown(problems, "scale_out_cooldown", self.scale_out_cooldown)
        check_construct_name(problems, "name", self.name)
        name = self.policy_name
        if name is not None and not is_token(name) and not POLICY_NAME_PATTERN.match(name):
            problems.add("policy_name", self.policy_name, "1 to 256 printable characters")

    def _id(self, default: str) -> str:
        return default if self.name is None else self.name

    def advisories(self) -> list[tuple[str, str]]:
        """None by default."""
        return []

    def context_problems(self, context: ScalingContext, parameter: str) -> list[Problem]:
        """None by default: the target does not depend on the instance type."""
        return []


def _customized(metric: MetricSpec, context: ScalingContext) -> dict[str, Any]:
    dimensions = metric.dimensions_for(endpoint_name=context.endpoint_name, variant_name=context.variant_name)
    return {
        "customized_metric_specification": _Cfn.CustomizedMetricSpecificationProperty(
            metric_name=metric.metric_name,
            namespace=metric.namespace,
            dimensions=[_Cfn.MetricDimensionProperty(name=k, value=v) for k, v in dimensions.items()],
            statistic=metric.statistic,
            unit=metric.unit,
        )
    }


def _predefined(metric_type: str) -> dict[str, Any]:
    return {
        "predefined_metric_specification": _Cfn.PredefinedMetricSpecificationProperty(
            predefined_metric_type=metric_type
        )
    }


@dataclass(frozen=True, kw_only=True)
class InvocationsPerInstancePolicy(TargetTrackingOptions):
    """Track ``SageMakerVariantInvocationsPerInstance``, the metric AWS recommends for MMEs.

    The metric is the average number of invocations per minute per instance, summed over
    every model the endpoint serves.

    Also takes the :class:`TargetTrackingOptions`.

    Args:
        target_invocations_per_minute: invocations per instance per minute to hold.
            Defaults to 70, the AWS example; derive yours from a load test with
            :meth:`from_load_test`.
    """

    target_invocations_per_minute: float = DEFAULT_INVOCATIONS_PER_INSTANCE

    def __post_init__(self) -> None:
        problems = Problems("InvocationsPerInstancePolicy")
        check_positive(problems, "target_invocations_per_minute", self.target_invocations_per_minute)
        self._check_options(problems)
        problems.raise_if_any()

    @property
    def construct_id(self) -> str:
        """``name``, or ``"InvocationsPerInstance"``."""
        return self._id("InvocationsPerInstance")

    @property
    def metric_key(self) -> tuple[str, ...]:
        """The predefined metric type."""
        return ("predefined", INVOCATIONS_PER_INSTANCE_METRIC)

    @classmethod
    def from_load_test(
        cls, *, max_requests_per_second: float, safety_factor: float = DEFAULT_SAFETY_FACTOR, **options: Any
    ) -> InvocationsPerInstancePolicy:
        """A policy whose target is ``max_requests_per_second x safety_factor x 60``.

        Args:
            max_requests_per_second: the highest rate one instance sustained in a load test.
            safety_factor: share of that rate to aim for, in (0, 1]; defaults to 0.5.
            options: the shared policy options (cooldowns, ``disable_scale_in``, names).
        """
        target = invocations_target(max_requests_per_second=max_requests_per_second, safety_factor=safety_factor)
        return cls(target_invocations_per_minute=target, **options)

    def emitted_target(self, context: ScalingContext) -> Any:
        """The target as given: invocations are already per instance."""
        return self.target_invocations_per_minute

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The predefined ``SageMakerVariantInvocationsPerInstance`` metric."""
        return _predefined(INVOCATIONS_PER_INSTANCE_METRIC)


@dataclass(frozen=True, kw_only=True)
class UtilizationPolicy(TargetTrackingOptions):
    """Track an instance utilization metric, with the target given per device.

    The emitted ``TargetValue`` is ``target_percent x devices``: 50 % CPU on a 4-vCPU
    instance is 200, because ``CPUUtilization`` is summed over vCPUs. Dimensions are
    ``EndpointName`` and ``VariantName``; statistic ``Average``; unit ``Percent``. Also takes
    the :class:`TargetTrackingOptions`.

    Args:
        metric: which metric, e.g. :data:`CPU_UTILIZATION` or :data:`GPU_UTILIZATION`.
        target_percent: utilization per device to hold, in (0, 100].
    """

    metric: UtilizationMetric
    target_percent: float

    def __post_init__(self) -> None:
        problems = Problems("UtilizationPolicy")
        check_percent(problems, "target_percent", self.target_percent, self.metric.device or "instance")
        self._check_options(problems)
        problems.raise_if_any()

    @property
    def _metric_spec(self) -> MetricSpec:
        return MetricSpec(metric_name=self.metric.metric_name, unit="Percent")

    @property
    def construct_id(self) -> str:
        """``name``, or the metric name, e.g. ``"CPUUtilization"``."""
        return self._id(self.metric.metric_name)

    @property
    def metric_key(self) -> tuple[str, ...]:
        """Namespace and metric name."""
        return self._metric_spec.key

    def advisories(self) -> list[tuple[str, str]]:
        """A warning for metrics that do not fall as instances are added."""
        return self._metric_spec.advisories()

    def context_problems(self, context: ScalingContext, parameter: str) -> list[Problem]:
        """A vCPU-summed metric needs a literal instance type, and a token target one device."""
        if self.metric.device == "vCPU" and context.instance is None:
            return [
                Problem(
                    parameter="instance_type",
                    value=context.instance_type,
                    allowed=f"a literal catalogued instance type, because {parameter} tracks "
                    f"{self.metric.metric_name}, whose target is multiplied by the vCPU count",
                )
            ]
        if is_token(self.target_percent) and self.metric.devices(context.instance) != 1:
            return [
                Problem(
                    parameter=f"{parameter}.target_percent",
                    value=self.target_percent,
                    allowed="a literal number, because the target is multiplied by the device count at synthesis",
                )
            ]
        return []

    def emitted_target(self, context: ScalingContext) -> Any:
        """``target_percent`` times the devices the metric is summed over."""
        devices = self.metric.devices(context.instance)
        return self.target_percent if devices == 1 else self.target_percent * devices

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The customized metric on the variant's ``EndpointName`` and ``VariantName``."""
        return _customized(self._metric_spec, context)


@dataclass(frozen=True, kw_only=True)
class CustomMetricPolicy(TargetTrackingOptions):
    """Track any CloudWatch metric, with the target as CloudWatch reports it.

    The metric must describe how busy an instance is and fall in inverse proportion to the
    instance count, or target tracking cannot hold it. Also takes the
    :class:`TargetTrackingOptions`.

    Args:
        metric: a :class:`MetricSpec`, or a CDK ``cloudwatch.Metric`` (converted to one).
            Without dimensions, the scaled variant's ``EndpointName`` and ``VariantName``
            are used.
        target_value: the value to hold, > 0, in the metric's own scale (not per device).
    """

    metric: MetricSpec | cloudwatch.Metric
    target_value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "metric", as_metric_spec(self.metric))
        problems = Problems("CustomMetricPolicy")
        check_positive(problems, "target_value", self.target_value)
        self._check_options(problems)
        problems.raise_if_any()

    @property
    def construct_id(self) -> str:
        """``name``, or the metric name stripped to letters and digits."""
        return self._id(re.sub(r"[^A-Za-z0-9]", "", self.metric_spec.metric_name) or "CustomMetric")

    @property
    def metric_spec(self) -> MetricSpec:
        """The tracked metric, as a :class:`MetricSpec`."""
        return as_metric_spec(self.metric)

    @property
    def metric_key(self) -> tuple[str, ...]:
        """Namespace and metric name."""
        return self.metric_spec.key

    def advisories(self) -> list[tuple[str, str]]:
        """Warnings for capacity-independent metrics and ``ModelName`` dimensions."""
        return self.metric_spec.advisories()

    def emitted_target(self, context: ScalingContext) -> Any:
        """The target as given."""
        return self.target_value

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The customized metric."""
        return _customized(self.metric_spec, context)


@dataclass(frozen=True, kw_only=True)
class MetricMathPolicy(TargetTrackingOptions):
    """Track the result of a metric math expression (``CustomizedMetricSpecification.Metrics``).

    The CDK L2 policy rejects math expressions, so this renders the L1 ``Metrics`` list: one
    query per metric, not returned, and the expression, returned, with id ``result``. Also
    takes the :class:`TargetTrackingOptions`.

    Args:
        expression: the metric math expression over the metric ids, e.g. ``"m1 / m2"``; it
            must yield a single time series.
        metrics: metric id (a lowercase letter, then letters, digits, ``_``) to metric.
        target_value: the value of the expression to hold, > 0.
        label: label of the result; defaults to ``None``.
    """

    expression: str
    metrics: Mapping[str, MetricSpec | cloudwatch.Metric]
    target_value: float
    label: str | None = None

    def __post_init__(self) -> None:
        converted = {key: as_metric_spec(value) for key, value in self.metrics.items()}
        object.__setattr__(self, "metrics", converted)
        problems = Problems("MetricMathPolicy")
        expression = self.expression
        if not is_token(expression) and not (isinstance(expression, str) and 0 < len(expression) <= 2048):
            problems.add("expression", self.expression, "a metric math expression of 1 to 2048 characters")
        if not converted:
            problems.add("metrics", {}, "at least one metric the expression uses")
        for query_id in converted:
            if query_id == MATH_RESULT_ID or not QUERY_ID_PATTERN.match(query_id):
                problems.add(
                    f"metrics[{query_id!r}]",
                    query_id,
                    f"an id of a lowercase letter then letters, digits and underscores, other than {MATH_RESULT_ID!r}",
                )
        check_positive(problems, "target_value", self.target_value)
        self._check_options(problems)
        problems.raise_if_any()

    @property
    def construct_id(self) -> str:
        """``name``, or ``"MetricMath"``."""
        return self._id("MetricMath")

    @property
    def metric_key(self) -> tuple[str, ...]:
        """The expression and the metrics it uses."""
        return ("math", self.expression, *sorted(f"{k}={v.key}" for k, v in self.metric_specs.items()))

    @property
    def metric_specs(self) -> dict[str, MetricSpec]:
        """The metrics, as :class:`MetricSpec` values by id."""
        return {key: as_metric_spec(value) for key, value in self.metrics.items()}

    def advisories(self) -> list[tuple[str, str]]:
        """Warnings about each metric used."""
        return [advisory for metric in self.metric_specs.values() for advisory in metric.advisories()]

    def emitted_target(self, context: ScalingContext) -> Any:
        """The target as given."""
        return self.target_value

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The ``Metrics`` list: each metric, then the returned expression."""
        queries = [
            _Cfn.TargetTrackingMetricDataQueryProperty(
                id=query_id,
                return_data=False,
                metric_stat=_Cfn.TargetTrackingMetricStatProperty(
                    metric=_Cfn.TargetTrackingMetricProperty(
                        metric_name=metric.metric_name,
                        namespace=metric.namespace,
                        dimensions=[
                            _Cfn.TargetTrackingMetricDimensionProperty(name=k, value=v)
                            for k, v in metric.dimensions_for(
                                endpoint_name=context.endpoint_name, variant_name=context.variant_name
                            ).items()
                        ],
                    ),
                    stat=metric.statistic,
                    unit=metric.unit,
                ),
            )
            for query_id, metric in self.metric_specs.items()
        ]
        result = _Cfn.TargetTrackingMetricDataQueryProperty(
            id=MATH_RESULT_ID, expression=self.expression, label=self.label, return_data=True
        )
        specification = _Cfn.CustomizedMetricSpecificationProperty(metrics=[*queries, result])
        return {"customized_metric_specification": specification}


@dataclass(frozen=True, kw_only=True)
class HighResolutionConcurrencyPolicy(TargetTrackingOptions):
    """Track ``SageMakerVariantConcurrentRequestsPerModelHighResolution`` (opt-in).

    A 10-second metric that scales out faster than invocations per instance. AWS does not
    document it for multi-model endpoints, so using it adds a warning annotation. Also takes
    the :class:`TargetTrackingOptions`.

    Args:
        target_concurrent_requests: concurrent requests per model to hold, > 0.
    """

    target_concurrent_requests: float

    def __post_init__(self) -> None:
        problems = Problems("HighResolutionConcurrencyPolicy")
        check_positive(problems, "target_concurrent_requests", self.target_concurrent_requests)
        self._check_options(problems)
        problems.raise_if_any()

    @property
    def construct_id(self) -> str:
        """``name``, or ``"ConcurrentRequestsPerModel"``."""
        return self._id("ConcurrentRequestsPerModel")

    @property
    def metric_key(self) -> tuple[str, ...]:
        """The predefined metric type."""
        return ("predefined", CONCURRENT_REQUESTS_PER_MODEL_METRIC)

    def advisories(self) -> list[tuple[str, str]]:
        """A warning that AWS does not document the metric for multi-model endpoints."""
        return [
            (
                "highResolutionMetricOnMme",
                f"{CONCURRENT_REQUESTS_PER_MODEL_METRIC} is not documented by AWS for multi-model endpoints; "
                "if SageMaker does not publish it for this endpoint the policy never scales. Test it first.",
            )
        ]

    def emitted_target(self, context: ScalingContext) -> Any:
        """The target as given."""
        return self.target_concurrent_requests

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The predefined high-resolution concurrency metric."""
        return _predefined(CONCURRENT_REQUESTS_PER_MODEL_METRIC)

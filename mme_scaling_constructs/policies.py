"""Target-tracking policy specifications: frozen values that presets compose.

A specification knows which metric it tracks and how to compute its ``TargetValue`` for
an instance type; :class:`~mme_scaling_constructs.scaling.EndpointScaling` turns it into an
``AWS::ApplicationAutoScaling::ScalingPolicy``.

The metric math query types live in :mod:`mme_scaling_constructs.metric_math`; this module
re-exports them.

Every constructor is total: a value of any type either builds the specification or raises
:class:`~mme_scaling_constructs.errors.ConfigurationError` naming the parameter.

Sources: https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints-autoscaling.html,
https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html (metric names and
dimensions; CPU and GPU utilization are summed over devices),
https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html
and botocore's ``application-autoscaling`` model (``TargetTrackingMetricDataQuery``,
``TargetTrackingMetricStat``, ``PolicyName``).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Protocol

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.constants import (
    CONCURRENT_REQUESTS_PER_MODEL_METRIC,
    ENDPOINT_INSTANCE_NAMESPACE,
    INVOCATIONS_PER_INSTANCE_METRIC,
)
from mme_scaling_constructs.errors import ConfigurationError, Problem, Problems
from mme_scaling_constructs.instance_catalogue import InstanceSpec
from mme_scaling_constructs.load_test import DEFAULT_SAFETY_FACTOR, invocations_target
from mme_scaling_constructs.metric_math import EXPRESSION_MAX_LENGTH as EXPRESSION_MAX_LENGTH
from mme_scaling_constructs.metric_math import EXPRESSION_RULE as EXPRESSION_RULE
from mme_scaling_constructs.metric_math import LABEL_RULE as LABEL_RULE
from mme_scaling_constructs.metric_math import QUERY_ID_PATTERN as QUERY_ID_PATTERN
from mme_scaling_constructs.metric_math import QUERY_ID_RULE as QUERY_ID_RULE
from mme_scaling_constructs.metric_math import STATISTIC_PATTERN as STATISTIC_PATTERN
from mme_scaling_constructs.metric_math import STATISTIC_RULE as STATISTIC_RULE
from mme_scaling_constructs.metric_math import ExpressionQuery as ExpressionQuery
from mme_scaling_constructs.metric_math import MetricQuery as MetricQuery
from mme_scaling_constructs.metric_math import Query as Query
from mme_scaling_constructs.metric_math import (
    check_expression,
    check_label,
    check_query_list,
    check_references,
    dimension_properties,
)
from mme_scaling_constructs.metric_math import referenced_ids as referenced_ids
from mme_scaling_constructs.metrics import (
    CPU_UTILIZATION,
    GPU_MEMORY_UTILIZATION,
    GPU_UTILIZATION,
    TARGET_TRACKING_STATISTICS,
    MetricSpec,
    UtilizationMetric,
    as_metric_spec,
    convert_metric,
)
from mme_scaling_constructs.validation import (
    check_bool,
    check_construct_name,
    check_cooldown,
    check_instance_of,
    check_percent,
    check_string,
    check_target_value,
    is_number,
    is_token,
)

#: Default target of the invocations-per-instance policy, from the AWS MME page's example.
DEFAULT_INVOCATIONS_PER_INSTANCE: Final = 70.0
#: Policy names: 1 to 256 printable characters (botocore ``PolicyName``: ``\p{Print}+``, 1 to 256).
POLICY_NAME_PATTERN: Final = re.compile(r"[\x20-\x7e]{1,256}")
POLICY_NAME_RULE: Final = "1 to 256 printable characters"
#: Id of the expression whose result a metric math policy built from ``expression`` tracks.
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

    def context_advisories(self, context: ScalingContext) -> list[tuple[str, str]]:
        """Warnings (id, message) that only show for the variant in ``context``."""
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
        scale_in_cooldown: an ``aws_cdk.Duration`` of whole seconds; defaults to ``None``,
            the preset's cooldown.
        scale_out_cooldown: likewise; defaults to ``None``, the preset's cooldown.
        disable_scale_in: ``True`` or ``False``; defaults to ``False``: the policy also
            removes capacity.
        name: construct id of the policy, 1 to 64 letters and digits; defaults to ``None``,
            a name derived from the metric.
        policy_name: the ``PolicyName``, 1 to 256 printable characters; defaults to ``None``,
            derived from the construct path.
    """

    scale_in_cooldown: Duration | None = None
    scale_out_cooldown: Duration | None = None
    disable_scale_in: bool = False
    name: str | None = None
    policy_name: str | None = None

    def _check_options(self, problems: Problems) -> None:
        check_cooldown(problems, "scale_in_cooldown", self.scale_in_cooldown)
        check_cooldown(problems, "scale_out_cooldown", self.scale_out_cooldown)
        check_bool(problems, "disable_scale_in", self.disable_scale_in)
        check_construct_name(problems, "name", self.name)
        check_string(
            problems,
            "policy_name",
            self.policy_name,
            pattern=POLICY_NAME_PATTERN,
            max_length=256,
            rule=POLICY_NAME_RULE,
            optional=True,
        )

    def _id(self, default: str) -> str:
        return default if self.name is None else self.name

    def advisories(self) -> list[tuple[str, str]]:
        """None by default."""
        return []

    def context_advisories(self, context: ScalingContext) -> list[tuple[str, str]]:
        """None by default: the advice does not depend on the instance type."""
        return []

    def context_problems(self, context: ScalingContext, parameter: str) -> list[Problem]:
        """None by default: the target does not depend on the instance type."""
        return []


#: The option names :meth:`InvocationsPerInstancePolicy.from_load_test` passes on.
OPTION_NAMES: Final = tuple(f.name for f in dataclasses.fields(TargetTrackingOptions))


def _percent_metric(metric_name: Any) -> MetricSpec:
    """The ``Percent`` metric spec of ``metric_name``; made once per name, specs being immutable.

    Raises:
        ConfigurationError: if ``metric_name`` is not a CloudWatch metric name.
    """
    if type(metric_name) is str:
        return _percent_metric_of_name(metric_name)
    return MetricSpec(metric_name=metric_name, unit="Percent")


@functools.lru_cache(maxsize=64)
def _percent_metric_of_name(metric_name: str) -> MetricSpec:
    return MetricSpec(metric_name=metric_name, unit="Percent")


def _customized(metric: MetricSpec, context: ScalingContext) -> dict[str, Any]:
    return {
        "customized_metric_specification": _Cfn.CustomizedMetricSpecificationProperty(
            metric_name=metric.metric_name,
            namespace=metric.namespace,
            dimensions=dimension_properties(metric, context, _Cfn.MetricDimensionProperty),
            statistic=metric.statistic,
            unit=metric.unit,
        )
    }


@dataclass(frozen=True, kw_only=True)
class _PredefinedMetricPolicy(TargetTrackingOptions):
    """A policy that tracks one of Application Auto Scaling's predefined SageMaker metrics."""

    #: The ``PredefinedMetricType``.
    _METRIC_TYPE: ClassVar[str]
    #: The construct id when ``name`` is not given.
    _DEFAULT_ID: ClassVar[str]

    @property
    def construct_id(self) -> str:
        """``name``, or the policy's default id (``InvocationsPerInstance``, ``ConcurrentRequestsPerModel``)."""
        return self._id(self._DEFAULT_ID)

    @property
    def metric_key(self) -> tuple[str, ...]:
        """The predefined metric type."""
        return ("predefined", self._METRIC_TYPE)

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The predefined metric."""
        return {
            "predefined_metric_specification": _Cfn.PredefinedMetricSpecificationProperty(
                predefined_metric_type=self._METRIC_TYPE
            )
        }


@dataclass(frozen=True, kw_only=True)
class InvocationsPerInstancePolicy(_PredefinedMetricPolicy):
    """Track ``SageMakerVariantInvocationsPerInstance``, the metric AWS recommends for MMEs.

    The metric is the average number of invocations per minute per instance, summed over
    every model the endpoint serves.

    Also takes the :class:`TargetTrackingOptions`.

    Args:
        target_invocations_per_minute: invocations per instance per minute to hold, from
            2^-360 to 2^360. Defaults to 70, the AWS example; derive yours from a load test
            with :meth:`from_load_test`.
    """

    target_invocations_per_minute: float = DEFAULT_INVOCATIONS_PER_INSTANCE

    _METRIC_TYPE: ClassVar[str] = INVOCATIONS_PER_INSTANCE_METRIC
    _DEFAULT_ID: ClassVar[str] = "InvocationsPerInstance"

    def __post_init__(self) -> None:
        problems = Problems("InvocationsPerInstancePolicy")
        check_target_value(problems, "target_invocations_per_minute", self.target_invocations_per_minute)
        self._check_options(problems)
        problems.raise_if_any()

    @classmethod
    def from_load_test(
        cls, *, max_requests_per_second: float, safety_factor: float = DEFAULT_SAFETY_FACTOR, **options: Any
    ) -> InvocationsPerInstancePolicy:
        """A policy whose target is ``max_requests_per_second x safety_factor x 60``.

        Args:
            max_requests_per_second: the highest rate one instance sustained in a load test, > 0.
            safety_factor: share of that rate to aim for, in (0, 1]; defaults to 0.5.
            options: the :class:`TargetTrackingOptions` (cooldowns, ``disable_scale_in``,
                ``name``, ``policy_name``); no other keyword.

        Raises:
            ConfigurationError: naming each invalid argument or unknown option.
        """
        problems = Problems("InvocationsPerInstancePolicy.from_load_test")
        for option in options:
            if option not in OPTION_NAMES:
                problems.add(option, options[option], f"one of the options {', '.join(OPTION_NAMES)}")
        target: Any = None
        try:
            target = invocations_target(max_requests_per_second=max_requests_per_second, safety_factor=safety_factor)
        except ConfigurationError as error:
            problems.extend(list(error.problems))
        problems.raise_if_any()
        return cls(target_invocations_per_minute=target, **options)

    def emitted_target(self, context: ScalingContext) -> Any:
        """The target as given: invocations are already per instance."""
        return self.target_invocations_per_minute


#: The utilization metrics :class:`UtilizationPolicy` knows by name.
_UTILIZATION_RULE: Final = (
    "a UtilizationMetric such as CPU_UTILIZATION, GPU_UTILIZATION, MEMORY_UTILIZATION, "
    "GPU_MEMORY_UTILIZATION or DISK_UTILIZATION"
)


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
        metric_ok = check_instance_of(problems, "metric", self.metric, UtilizationMetric, _UTILIZATION_RULE)
        if metric_ok:
            try:
                _percent_metric(self.metric.metric_name)
            except ConfigurationError:
                problems.add("metric", self.metric, _UTILIZATION_RULE)
                metric_ok = False
        per = (
            (self.metric.device or "instance") if metric_ok and isinstance(self.metric.device, str | None) else "device"
        )
        if check_percent(problems, "target_percent", self.target_percent, per):
            check_target_value(problems, "target_percent", self.target_percent, f"percent per {per}")
        self._check_options(problems)
        problems.raise_if_any()

    @property
    def _metric_spec(self) -> MetricSpec:
        return _percent_metric(self.metric.metric_name)

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


#: Device-summed metrics of ``/aws/sagemaker/Endpoints``, by name, with the constant that
#: gives their target per device.
_SUMMED_METRICS: Final = {
    CPU_UTILIZATION.metric_name: (CPU_UTILIZATION, "CPU_UTILIZATION"),
    GPU_UTILIZATION.metric_name: (GPU_UTILIZATION, "GPU_UTILIZATION"),
    GPU_MEMORY_UTILIZATION.metric_name: (GPU_MEMORY_UTILIZATION, "GPU_MEMORY_UTILIZATION"),
}


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
        target_value: the value to hold, from 2^-360 to 2^360, in the metric's own scale
            (not per device).
    """

    metric: MetricSpec | cloudwatch.Metric
    target_value: float

    def __post_init__(self) -> None:
        problems = Problems("CustomMetricPolicy")
        metric = convert_metric(problems, "metric", self.metric)
        if metric is not None:
            object.__setattr__(self, "metric", metric)
        check_target_value(problems, "target_value", self.target_value)
        self._check_options(problems)
        problems.raise_if_any()

    @property
    def construct_id(self) -> str:
        """``name``, or the metric name stripped to letters and digits."""
        return self._id(re.sub(r"[^A-Za-z0-9]", "", self.metric_spec.metric_name) or "CustomMetric")

    @property
    def metric_spec(self) -> MetricSpec:
        """The tracked metric, as a :class:`MetricSpec` (converted at construction)."""
        return as_metric_spec(self.metric)

    @property
    def metric_key(self) -> tuple[str, ...]:
        """Namespace and metric name."""
        return self.metric_spec.key

    def advisories(self) -> list[tuple[str, str]]:
        """Warnings for capacity-independent metrics and ``ModelName`` dimensions."""
        return self.metric_spec.advisories()

    def context_advisories(self, context: ScalingContext) -> list[tuple[str, str]]:
        """A warning when the metric is summed over the instance's several vCPUs or GPUs.

        ``CPUUtilization`` ranges from 0 to 100 x vCPUs and ``GPUUtilization`` and
        ``GPUMemoryUtilization`` from 0 to 100 x GPUs, so a target written as a percentage
        means less per device than it reads.
        """
        metric = self.metric_spec
        summed = _SUMMED_METRICS.get(metric.metric_name)
        if summed is None or metric.namespace != ENDPOINT_INSTANCE_NAMESPACE or context.instance is None:
            return []
        utilization, constant = summed
        devices = utilization.devices(context.instance)
        if devices <= 1 or not is_number(self.target_value) or is_token(self.target_value):
            return []
        return [
            (
                "targetSummedOverDevices",
                f"{metric.metric_name} is summed over the {devices} {utilization.device}s of "
                f"{context.instance.instance_type} (0 to {100 * devices} %), so target_value "
                f"{self.target_value:g} means {self.target_value / devices:g} % per {utilization.device}. "
                f"To give the target per {utilization.device}, use "
                f"UtilizationPolicy(metric={constant}, target_percent=...).",
            )
        ]

    def emitted_target(self, context: ScalingContext) -> Any:
        """The target as given."""
        return self.target_value

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The customized metric."""
        return _customized(self.metric_spec, context)


@dataclass(frozen=True, kw_only=True)
class MetricMathPolicy(TargetTrackingOptions):
    """Track the result of metric math (``CustomizedMetricSpecification.Metrics``).

    The CDK L2 policy rejects math expressions, so this renders the L1 ``Metrics`` list.
    Give either ``expression`` and ``metrics`` (one query per metric, not returned, then the
    expression, returned, with id ``result``), or the whole list as ``queries``: metric
    queries with any statistic (percentiles included), intermediate expressions, labels,
    and exactly one query that returns data. Also takes the :class:`TargetTrackingOptions`.

    Args:
        target_value: the value of the tracked query to hold, from 2^-360 to 2^360.
        expression: the metric math expression over the metric ids, e.g. ``"m1 / m2"``; it
            must yield a single time series. Defaults to ``None``; required without ``queries``.
        metrics: metric id (a lowercase letter, then letters, digits, ``_``; not ``result``)
            to metric (a :class:`MetricSpec` or a CDK ``cloudwatch.Metric`` with Average,
            Minimum, Maximum, SampleCount or Sum). Defaults to ``None``; required without
            ``queries``.
        label: label of the result of ``expression``; defaults to ``None``.
        queries: the ``Metrics`` list, in order, as :class:`MetricQuery` and
            :class:`ExpressionQuery` values; defaults to ``()``: built from ``expression``
            and ``metrics``. Ids are unique; expressions refer only to other queries' ids;
            exactly one query returns data, an expression when the list has any.

    Raises:
        ConfigurationError: naming each invalid argument.
    """

    target_value: float
    expression: str | None = None
    metrics: Mapping[str, MetricSpec | cloudwatch.Metric] | None = None
    label: str | None = None
    queries: Sequence[Query] = ()

    def __post_init__(self) -> None:
        problems = Problems("MetricMathPolicy")
        if not isinstance(self.queries, (list, tuple)):
            problems.add("queries", self.queries, "a tuple of MetricQuery and ExpressionQuery values, or ()")
        elif self.queries:
            self._check_queries(problems)
        else:
            object.__setattr__(self, "queries", ())
            self._check_shorthand(problems)
        check_target_value(problems, "target_value", self.target_value)
        self._check_options(problems)
        problems.raise_if_any()

    def _check_queries(self, problems: Problems) -> None:
        for parameter in ("expression", "metrics", "label"):
            if getattr(self, parameter) is not None:
                problems.add(parameter, getattr(self, parameter), "None when queries are given")
        queries = tuple(self.queries)
        valid = True
        for index, query in enumerate(queries):
            if not isinstance(query, (MetricQuery, ExpressionQuery)):
                problems.add(f"queries[{index}]", query, "a MetricQuery or an ExpressionQuery")
                valid = False
        if valid:
            object.__setattr__(self, "queries", queries)
            check_query_list(problems, queries, "queries")

    def _check_shorthand(self, problems: Problems) -> None:
        expression = self.expression
        check_expression(problems, "expression", expression)
        check_label(problems, self.label)
        metrics = self.metrics
        if not isinstance(metrics, Mapping) or not metrics:
            problems.add("metrics", metrics, "a mapping of at least one metric id to a MetricSpec or cloudwatch.Metric")
            return
        converted: dict[str, MetricSpec] = {}
        for key, value in metrics.items():
            parameter = f"metrics[{key!r}]"
            if not isinstance(key, str) or key == MATH_RESULT_ID or not QUERY_ID_PATTERN.fullmatch(key):
                problems.add(
                    parameter,
                    key,
                    f"an id of a lowercase letter then letters, digits and underscores, other than {MATH_RESULT_ID!r}",
                )
                continue
            if (
                isinstance(value, cloudwatch.Metric)
                and not is_token(value.statistic)
                and value.statistic not in TARGET_TRACKING_STATISTICS
            ):
                problems.add(
                    parameter,
                    value.statistic,
                    f"a metric with statistic {', '.join(TARGET_TRACKING_STATISTICS)}; for another statistic "
                    "(a percentile such as p99) give queries=(MetricQuery(id=..., metric=..., stat='p99'), ...)",
                )
                continue
            metric = convert_metric(problems, parameter, value)
            if metric is not None:
                converted[key] = metric
        if len(converted) == len(metrics):
            object.__setattr__(self, "metrics", converted)
            if isinstance(expression, str) and not is_token(expression):
                check_references(problems, "expression", expression, MATH_RESULT_ID, set(converted))

    @property
    def all_queries(self) -> tuple[Query, ...]:
        """The whole ``Metrics`` list, whichever arguments built the policy."""
        if self.queries:
            return tuple(self.queries)
        assert self.expression is not None and self.metrics is not None  # checked at construction
        metrics: tuple[Query, ...] = tuple(
            MetricQuery(id=query_id, metric=metric) for query_id, metric in self.metrics.items()
        )
        result = ExpressionQuery(id=MATH_RESULT_ID, expression=self.expression, label=self.label, return_data=True)
        return (*metrics, result)

    @property
    def construct_id(self) -> str:
        """``name``, or ``"MetricMath"``."""
        return self._id("MetricMath")

    @property
    def metric_key(self) -> tuple[str, ...]:
        """The queries: what each reads or computes."""
        return ("math", *(query.key for query in self.all_queries))

    @property
    def metric_specs(self) -> dict[str, MetricSpec]:
        """The metrics of the metric queries, as :class:`MetricSpec` values by id."""
        return {query.id: query.metric_spec for query in self.all_queries if isinstance(query, MetricQuery)}

    def advisories(self) -> list[tuple[str, str]]:
        """Warnings about each metric used."""
        return [advisory for metric in self.metric_specs.values() for advisory in metric.advisories()]

    def emitted_target(self, context: ScalingContext) -> Any:
        """The target as given."""
        return self.target_value

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The ``Metrics`` list, in order."""
        queries = [query.properties(context) for query in self.all_queries]
        return {"customized_metric_specification": _Cfn.CustomizedMetricSpecificationProperty(metrics=queries)}


@dataclass(frozen=True, kw_only=True)
class HighResolutionConcurrencyPolicy(_PredefinedMetricPolicy):
    """Track ``SageMakerVariantConcurrentRequestsPerModelHighResolution`` (opt-in).

    A 10-second metric that scales out faster than invocations per instance. AWS does not
    document it for multi-model endpoints, so using it adds a warning annotation. Also takes
    the :class:`TargetTrackingOptions`.

    Args:
        target_concurrent_requests: concurrent requests per model to hold, from 2^-360 to 2^360.
    """

    target_concurrent_requests: float

    _METRIC_TYPE: ClassVar[str] = CONCURRENT_REQUESTS_PER_MODEL_METRIC
    _DEFAULT_ID: ClassVar[str] = "ConcurrentRequestsPerModel"

    def __post_init__(self) -> None:
        problems = Problems("HighResolutionConcurrencyPolicy")
        check_target_value(problems, "target_concurrent_requests", self.target_concurrent_requests)
        self._check_options(problems)
        problems.raise_if_any()

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

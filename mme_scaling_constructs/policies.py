"""Target-tracking policy specifications: frozen values that presets compose.

A specification knows which metric it tracks and how to compute its ``TargetValue`` for
an instance type; :class:`~mme_scaling_constructs.scaling.EndpointScaling` turns it into an
``AWS::ApplicationAutoScaling::ScalingPolicy``.

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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeAlias

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.constants import (
    CONCURRENT_REQUESTS_PER_MODEL_METRIC,
    DEFAULT_STATISTIC,
    ENDPOINT_INSTANCE_NAMESPACE,
    INVOCATIONS_PER_INSTANCE_METRIC,
)
from mme_scaling_constructs.errors import ConfigurationError, Problem, Problems
from mme_scaling_constructs.instance_catalogue import InstanceSpec
from mme_scaling_constructs.load_test import DEFAULT_SAFETY_FACTOR, invocations_target
from mme_scaling_constructs.metrics import (
    CPU_UTILIZATION,
    GPU_MEMORY_UTILIZATION,
    GPU_UTILIZATION,
    TARGET_TRACKING_STATISTICS,
    MetricSpec,
    UtilizationMetric,
    convert_metric,
)
from mme_scaling_constructs.validation import (
    TEXT_PATTERN,
    TEXT_RULE,
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
#: Metric math query ids: a lowercase letter, then letters, digits and underscores, 1 to 255
#: characters in all (botocore ``TargetTrackingMetricDataQuery.Id``). ``result`` is one.
QUERY_ID_PATTERN: Final = re.compile(r"[a-z][a-zA-Z0-9_]{0,254}")
QUERY_ID_RULE: Final = "1 to 255 letters, digits and underscores, starting with a lowercase letter"
#: Id of the expression whose result a metric math policy built from ``expression`` tracks.
MATH_RESULT_ID: Final = "result"
#: Longest metric math expression (botocore ``Expression``).
EXPRESSION_MAX_LENGTH: Final = 2048
EXPRESSION_RULE: Final = f"a metric math expression of 1 to {EXPRESSION_MAX_LENGTH} characters"
#: Labels: any such text, the empty one included (botocore ``XmlString`` has no length limit).
LABEL_RULE: Final = f"{TEXT_RULE}, or None"

_PERCENT = r"(?:100(?:\.0{1,10})?|\d{1,2}(?:\.\d{1,10})?)%"
_ABSOLUTE = r"\d+(?:\.\d{1,10})?"
_SINGLE = r"(?:100(?:\.0{1,10})?|\d{1,2}(?:\.\d{1,10})?)"
#: CloudWatch statistics, extended ones included, in the forms CloudWatch documents:
#: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
STATISTIC_PATTERN: Final = re.compile(
    rf"SampleCount|Average|Sum|Minimum|Maximum|IQM"
    rf"|(?:p|tm|wm|tc|ts){_SINGLE}"
    rf"|(?:TM|WM|TC|TS|PR)\((?:{_PERCENT}:{_PERCENT}|{_PERCENT}:|:{_PERCENT}"
    rf"|{_ABSOLUTE}:{_ABSOLUTE}|{_ABSOLUTE}:|:{_ABSOLUTE})\)"
)
STATISTIC_RULE: Final = (
    "a CloudWatch statistic: SampleCount, Average, Sum, Minimum, Maximum, IQM, or an extended one "
    "such as p99, tm90, wm90, tc90, ts90, TM(10%:90%) or PR(:300)"
)
#: Identifiers in a metric math expression that name queries: functions and keywords are
#: upper case, numbers and quoted strings are skipped.
_EXPRESSION_ID = re.compile(r"(?<![\w.])[a-z][A-Za-z0-9_]*")
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")

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


def _dimension_properties(metric: MetricSpec, context: ScalingContext, kind: Any) -> list[Any] | None:
    """The metric's dimensions for the variant as L1 properties; ``None`` when it has none."""
    dimensions = metric.dimensions_for(endpoint_name=context.endpoint_name, variant_name=context.variant_name)
    return [kind(name=k, value=v) for k, v in dimensions.items()] or None


def _customized(metric: MetricSpec, context: ScalingContext) -> dict[str, Any]:
    return {
        "customized_metric_specification": _Cfn.CustomizedMetricSpecificationProperty(
            metric_name=metric.metric_name,
            namespace=metric.namespace,
            dimensions=_dimension_properties(metric, context, _Cfn.MetricDimensionProperty),
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
        target_invocations_per_minute: invocations per instance per minute to hold, from
            2^-360 to 2^360. Defaults to 70, the AWS example; derive yours from a load test
            with :meth:`from_load_test`.
    """

    target_invocations_per_minute: float = DEFAULT_INVOCATIONS_PER_INSTANCE

    def __post_init__(self) -> None:
        problems = Problems("InvocationsPerInstancePolicy")
        check_target_value(problems, "target_invocations_per_minute", self.target_invocations_per_minute)
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

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The predefined ``SageMakerVariantInvocationsPerInstance`` metric."""
        return _predefined(INVOCATIONS_PER_INSTANCE_METRIC)


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
                MetricSpec(metric_name=self.metric.metric_name, unit="Percent")
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
        """The tracked metric, as a :class:`MetricSpec`."""
        metric = self.metric
        assert isinstance(metric, MetricSpec)  # converted at construction
        return metric

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


def _check_text(
    problems: Problems, parameter: str, value: Any, *, max_length: int, rule: str, optional: bool = False
) -> None:
    """Record a problem unless ``value`` is text a template can carry, 1 to ``max_length`` long (or a token)."""
    check_string(
        problems,
        parameter,
        value,
        pattern=TEXT_PATTERN,
        max_length=max_length,
        rule=rule,
        optional=optional,
    )


def _check_label(problems: Problems, value: Any) -> None:
    if value is not None and not is_token(value) and not (isinstance(value, str) and TEXT_PATTERN.fullmatch(value)):
        problems.add("label", value, LABEL_RULE)


def _check_query_id(problems: Problems, parameter: str, value: Any) -> None:
    check_string(problems, parameter, value, pattern=QUERY_ID_PATTERN, max_length=255, rule=QUERY_ID_RULE)


def _check_return_data(problems: Problems, value: Any) -> None:
    if value is not None:
        check_bool(problems, "return_data", value)


@dataclass(frozen=True, kw_only=True)
class MetricQuery:
    """A metric in a metric math policy's ``Metrics`` list (a ``MetricStat`` query).

    Args:
        id: the id expressions use to refer to the metric: 1 to 255 letters, digits and
            underscores, starting with a lowercase letter.
        metric: a :class:`MetricSpec`, or a CDK ``cloudwatch.Metric``, whose statistic (a
            percentile included) becomes ``stat`` when ``stat`` is not given. Without
            dimensions, the scaled variant's ``EndpointName`` and ``VariantName`` are used.
        stat: any CloudWatch statistic, extended ones included (``p99``, ``tm90``,
            ``TM(10%:90%)``...); defaults to ``None``: the metric's statistic.
        unit: a CloudWatch unit name or ``cloudwatch.Unit``; defaults to ``None``: the
            metric's unit (none: any).
        label: a label for the query; defaults to ``None``: none.
        return_data: whether the policy tracks this query, ``True`` for exactly one query of
            the list; defaults to ``False``. ``None`` leaves ``ReturnData`` out, which AWS
            reads as ``True``.

    After construction, ``metric`` is a :class:`MetricSpec` and ``stat`` and ``unit`` are
    resolved.

    Raises:
        ConfigurationError: naming each invalid argument.
    """

    id: str
    metric: MetricSpec | cloudwatch.Metric
    stat: str | None = None
    unit: str | cloudwatch.Unit | None = None
    label: str | None = None
    return_data: bool | None = False

    def __post_init__(self) -> None:
        problems = Problems("MetricQuery")
        _check_query_id(problems, "id", self.id)
        stat = self.stat
        given: Any = self.metric
        if isinstance(given, cloudwatch.Metric):
            statistic = given.statistic
            if stat is None:
                stat = statistic
            if statistic not in TARGET_TRACKING_STATISTICS:
                given = given.with_(statistic=DEFAULT_STATISTIC)
        metric = convert_metric(problems, "metric", given)
        if metric is not None and self.unit is not None:
            metric = _with_unit(problems, metric, self.unit)
        if metric is not None:
            object.__setattr__(self, "metric", metric)
            object.__setattr__(self, "unit", metric.unit)
            if stat is None:
                stat = metric.statistic
        if stat is not None:
            object.__setattr__(self, "stat", stat)
        if (stat is not None or metric is not None) and not _is_statistic(stat):
            problems.add("stat", stat, STATISTIC_RULE)
        _check_label(problems, self.label)
        _check_return_data(problems, self.return_data)
        problems.raise_if_any()

    @property
    def metric_spec(self) -> MetricSpec:
        """The queried metric, as a :class:`MetricSpec`."""
        metric = self.metric
        assert isinstance(metric, MetricSpec)  # converted at construction
        return metric

    @property
    def returns_data(self) -> bool:
        """Whether the policy tracks this query (``return_data`` true or left out)."""
        return self.return_data is not False

    @property
    def key(self) -> str:
        """What the query reads, for telling policies apart."""
        namespace, name = self.metric_spec.key
        return f"{self.id}={namespace}/{name}:{self.stat}"

    def properties(self, context: ScalingContext) -> Any:
        """The L1 ``TargetTrackingMetricDataQuery`` for the variant in ``context``."""
        metric = self.metric_spec
        return _Cfn.TargetTrackingMetricDataQueryProperty(
            id=self.id,
            label=self.label,
            return_data=self.return_data,
            metric_stat=_Cfn.TargetTrackingMetricStatProperty(
                metric=_Cfn.TargetTrackingMetricProperty(
                    metric_name=metric.metric_name,
                    namespace=metric.namespace,
                    dimensions=_dimension_properties(metric, context, _Cfn.TargetTrackingMetricDimensionProperty),
                ),
                stat=self.stat,
                unit=metric.unit,
            ),
        )


def _is_statistic(value: Any) -> bool:
    """Whether ``value`` is a CloudWatch statistic (extended ones included) or a token."""
    return is_token(value) or (isinstance(value, str) and STATISTIC_PATTERN.fullmatch(value) is not None)


def _with_unit(problems: Problems, metric: MetricSpec, unit: Any) -> MetricSpec | None:
    """``metric`` with ``unit``, or ``None`` after recording why ``unit`` is not one."""
    try:
        return dataclasses.replace(metric, unit=unit)
    except ConfigurationError as error:
        for problem in error.problems:
            problems.add(
                "unit" if problem.parameter == "unit" else f"metric.{problem.parameter}", unit, problem.allowed
            )
        return None


@dataclass(frozen=True, kw_only=True)
class ExpressionQuery:
    """A metric math expression in a metric math policy's ``Metrics`` list.

    Args:
        id: the id other expressions use to refer to the result: 1 to 255 letters, digits and
            underscores, starting with a lowercase letter.
        expression: the metric math expression over the other queries' ids, 1 to 2048
            characters, e.g. ``"m1 / m2"``.
        label: a label for the result; defaults to ``None``: none.
        return_data: whether the policy tracks this expression, ``True`` for exactly one
            query of the list; defaults to ``False`` (an intermediate expression). ``None``
            leaves ``ReturnData`` out, which AWS reads as ``True``.

    Raises:
        ConfigurationError: naming each invalid argument.
    """

    id: str
    expression: str
    label: str | None = None
    return_data: bool | None = False

    def __post_init__(self) -> None:
        problems = Problems("ExpressionQuery")
        _check_query_id(problems, "id", self.id)
        _check_text(problems, "expression", self.expression, max_length=EXPRESSION_MAX_LENGTH, rule=EXPRESSION_RULE)
        _check_label(problems, self.label)
        _check_return_data(problems, self.return_data)
        problems.raise_if_any()

    @property
    def returns_data(self) -> bool:
        """Whether the policy tracks this expression (``return_data`` true or left out)."""
        return self.return_data is not False

    @property
    def key(self) -> str:
        """What the query computes, for telling policies apart."""
        return f"{self.id}={self.expression}"

    def properties(self, context: ScalingContext) -> Any:
        """The L1 ``TargetTrackingMetricDataQuery``."""
        return _Cfn.TargetTrackingMetricDataQueryProperty(
            id=self.id, expression=self.expression, label=self.label, return_data=self.return_data
        )


#: A query of a metric math policy.
Query: TypeAlias = MetricQuery | ExpressionQuery


def referenced_ids(expression: str) -> list[str]:
    """The query ids ``expression`` refers to, in order of appearance, without repeats.

    Metric math functions and keywords are upper case; numbers and quoted strings are
    skipped, so every lower-case identifier left names a query.
    """
    found = _EXPRESSION_ID.findall(_QUOTED.sub(" ", expression))
    return list(dict.fromkeys(found))


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
            _check_list(problems, queries, "queries")

    def _check_shorthand(self, problems: Problems) -> None:
        expression = self.expression
        _check_text(problems, "expression", expression, max_length=EXPRESSION_MAX_LENGTH, rule=EXPRESSION_RULE)
        _check_label(problems, self.label)
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
                _check_references(problems, "expression", expression, MATH_RESULT_ID, set(converted))

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


def _check_list(problems: Problems, queries: tuple[Query, ...], parameter: str) -> None:
    """Record problems of a ``Metrics`` list: ids, references, and the one query that returns data."""
    ids = [query.id for query in queries]
    for index, query_id in enumerate(ids):
        if not is_token(query_id) and query_id in ids[:index]:
            problems.add(f"{parameter}[{index}].id", query_id, "an id no other query of the list has")
    for index, query in enumerate(queries):
        if isinstance(query, ExpressionQuery) and not is_token(query.expression):
            _check_references(problems, f"{parameter}[{index}].expression", query.expression, query.id, set(ids))
    returned = [query for query in queries if query.returns_data]
    has_expressions = any(isinstance(query, ExpressionQuery) for query in queries)
    allowed = "exactly one query that returns data (return_data True or None)"
    if has_expressions:
        allowed += ", an expression: the final one, whose value the policy tracks"
    if len(returned) != 1:
        problems.add(parameter, f"{len(returned)} queries returning data", allowed)
    elif has_expressions and not isinstance(returned[0], ExpressionQuery):
        problems.add(parameter, f"metric query {returned[0].id!r} returning data", allowed)


def _check_references(problems: Problems, parameter: str, expression: str, own_id: str, ids: set[str]) -> None:
    missing = [name for name in referenced_ids(expression) if name == own_id or name not in ids]
    if missing:
        problems.add(
            parameter,
            expression,
            f"an expression over the ids of the other queries ({', '.join(sorted(ids - {own_id})) or 'none'}); "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not among them",
        )


@dataclass(frozen=True, kw_only=True)
class HighResolutionConcurrencyPolicy(TargetTrackingOptions):
    """Track ``SageMakerVariantConcurrentRequestsPerModelHighResolution`` (opt-in).

    A 10-second metric that scales out faster than invocations per instance. AWS does not
    document it for multi-model endpoints, so using it adds a warning annotation. Also takes
    the :class:`TargetTrackingOptions`.

    Args:
        target_concurrent_requests: concurrent requests per model to hold, from 2^-360 to 2^360.
    """

    target_concurrent_requests: float

    def __post_init__(self) -> None:
        problems = Problems("HighResolutionConcurrencyPolicy")
        check_target_value(problems, "target_concurrent_requests", self.target_concurrent_requests)
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

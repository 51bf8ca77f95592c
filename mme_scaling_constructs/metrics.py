"""CloudWatch metrics that scaling policies track, and the rules they must follow.

Endpoint variant metrics carry the dimensions ``EndpointName`` and ``VariantName``; a
multi-model endpoint publishes no per-model metrics, so a ``ModelName`` dimension never
receives data. https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.constants import (
    DEFAULT_STATISTIC,
    ENDPOINT_INSTANCE_NAMESPACE,
    ENDPOINT_NAME_DIMENSION,
    MODEL_NAME_DIMENSION,
    VARIANT_NAME_DIMENSION,
)
from mme_scaling_constructs.errors import ConfigurationError, Problems
from mme_scaling_constructs.instance_catalogue import InstanceSpec
from mme_scaling_constructs.validation import TEXT_PATTERN, TEXT_RULE, check_string, is_string_token, is_token

#: Statistics target tracking accepts; percentiles are not among them.
#: https://docs.aws.amazon.com/autoscaling/application/APIReference/API_CustomizedMetricSpecification.html
TARGET_TRACKING_STATISTICS: Final = ("Average", "Minimum", "Maximum", "SampleCount", "Sum")

#: Metrics that do not fall as instances are added on an MME: the model cache fills memory
#: and keeps models loaded by design.
CAPACITY_INDEPENDENT_METRICS: Final = frozenset({"MemoryUtilization", "GPUMemoryUtilization", "LoadedModelCount"})


@dataclass(frozen=True, kw_only=True)
class UtilizationMetric:
    """An instance metric SageMaker publishes in ``/aws/sagemaker/Endpoints``.

    Args:
        metric_name: the CloudWatch metric name.
        device: what the metric is summed over (``"vCPU"`` or ``"GPU"``), or ``None`` when
            it already ranges from 0 to 100 per instance.
    """

    metric_name: str
    device: str | None

    def devices(self, instance: InstanceSpec | None) -> int:
        """How many devices the metric is summed over on ``instance``.

        An unknown (token) instance type counts as one GPU, since every GPU type MMEs
        support has exactly one GPU, and as 0 vCPUs, which validation rejects.
        """
        if self.device == "vCPU":
            return 0 if instance is None else instance.vcpus
        if self.device == "GPU":
            return 1 if instance is None else max(instance.gpus, 1)
        return 1


#: ``CPUUtilization``: 0 to 100 x vCPUs.
CPU_UTILIZATION: Final = UtilizationMetric(metric_name="CPUUtilization", device="vCPU")
#: ``GPUUtilization``: 0 to 100 x GPUs.
GPU_UTILIZATION: Final = UtilizationMetric(metric_name="GPUUtilization", device="GPU")
#: ``MemoryUtilization``: 0 to 100. Does not fall with capacity on an MME.
MEMORY_UTILIZATION: Final = UtilizationMetric(metric_name="MemoryUtilization", device=None)
#: ``GPUMemoryUtilization``: 0 to 100 x GPUs. Does not fall with capacity on an MME.
GPU_MEMORY_UTILIZATION: Final = UtilizationMetric(metric_name="GPUMemoryUtilization", device="GPU")
#: ``DiskUtilization``: 0 to 100.
DISK_UTILIZATION: Final = UtilizationMetric(metric_name="DiskUtilization", device=None)


#: CloudWatch limits on a metric: names and namespaces of 1 to 255 characters (a namespace not
#: starting with ``:``), at most 30 dimensions, dimension values of 1 to 1024 characters.
#: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html
METRIC_NAME_MAX_LENGTH: Final = 255
NAMESPACE_PATTERN: Final = re.compile(rf"(?!:){TEXT_PATTERN.pattern}")
MAX_DIMENSIONS: Final = 30
DIMENSION_VALUE_MAX_LENGTH: Final = 1024
#: Dimensions that always name the scaled variant.
VARIANT_DIMENSIONS: Final = (ENDPOINT_NAME_DIMENSION, VARIANT_NAME_DIMENSION)


@dataclass(frozen=True, kw_only=True)
class MetricSpec:
    """A CloudWatch metric for a scaling policy.

    Args:
        metric_name: the metric name, 1 to 255 characters.
        namespace: defaults to ``/aws/sagemaker/Endpoints`` (instance metrics); invocation
            metrics are in ``AWS/SageMaker``.
        statistic: one of Average, Minimum, Maximum, SampleCount, Sum; defaults to Average.
        unit: the CloudWatch unit name, e.g. ``"Percent"`` (a ``cloudwatch.Unit`` is converted
            to its name); defaults to ``None`` (any).
        dimensions: at most 30 dimension names to values; defaults to ``None``: the scaled
            variant's ``EndpointName`` and ``VariantName``, filled in at synthesis. Given
            ``EndpointName`` and ``VariantName`` values are always replaced by the scaled
            variant's names: a metric of another variant cannot fall as this one scales out.

    Raises:
        ConfigurationError: naming each invalid argument.
    """

    metric_name: str
    namespace: str = ENDPOINT_INSTANCE_NAMESPACE
    statistic: str = DEFAULT_STATISTIC
    unit: str | None = None
    dimensions: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.unit, cloudwatch.Unit):
            object.__setattr__(self, "unit", _unit_names()[self.unit])
        problems = Problems("MetricSpec")
        check_string(
            problems,
            "metric_name",
            self.metric_name,
            pattern=TEXT_PATTERN,
            max_length=METRIC_NAME_MAX_LENGTH,
            rule=f"a CloudWatch metric name of 1 to {METRIC_NAME_MAX_LENGTH} characters ({TEXT_RULE})",
        )
        check_string(
            problems,
            "namespace",
            self.namespace,
            pattern=NAMESPACE_PATTERN,
            max_length=METRIC_NAME_MAX_LENGTH,
            rule=f"a CloudWatch namespace of 1 to {METRIC_NAME_MAX_LENGTH} characters, not starting with ':' "
            f"({TEXT_RULE})",
        )
        if not is_string_token(self.statistic) and self.statistic not in TARGET_TRACKING_STATISTICS:
            problems.add(
                "statistic",
                self.statistic,
                f"one of {', '.join(TARGET_TRACKING_STATISTICS)} (target tracking accepts no percentiles)",
            )
        unit = self.unit
        if (
            unit is not None
            and not is_string_token(unit)
            and not (isinstance(unit, str) and unit in _unit_names().values())
        ):
            problems.add("unit", unit, "a CloudWatch unit name, e.g. 'Percent', 'Count' or 'Microseconds'")
        if self.dimensions is not None:
            dimensions = _check_dimensions(problems, self.dimensions)
            object.__setattr__(self, "dimensions", MappingProxyType(dimensions))
        problems.raise_if_any()

    @classmethod
    def from_cloudwatch(cls, metric: cloudwatch.Metric) -> MetricSpec:
        """The spec of a CDK ``Metric``; with no dimensions, the variant's are used.

        Raises:
            ConfigurationError: if ``metric`` is not a ``cloudwatch.Metric``, or uses what a
                scaling policy cannot (a percentile statistic, for example).
        """
        if not isinstance(metric, cloudwatch.Metric):
            problems = Problems("MetricSpec")
            problems.add("metric", metric, "a MetricSpec or an aws_cloudwatch.Metric (not a math expression)")
            problems.raise_if_any()
        return cls(
            metric_name=metric.metric_name,
            namespace=metric.namespace,
            statistic=metric.statistic,
            unit=metric.unit,  # type: ignore[arg-type]  # converted to its name
            dimensions=dict(metric.dimensions) if metric.dimensions else None,
        )

    def dimensions_for(self, *, endpoint_name: str, variant_name: str) -> dict[str, str]:
        """The dimensions to emit for the variant named by the arguments.

        ``EndpointName`` and ``VariantName`` always carry the variant's names.
        """
        names = {ENDPOINT_NAME_DIMENSION: endpoint_name, VARIANT_NAME_DIMENSION: variant_name}
        if self.dimensions is None:
            return names
        return {key: names.get(key, value) for key, value in self.dimensions.items()}

    @property
    def key(self) -> tuple[str, str]:
        """What makes two policies track the same metric: namespace and name."""
        return (self.namespace, self.metric_name)

    def advisories(self) -> list[tuple[str, str]]:
        """Warnings (id, message) about tracking this metric on a multi-model endpoint."""
        found = []
        if self.metric_name in CAPACITY_INDEPENDENT_METRICS:
            found.append(
                (
                    "metricNotInverseToCapacity",
                    f"{self.metric_name} does not fall as instances are added on a multi-model endpoint "
                    "(its model cache fills memory and keeps models loaded by design), so target tracking "
                    "on it can scale out and never scale in. Use it for alarms instead.",
                )
            )
        if self.dimensions is not None and MODEL_NAME_DIMENSION in self.dimensions:
            found.append(
                (
                    "modelNameDimension",
                    f"{self.metric_name} has a ModelName dimension: multi-model endpoints publish no per-model "
                    "metrics, so the policy would never get data. Use EndpointName and VariantName.",
                )
            )
        return found


def _check_dimensions(problems: Problems, dimensions: Any) -> dict[str, str]:
    """Record problems with a dimension mapping; return it as a plain dict."""
    if is_token(dimensions) or not isinstance(dimensions, Mapping):
        problems.add("dimensions", dimensions, "a mapping of dimension names to values, or None")
        return {}
    if len(dimensions) > MAX_DIMENSIONS:
        problems.add("dimensions", f"{len(dimensions)} dimensions", f"at most {MAX_DIMENSIONS} dimensions")
    for name, value in dimensions.items():
        check_string(
            problems,
            "dimensions",
            name,
            pattern=TEXT_PATTERN,
            max_length=METRIC_NAME_MAX_LENGTH,
            rule=f"dimension names of 1 to {METRIC_NAME_MAX_LENGTH} characters ({TEXT_RULE})",
        )
        check_string(
            problems,
            f"dimensions[{name!r}]",
            value,
            pattern=TEXT_PATTERN,
            max_length=DIMENSION_VALUE_MAX_LENGTH,
            rule=f"a dimension value of 1 to {DIMENSION_VALUE_MAX_LENGTH} characters ({TEXT_RULE})",
        )
    return dict(dimensions)


def convert_metric(problems: Problems, parameter: str, metric: Any) -> MetricSpec | None:
    """``metric`` as a :class:`MetricSpec`, or ``None`` after recording why it is not one.

    Problems of the metric are recorded with their parameter prefixed by ``parameter``.
    """
    try:
        return as_metric_spec(metric)
    except ConfigurationError as error:
        for problem in error.problems:
            prefixed = parameter if problem.parameter == "metric" else f"{parameter}.{problem.parameter}"
            problems.add(prefixed, problem.value, problem.allowed)
        return None


def as_metric_spec(metric: MetricSpec | cloudwatch.Metric) -> MetricSpec:
    """``metric`` as a :class:`MetricSpec`, converting a CDK ``Metric``.

    Raises:
        ConfigurationError: if ``metric`` is neither.
    """
    return metric if isinstance(metric, MetricSpec) else MetricSpec.from_cloudwatch(metric)


@functools.cache
def _unit_names() -> dict[cloudwatch.Unit, str]:
    """CloudWatch unit names by CDK enum member (jsii exposes only the member names)."""
    resolver = cdk.Stack()
    return {unit: str(resolver.resolve(unit)) for unit in cloudwatch.Unit}


def cloudwatch_unit(name: str) -> cloudwatch.Unit:
    """The CDK unit whose CloudWatch name is ``name``, e.g. ``"Percent"``.

    Raises:
        ValueError: for a name CloudWatch does not have.
    """
    for unit, unit_name in _unit_names().items():
        if unit_name == name:
            return unit
    raise ValueError(f"unit: got {name!r}; allowed: one of {', '.join(sorted(_unit_names().values()))}")

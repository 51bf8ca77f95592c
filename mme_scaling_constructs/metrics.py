"""CloudWatch metrics that scaling policies track, and the rules they must follow.

Endpoint variant metrics carry the dimensions ``EndpointName`` and ``VariantName``; a
multi-model endpoint publishes no per-model metrics, so a ``ModelName`` dimension never
receives data. https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.constants import (
    DEFAULT_STATISTIC,
    ENDPOINT_INSTANCE_NAMESPACE,
    ENDPOINT_NAME_DIMENSION,
    MODEL_NAME_DIMENSION,
    VARIANT_NAME_DIMENSION,
)
from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.instance_catalogue import InstanceSpec
from mme_scaling_constructs.validation import is_token

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


@dataclass(frozen=True, kw_only=True)
class MetricSpec:
    """A CloudWatch metric for a scaling policy.

    Args:
        metric_name: the metric name.
        namespace: defaults to ``/aws/sagemaker/Endpoints`` (instance metrics); invocation
            metrics are in ``AWS/SageMaker``.
        statistic: one of Average, Minimum, Maximum, SampleCount, Sum; defaults to Average.
        unit: the CloudWatch unit name, e.g. ``"Percent"``; defaults to ``None`` (any).
        dimensions: defaults to ``None``: the scaled variant's ``EndpointName`` and
            ``VariantName``, filled in at synthesis.
    """

    metric_name: str
    namespace: str = ENDPOINT_INSTANCE_NAMESPACE
    statistic: str = DEFAULT_STATISTIC
    unit: str | None = None
    dimensions: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        problems = Problems("MetricSpec")
        if not is_token(self.statistic) and self.statistic not in TARGET_TRACKING_STATISTICS:
            problems.add(
                "statistic",
                self.statistic,
                f"one of {', '.join(TARGET_TRACKING_STATISTICS)} (target tracking accepts no percentiles)",
            )
        if not self.metric_name:
            problems.add("metric_name", self.metric_name, "a non-empty CloudWatch metric name")
        if not self.namespace:
            problems.add("namespace", self.namespace, "a non-empty CloudWatch namespace")
        if self.unit is not None and not is_token(self.unit) and self.unit not in _unit_names().values():
            problems.add("unit", self.unit, "a CloudWatch unit name, e.g. 'Percent', 'Count' or 'Microseconds'")
        problems.raise_if_any()

    @classmethod
    def from_cloudwatch(cls, metric: cloudwatch.Metric) -> MetricSpec:
        """The spec of a CDK ``Metric``; with no dimensions, the variant's are used."""
        return cls(
            metric_name=metric.metric_name,
            namespace=metric.namespace,
            statistic=metric.statistic,
            unit=None if metric.unit is None else _unit_names()[metric.unit],
            dimensions=dict(metric.dimensions) if metric.dimensions else None,
        )

    def dimensions_for(self, *, endpoint_name: str, variant_name: str) -> dict[str, str]:
        """The dimensions to emit for the variant named by the arguments."""
        if self.dimensions is not None:
            return dict(self.dimensions)
        return {ENDPOINT_NAME_DIMENSION: endpoint_name, VARIANT_NAME_DIMENSION: variant_name}

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


def as_metric_spec(metric: MetricSpec | cloudwatch.Metric) -> MetricSpec:
    """``metric`` as a :class:`MetricSpec`, converting a CDK ``Metric``."""
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

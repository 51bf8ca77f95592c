"""Target-tracking policy specifications: frozen values that presets compose.

A specification knows which metric it tracks and how to compute its ``TargetValue`` for
an instance type; :class:`~mme_scaling_constructs.scaling.EndpointScaling` turns it into an
``AWS::ApplicationAutoScaling::ScalingPolicy``.

Sources: https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints-autoscaling.html
and https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html (metric
names, dimensions, and the fact that CPU and GPU utilization are summed over devices).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Protocol

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling

from mme_scaling_constructs.constants import (
    ENDPOINT_INSTANCE_NAMESPACE,
    ENDPOINT_NAME_DIMENSION,
    INVOCATIONS_PER_INSTANCE_METRIC,
    VARIANT_NAME_DIMENSION,
)
from mme_scaling_constructs.errors import Problem, Problems
from mme_scaling_constructs.instance_catalogue import InstanceSpec
from mme_scaling_constructs.validation import check_percent, check_positive, is_token

#: Default target of the invocations-per-instance policy, from the AWS MME page's example.
DEFAULT_INVOCATIONS_PER_INSTANCE: Final = 70.0

#: Default safety factor applied to a load-tested maximum request rate.
DEFAULT_SAFETY_FACTOR: Final = 0.5


@dataclass(frozen=True, kw_only=True)
class ScalingContext:
    """What a policy needs to know about the variant it scales.

    Args:
        endpoint_name: the endpoint's name (a literal or a token).
        variant_name: the production variant's name.
        instance: the catalogue entry of the variant's instance type, or ``None`` when the
            instance type is a token.
    """

    endpoint_name: str
    variant_name: str
    instance: InstanceSpec | None


class TargetTrackingSpec(Protocol):
    """What every target-tracking policy specification provides."""

    @property
    def construct_id(self) -> str:
        """Construct id of the policy; stable, because renaming it replaces the policy."""
        ...

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

    def context_problems(self, context: ScalingContext, parameter: str) -> list[Problem]:
        """Problems that only show for the variant in ``context``; ``parameter`` names the spec."""
        ...

    def target_value(self, context: ScalingContext) -> float:
        """The ``TargetValue`` to emit for the variant in ``context``."""
        ...

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """Keyword arguments of the metric part of the L1 configuration."""
        ...


@dataclass(frozen=True, kw_only=True)
class InvocationsPerInstancePolicy:
    """Track ``SageMakerVariantInvocationsPerInstance``, the metric AWS recommends for MMEs.

    The metric is the average number of invocations per minute per instance, summed over
    every model the endpoint serves.

    Args:
        target_invocations_per_minute: invocations per instance per minute to hold.
            Defaults to 70, the AWS example; derive yours from a load test with
            :meth:`from_load_test`.
        scale_in_cooldown: defaults to ``None``, the preset's cooldown.
        scale_out_cooldown: defaults to ``None``, the preset's cooldown.
        disable_scale_in: defaults to ``False``.
    """

    target_invocations_per_minute: float = DEFAULT_INVOCATIONS_PER_INSTANCE
    scale_in_cooldown: Duration | None = None
    scale_out_cooldown: Duration | None = None
    disable_scale_in: bool = False

    def __post_init__(self) -> None:
        problems = Problems("InvocationsPerInstancePolicy")
        check_positive(problems, "target_invocations_per_minute", self.target_invocations_per_minute)
        problems.raise_if_any()

    @property
    def construct_id(self) -> str:
        """``"InvocationsPerInstance"``."""
        return "InvocationsPerInstance"

    @classmethod
    def from_load_test(
        cls,
        *,
        max_requests_per_second: float,
        safety_factor: float = DEFAULT_SAFETY_FACTOR,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
        disable_scale_in: bool = False,
    ) -> InvocationsPerInstancePolicy:
        """A policy whose target is ``max_requests_per_second x safety_factor x 60``.

        Args:
            max_requests_per_second: the highest rate one instance sustained in a load test.
            safety_factor: share of that rate to aim for, in (0, 1]; defaults to 0.5.
            scale_in_cooldown: defaults to ``None``, the preset's cooldown.
            scale_out_cooldown: defaults to ``None``, the preset's cooldown.
            disable_scale_in: defaults to ``False``.
        """
        return cls(
            target_invocations_per_minute=invocations_target(
                max_requests_per_second=max_requests_per_second, safety_factor=safety_factor
            ),
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
            disable_scale_in=disable_scale_in,
        )

    def context_problems(self, context: ScalingContext, parameter: str) -> list[Problem]:
        """None: the target does not depend on the instance type."""
        return []

    def target_value(self, context: ScalingContext) -> float:
        """The target as given: invocations are already per instance."""
        return self.target_invocations_per_minute

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The predefined ``SageMakerVariantInvocationsPerInstance`` metric."""
        return {
            "predefined_metric_specification": appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty(
                predefined_metric_type=INVOCATIONS_PER_INSTANCE_METRIC
            )
        }


def invocations_target(*, max_requests_per_second: float, safety_factor: float = DEFAULT_SAFETY_FACTOR) -> float:
    """Invocations per instance per minute to target: ``max_rps x safety_factor x 60``.

    Args:
        max_requests_per_second: the highest rate one instance sustained in a load test, > 0.
        safety_factor: share of that rate to aim for, in (0, 1]; defaults to 0.5.

    Raises:
        ConfigurationError: naming each argument out of range.
    """
    problems = Problems("invocations target")
    check_positive(problems, "max_requests_per_second", max_requests_per_second)
    if not isinstance(safety_factor, (int, float)) or isinstance(safety_factor, bool) or not 0 < safety_factor <= 1:
        problems.add("safety_factor", safety_factor, "a number greater than 0 and at most 1")
    problems.raise_if_any()
    return max_requests_per_second * safety_factor * 60


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


@dataclass(frozen=True, kw_only=True)
class UtilizationPolicy:
    """Track an instance utilization metric, with the target given per device.

    The emitted ``TargetValue`` is ``target_percent x devices``: 50 % CPU on a 4-vCPU
    instance is 200, because ``CPUUtilization`` is summed over vCPUs. Dimensions are
    ``EndpointName`` and ``VariantName``; statistic ``Average``; unit ``Percent``.

    Args:
        metric: which metric; e.g. :data:`CPU_UTILIZATION` or :data:`GPU_UTILIZATION`.
        target_percent: utilization per device to hold, in (0, 100].
        scale_in_cooldown: defaults to ``None``, the preset's cooldown.
        scale_out_cooldown: defaults to ``None``, the preset's cooldown.
        disable_scale_in: defaults to ``False``.
    """

    metric: UtilizationMetric
    target_percent: float
    scale_in_cooldown: Duration | None = None
    scale_out_cooldown: Duration | None = None
    disable_scale_in: bool = False

    def __post_init__(self) -> None:
        problems = Problems("UtilizationPolicy")
        check_percent(problems, "target_percent", self.target_percent, self.metric.device or "instance")
        problems.raise_if_any()

    @property
    def construct_id(self) -> str:
        """The metric name, e.g. ``"CPUUtilization"``."""
        return self.metric.metric_name

    def context_problems(self, context: ScalingContext, parameter: str) -> list[Problem]:
        """A vCPU-summed metric needs a literal instance type, and a token target one device."""
        if self.metric.device == "vCPU" and context.instance is None:
            return [
                Problem(
                    parameter="instance_type",
                    value=None,
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

    def target_value(self, context: ScalingContext) -> float:
        """``target_percent`` times the devices the metric is summed over."""
        devices = self.metric.devices(context.instance)
        return self.target_percent if devices == 1 else self.target_percent * devices

    def metric_properties(self, context: ScalingContext) -> dict[str, Any]:
        """The customized metric on the variant's ``EndpointName`` and ``VariantName``."""
        return {
            "customized_metric_specification": appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
                metric_name=self.metric.metric_name,
                namespace=ENDPOINT_INSTANCE_NAMESPACE,
                dimensions=[
                    appscaling.CfnScalingPolicy.MetricDimensionProperty(
                        name=ENDPOINT_NAME_DIMENSION, value=context.endpoint_name
                    ),
                    appscaling.CfnScalingPolicy.MetricDimensionProperty(
                        name=VARIANT_NAME_DIMENSION, value=context.variant_name
                    ),
                ],
                statistic="Average",
                unit="Percent",
            )
        }

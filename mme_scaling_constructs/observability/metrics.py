"""Metric factories: the CloudWatch metrics of one SageMaker endpoint variant.

Every metric carries the dimensions ``EndpointName`` and ``VariantName``; multi-model
endpoints publish no per-model metrics. Names, namespaces, units and statistics are those of
the SageMaker monitoring pages:
https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html (invocation,
multi-model loading and endpoint instance metrics) and
https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoint-cloudwatch-metrics.html.
SageMaker publishes them every minute, so periods are whole minutes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.constants import (
    ENDPOINT_INSTANCE_NAMESPACE,
    ENDPOINT_NAME_DIMENSION,
    INVOCATION_NAMESPACE,
    VARIANT_NAME_DIMENSION,
)
from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.metric_math import LABEL_RULE, STATISTIC_PATTERN, STATISTIC_RULE
from mme_scaling_constructs.metrics import cloudwatch_unit
from mme_scaling_constructs.validation import MAX_INT32, TEXT_PATTERN, is_token

#: Default period in seconds: one minute, the granularity of SageMaker endpoint metrics.
METRIC_PERIOD_SECONDS: Final = 60


@functools.cache
def metric_period() -> Duration:
    """The default period, one ``Duration`` per process, made on first use (importing starts no jsii)."""
    return Duration.seconds(METRIC_PERIOD_SECONDS)


PERIOD_RULE: Final = (
    "an aws_cdk.Duration of whole minutes, at least 1 minute (SageMaker publishes endpoint metrics every minute), "
    "or None"
)


@dataclass(frozen=True, kw_only=True)
class VariantMetricDefinition:
    """What SageMaker documents about one endpoint variant metric.

    Args:
        metric_name: the CloudWatch metric name.
        namespace: ``AWS/SageMaker`` or ``/aws/sagemaker/Endpoints``.
        statistic: the statistic the factory uses unless told otherwise.
        unit: the CloudWatch unit SageMaker publishes it with (``"None"`` for counts).
        description: what it measures, in a few words.
    """

    metric_name: str
    namespace: str
    statistic: str
    unit: str
    description: str


def _invocation(name: str, statistic: str, unit: str, description: str) -> VariantMetricDefinition:
    return VariantMetricDefinition(
        metric_name=name, namespace=INVOCATION_NAMESPACE, statistic=statistic, unit=unit, description=description
    )


def _instance(name: str, statistic: str, unit: str, description: str) -> VariantMetricDefinition:
    return VariantMetricDefinition(
        metric_name=name, namespace=ENDPOINT_INSTANCE_NAMESPACE, statistic=statistic, unit=unit, description=description
    )


#: Invocation metrics (``AWS/SageMaker``).
INVOCATIONS: Final = _invocation("Invocations", "Sum", "None", "InvokeEndpoint requests")
INVOCATIONS_PER_INSTANCE: Final = _invocation(
    "InvocationsPerInstance", "Sum", "None", "invocations normalized by the active instance count"
)
MODEL_LATENCY: Final = _invocation("ModelLatency", "Average", "Microseconds", "time the model took to respond")
OVERHEAD_LATENCY: Final = _invocation("OverheadLatency", "Average", "Microseconds", "time SageMaker added")
INVOCATION_4XX_ERRORS: Final = _invocation("Invocation4XXErrors", "Sum", "None", "requests answered with a 4xx code")
INVOCATION_5XX_ERRORS: Final = _invocation("Invocation5XXErrors", "Sum", "None", "requests answered with a 5xx code")
MODEL_SETUP_TIME: Final = _invocation(
    "ModelSetupTime", "Average", "Microseconds", "time to launch compute for a serverless endpoint"
)
#: Multi-model loading metrics (``AWS/SageMaker``).
MODEL_LOADING_WAIT_TIME: Final = _invocation(
    "ModelLoadingWaitTime", "Average", "Microseconds", "time a request waited for its model to download or load"
)
MODEL_LOADING_TIME: Final = _invocation("ModelLoadingTime", "Average", "Microseconds", "time of the LoadModel call")
MODEL_DOWNLOADING_TIME: Final = _invocation(
    "ModelDownloadingTime", "Average", "Microseconds", "time to download a model from Amazon S3"
)
MODEL_UNLOADING_TIME: Final = _invocation(
    "ModelUnloadingTime", "Average", "Microseconds", "time of the UnloadModel call"
)
MODEL_CACHE_HIT: Final = _invocation(
    "ModelCacheHit", "Average", "None", "requests whose model was already loaded (Average: the hit ratio)"
)
#: Instance metrics (``/aws/sagemaker/Endpoints``).
CPU_UTILIZATION: Final = _instance("CPUUtilization", "Average", "Percent", "CPU use, 0 to 100 x vCPUs")
MEMORY_UTILIZATION: Final = _instance("MemoryUtilization", "Average", "Percent", "memory use, 0 to 100")
DISK_UTILIZATION: Final = _instance("DiskUtilization", "Average", "Percent", "disk use, 0 to 100")
GPU_UTILIZATION: Final = _instance("GPUUtilization", "Average", "Percent", "GPU use, 0 to 100 x GPUs")
GPU_MEMORY_UTILIZATION: Final = _instance(
    "GPUMemoryUtilization", "Average", "Percent", "GPU memory use, 0 to 100 x GPUs"
)
LOADED_MODEL_COUNT: Final = _instance(
    "LoadedModelCount", "Average", "None", "models loaded per instance (Sum: across instances)"
)

#: Every documented metric, in the order the factory methods list them.
VARIANT_METRICS: Final = (
    INVOCATIONS,
    INVOCATIONS_PER_INSTANCE,
    MODEL_LATENCY,
    OVERHEAD_LATENCY,
    INVOCATION_4XX_ERRORS,
    INVOCATION_5XX_ERRORS,
    MODEL_SETUP_TIME,
    CPU_UTILIZATION,
    MEMORY_UTILIZATION,
    DISK_UTILIZATION,
    GPU_UTILIZATION,
    GPU_MEMORY_UTILIZATION,
    MODEL_LOADING_WAIT_TIME,
    MODEL_LOADING_TIME,
    MODEL_DOWNLOADING_TIME,
    MODEL_UNLOADING_TIME,
    MODEL_CACHE_HIT,
    LOADED_MODEL_COUNT,
)

#: Ids of the two metrics in the instance-count expression.
INSTANCE_COUNT_EXPRESSION: Final = "invocations / invocationsPerInstance"
INSTANCE_COUNT_LABEL: Final = "Instances"


def check_period(problems: Problems, parameter: str, period: Any) -> bool:
    """Record a problem unless ``period`` is ``None`` or a literal Duration of whole minutes.

    Returns True when ``period`` is a usable ``Duration``.
    """
    if period is None:
        return False
    if not isinstance(period, Duration) or period.is_unresolved():
        problems.add(parameter, period, PERIOD_RULE)
        return False
    milliseconds = period.to_milliseconds(integral=False)
    if not (milliseconds % 60_000 == 0 and 60_000 <= milliseconds <= MAX_INT32 * 1000):
        problems.add(parameter, period.to_human_string(), PERIOD_RULE)
        return False
    return True


def check_statistic(problems: Problems, parameter: str, statistic: Any) -> None:
    """Record a problem unless ``statistic`` is ``None``, a token or a CloudWatch statistic."""
    if statistic is None or is_token(statistic):
        return
    if not (isinstance(statistic, str) and STATISTIC_PATTERN.fullmatch(statistic)):
        problems.add(parameter, statistic, STATISTIC_RULE)


def check_label(problems: Problems, parameter: str, label: Any) -> None:
    """Record a problem unless ``label`` is ``None``, a token or text a template can carry."""
    if label is None or is_token(label):
        return
    if not (isinstance(label, str) and TEXT_PATTERN.fullmatch(label)):
        problems.add(parameter, label, LABEL_RULE)


def variant_metric(
    definition: VariantMetricDefinition,
    *,
    endpoint_name: str,
    variant_name: str,
    period: Duration | None = None,
    statistic: str | None = None,
    label: str | None = None,
    with_unit: bool = True,
    subject: str = "VariantMetrics",
) -> cloudwatch.Metric:
    """The metric ``definition`` of the variant named by the arguments.

    Args:
        definition: which metric, e.g. :data:`MODEL_LATENCY`.
        endpoint_name: the endpoint's name (a literal or a token).
        variant_name: the variant's name.
        period: whole minutes; defaults to ``None``: one minute.
        statistic: any CloudWatch statistic, e.g. ``"p99"``; defaults to ``None``: the
            definition's.
        label: the legend label; defaults to ``None``: CloudWatch's.
        with_unit: whether the metric carries the documented unit; defaults to ``True``.
            Alarms leave it out, as CloudWatch advises (a unit that is not published leaves the
            alarm in ``INSUFFICIENT_DATA``).
        subject: what the caller is, for error messages.

    Raises:
        ConfigurationError: naming each invalid argument.
    """
    problems = Problems(subject)
    check_period(problems, "period", period)
    check_statistic(problems, "statistic", statistic)
    check_label(problems, "label", label)
    problems.raise_if_any()
    return cloudwatch.Metric(
        namespace=definition.namespace,
        metric_name=definition.metric_name,
        dimensions_map={ENDPOINT_NAME_DIMENSION: endpoint_name, VARIANT_NAME_DIMENSION: variant_name},
        statistic=definition.statistic if statistic is None else statistic,
        unit=cloudwatch_unit(definition.unit) if with_unit else None,
        period=metric_period() if period is None else period,
        label=label,
    )


def instance_count_expression(
    *,
    endpoint_name: str,
    variant_name: str,
    period: Duration | None = None,
    label: str | None = None,
    with_unit: bool = True,
    subject: str = "VariantMetrics",
) -> cloudwatch.MathExpression:
    """The variant's instance count over time: ``Sum(Invocations) / Sum(InvocationsPerInstance)``.

    SageMaker publishes no instance-count metric. For each request it adds 1 to
    ``Invocations`` and ``1/numberOfInstances`` to ``InvocationsPerInstance``, where
    ``numberOfInstances`` is the count of active instances at the time of the request
    (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html), so the
    ratio of their sums is the instance count. It has no value in a minute without requests.

    Args: as :func:`variant_metric`, without ``statistic`` (both sums); ``label`` defaults
    to ``"Instances"``.
    """
    problems = Problems(subject)
    check_period(problems, "period", period)
    check_label(problems, "label", label)
    problems.raise_if_any()
    using = {
        query_id: variant_metric(
            definition, endpoint_name=endpoint_name, variant_name=variant_name, with_unit=with_unit, subject=subject
        )
        for query_id, definition in (("invocations", INVOCATIONS), ("invocationsPerInstance", INVOCATIONS_PER_INSTANCE))
    }
    return cloudwatch.MathExpression(
        expression=INSTANCE_COUNT_EXPRESSION,
        using_metrics=dict(using),
        period=metric_period() if period is None else period,
        label=INSTANCE_COUNT_LABEL if label is None else label,
    )


class VariantMetrics:
    """Named CloudWatch metrics of an endpoint variant, for alarms and dashboards.

    A mixin: the class using it provides ``endpoint_name`` and ``variant_name``. Each method
    returns a ``cloudwatch.Metric`` with dimensions ``EndpointName`` and ``VariantName``, the
    documented namespace, unit and default statistic, and takes:

    Args:
        period: an ``aws_cdk.Duration`` of whole minutes; defaults to ``None``: one minute.
        statistic: any CloudWatch statistic, percentiles included (``"p99"``); defaults to
            ``None``: the statistic the method names.
        label: the legend label; defaults to ``None``: CloudWatch's.

    Raises:
        ConfigurationError: naming each invalid argument.
    """

    endpoint_name: str
    variant_name: str

    def _variant_metric(
        self,
        definition: VariantMetricDefinition,
        period: Duration | None,
        statistic: str | None,
        label: str | None,
    ) -> cloudwatch.Metric:
        return variant_metric(
            definition,
            endpoint_name=self.endpoint_name,
            variant_name=self.variant_name,
            period=period,
            statistic=statistic,
            label=label,
            subject=type(self).__name__,
        )

    def metric_invocations(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``Invocations``: requests to the variant. Sum; unit None."""
        return self._variant_metric(INVOCATIONS, period, statistic, label)

    def metric_invocations_per_instance(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``InvocationsPerInstance``: what the default scaling policy tracks. Sum; unit None."""
        return self._variant_metric(INVOCATIONS_PER_INSTANCE, period, statistic, label)

    def metric_model_latency(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``ModelLatency``. Average; unit Microseconds."""
        return self._variant_metric(MODEL_LATENCY, period, statistic, label)

    def metric_overhead_latency(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``OverheadLatency``. Average; unit Microseconds."""
        return self._variant_metric(OVERHEAD_LATENCY, period, statistic, label)

    def metric_invocation_4xx_errors(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``Invocation4XXErrors``. Sum; unit None (Average: the share of requests)."""
        return self._variant_metric(INVOCATION_4XX_ERRORS, period, statistic, label)

    def metric_invocation_5xx_errors(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``Invocation5XXErrors``. Sum; unit None (Average: the share of requests)."""
        return self._variant_metric(INVOCATION_5XX_ERRORS, period, statistic, label)

    def metric_model_setup_time(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``ModelSetupTime``. Average; unit Microseconds.

        SageMaker documents it for serverless endpoints only; a multi-model endpoint on
        instances may publish nothing.
        """
        return self._variant_metric(MODEL_SETUP_TIME, period, statistic, label)

    def metric_cpu_utilization(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``/aws/sagemaker/Endpoints`` ``CPUUtilization``: 0 to 100 x vCPUs. Average; unit Percent."""
        return self._variant_metric(CPU_UTILIZATION, period, statistic, label)

    def metric_memory_utilization(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``/aws/sagemaker/Endpoints`` ``MemoryUtilization``: 0 to 100. Average; unit Percent."""
        return self._variant_metric(MEMORY_UTILIZATION, period, statistic, label)

    def metric_disk_utilization(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``/aws/sagemaker/Endpoints`` ``DiskUtilization``: 0 to 100. Average; unit Percent."""
        return self._variant_metric(DISK_UTILIZATION, period, statistic, label)

    def metric_gpu_utilization(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``/aws/sagemaker/Endpoints`` ``GPUUtilization``: 0 to 100 x GPUs. Average; unit Percent."""
        return self._variant_metric(GPU_UTILIZATION, period, statistic, label)

    def metric_gpu_memory_utilization(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``/aws/sagemaker/Endpoints`` ``GPUMemoryUtilization``: 0 to 100 x GPUs. Average; unit Percent."""
        return self._variant_metric(GPU_MEMORY_UTILIZATION, period, statistic, label)

    def metric_model_loading_wait_time(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``ModelLoadingWaitTime``: time requests waited for their model. Average; Microseconds."""
        return self._variant_metric(MODEL_LOADING_WAIT_TIME, period, statistic, label)

    def metric_model_loading_time(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``ModelLoadingTime``: the container's LoadModel call. Average; unit Microseconds."""
        return self._variant_metric(MODEL_LOADING_TIME, period, statistic, label)

    def metric_model_downloading_time(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``ModelDownloadingTime``: download from Amazon S3. Average; unit Microseconds."""
        return self._variant_metric(MODEL_DOWNLOADING_TIME, period, statistic, label)

    def metric_model_unloading_time(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``ModelUnloadingTime``: the UnloadModel call. Average; unit Microseconds.

        With ``statistic="SampleCount"`` it counts unloads: many of them mean the model cache
        is too small (thrashing).
        """
        return self._variant_metric(MODEL_UNLOADING_TIME, period, statistic, label)

    def metric_model_cache_hit(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``AWS/SageMaker`` ``ModelCacheHit``. Average (the share of requests whose model was loaded); unit None."""
        return self._variant_metric(MODEL_CACHE_HIT, period, statistic, label)

    def metric_loaded_model_count(
        self, *, period: Duration | None = None, statistic: str | None = None, label: str | None = None
    ) -> cloudwatch.Metric:
        """``/aws/sagemaker/Endpoints`` ``LoadedModelCount``. Average (models per instance); unit None."""
        return self._variant_metric(LOADED_MODEL_COUNT, period, statistic, label)

    def metric_instance_count(
        self, *, period: Duration | None = None, label: str | None = None
    ) -> cloudwatch.MathExpression:
        """The variant's instance count over time, as metric math.

        ``Sum(Invocations) / Sum(InvocationsPerInstance)``: SageMaker publishes no
        instance-count metric, and adds ``1/numberOfInstances`` to ``InvocationsPerInstance``
        per request. No value in minutes without requests.

        Args:
            period: whole minutes; defaults to ``None``: one minute.
            label: defaults to ``None``: ``"Instances"``.
        """
        return instance_count_expression(
            endpoint_name=self.endpoint_name,
            variant_name=self.variant_name,
            period=period,
            label=label,
            subject=type(self).__name__,
        )

"""Alarm factories: the signals that a multi-model endpoint is unhealthy or out of room.

Each alarm evaluates one-minute periods, treats missing data as not breaching (a variant
without traffic is healthy), and leaves the metric unit out, as CloudWatch advises for
``PutMetricAlarm`` (a unit the metric is not published with leaves the alarm in
``INSUFFICIENT_DATA``). Metric sources:
https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html and
https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoint-cloudwatch-metrics.html
(``Average(ModelCacheHit)`` is the hit ratio; ``SampleCount(ModelUnloadingTime)`` counts
unloads, which rise when the model cache is too small).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.observability.metrics import (
    INVOCATION_5XX_ERRORS,
    MODEL_CACHE_HIT,
    MODEL_LATENCY,
    MODEL_LOADING_WAIT_TIME,
    MODEL_UNLOADING_TIME,
    VariantMetricDefinition,
    instance_count_expression,
    variant_metric,
)
from mme_scaling_constructs.step_scaling import MAX_EVALUATION_PERIODS
from mme_scaling_constructs.validation import (
    MAX_INT32,
    SAGEMAKER_NAME_RULE,
    check_instance_of,
    check_sagemaker_name,
    check_whole_number,
    has_interface,
    is_number,
    is_token,
)


class AlarmKind(enum.Enum):
    """The alarms :class:`ScalingAlarms` can create; each value is the alarm's construct id."""

    #: ``Average(Invocation5XXErrors)``: the share of requests answered with a 5xx code.
    ERRORS_5XX = "Errors5xx"
    #: ``ModelLatency`` at a percentile.
    MODEL_LATENCY = "ModelLatency"
    #: ``Average(ModelLoadingWaitTime)``: requests wait for their model to download or load.
    MODEL_LOADING_WAIT = "ModelLoadingWait"
    #: ``Average(ModelCacheHit)``: too few requests find their model loaded.
    CACHE_HIT_RATIO = "CacheHitRatio"
    #: ``SampleCount(ModelUnloadingTime)``: models are unloaded too often (cache thrashing).
    MODEL_UNLOADS = "ModelUnloads"
    #: The instance count has stayed at ``max_capacity``: scaling has run out of room.
    PINNED_AT_MAX_CAPACITY = "PinnedAtMaxCapacity"


#: The alarms that judge the health of a deployment, for auto-rollback.
ROLLBACK_KINDS: Final = (AlarmKind.ERRORS_5XX, AlarmKind.MODEL_LATENCY, AlarmKind.MODEL_LOADING_WAIT)

#: Default thresholds, in the units their names state.
DEFAULT_MAX_5XX_ERROR_PERCENT: Final = 1.0
DEFAULT_MAX_MODEL_LATENCY_MS: Final = 1000.0
DEFAULT_MODEL_LATENCY_PERCENTILE: Final = 99.0
DEFAULT_MAX_MODEL_LOADING_WAIT_MS: Final = 1000.0
DEFAULT_MIN_CACHE_HIT_PERCENT: Final = 80.0
DEFAULT_MAX_MODEL_UNLOADS_PER_MINUTE: Final = 10
DEFAULT_PINNED_AT_MAX_MINUTES: Final = 15
DEFAULT_EVALUATION_MINUTES: Final = 3

#: The longest latency threshold: one hour, in milliseconds.
MAX_LATENCY_MS: Final = 3_600_000
#: SageMaker deployment guardrails watch at most 10 alarms (botocore ``sagemaker`` ``AlarmList``).
MAX_ROLLBACK_ALARMS: Final = 10
MINUTES_RULE: Final = (
    f"a literal whole number of minutes from 1 to {MAX_EVALUATION_PERIODS} (CloudWatch evaluates one day)"
)
LATENCY_RULE: Final = f"a literal number of milliseconds greater than 0 and at most {MAX_LATENCY_MS} (one hour)"
INCLUDE_RULE: Final = "None (every alarm) or a non-empty list, tuple or set of AlarmKind members"


@dataclass(frozen=True, kw_only=True)
class _AlarmSpec:
    """One alarm to create: what it reads and when it fires."""

    kind: AlarmKind
    definition: VariantMetricDefinition | None
    statistic: str
    threshold: float
    comparison: cloudwatch.ComparisonOperator
    minutes: int
    description: str


class ScalingAlarms(Construct):
    """CloudWatch alarms on an auto-scaled multi-model endpoint variant.

    Opt in to the group by creating it, and choose alarms with ``include``. Every alarm is
    on the variant's ``EndpointName`` and ``VariantName``, evaluates one-minute periods and
    fires when every period of its window breaches:

    * ``ERRORS_5XX``: more than ``max_5xx_error_percent`` of requests answered with a 5xx
      code, for ``evaluation_minutes``.
    * ``MODEL_LATENCY``: ``ModelLatency`` at ``model_latency_percentile`` above
      ``max_model_latency_ms``, for ``evaluation_minutes``.
    * ``MODEL_LOADING_WAIT``: requests waited on average more than
      ``max_model_loading_wait_ms`` for their model, for ``evaluation_minutes``.
    * ``CACHE_HIT_RATIO``: fewer than ``min_cache_hit_percent`` of requests found their
      model loaded, for ``evaluation_minutes``.
    * ``MODEL_UNLOADS``: more than ``max_model_unloads_per_minute`` unloads per minute, for
      ``evaluation_minutes``: the model cache thrashes.
    * ``PINNED_AT_MAX_CAPACITY``: the instance count (``Invocations / InvocationsPerInstance``)
      stayed at ``max_capacity`` for ``pinned_at_max_minutes``.

    Args:
        scope: the parent construct.
        construct_id: the construct id.
        variant: the scaled variant: an ``EndpointScaling``, a ``MultiModelEndpoint`` or any
            object with ``endpoint_name`` and ``variant_name``. Its ``preset.max_capacity``
            (or ``scaling.preset.max_capacity``) is the capacity ceiling.
        include: which alarms; defaults to ``None``: every :class:`AlarmKind`.
        endpoint_name: the endpoint's name; defaults to ``None``: the variant's. Give the
            literal name when the alarms are the endpoint's own auto-rollback alarms: alarms
            on its ``EndpointName`` attribute, listed in its ``DeploymentConfig``, would form a
            dependency cycle.
        max_capacity: the ceiling the pinned-at-max alarm compares with; defaults to ``None``:
            the variant's preset's. Required for that alarm when the variant has no preset.
        topic: an SNS topic every alarm notifies when it fires; defaults to ``None``: no action.
        max_5xx_error_percent: from 0 to below 100; defaults to 1 %.
        max_model_latency_ms: defaults to 1000 ms.
        model_latency_percentile: greater than 0 and at most 100; defaults to 99 (``p99``).
        max_model_loading_wait_ms: defaults to 1000 ms.
        min_cache_hit_percent: greater than 0 and at most 100; defaults to 80 %.
        max_model_unloads_per_minute: a whole number >= 0; defaults to 10.
        pinned_at_max_minutes: defaults to 15 minutes.
        evaluation_minutes: the window of every other alarm; defaults to 3 minutes.

    Raises:
        ConfigurationError: before anything is created, naming each invalid argument.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        variant: Any,
        include: Any = None,
        endpoint_name: str | None = None,
        max_capacity: int | None = None,
        topic: sns.ITopic | None = None,
        max_5xx_error_percent: float = DEFAULT_MAX_5XX_ERROR_PERCENT,
        max_model_latency_ms: float = DEFAULT_MAX_MODEL_LATENCY_MS,
        model_latency_percentile: float = DEFAULT_MODEL_LATENCY_PERCENTILE,
        max_model_loading_wait_ms: float = DEFAULT_MAX_MODEL_LOADING_WAIT_MS,
        min_cache_hit_percent: float = DEFAULT_MIN_CACHE_HIT_PERCENT,
        max_model_unloads_per_minute: int = DEFAULT_MAX_MODEL_UNLOADS_PER_MINUTE,
        pinned_at_max_minutes: int = DEFAULT_PINNED_AT_MAX_MINUTES,
        evaluation_minutes: int = DEFAULT_EVALUATION_MINUTES,
    ) -> None:
        problems = Problems("ScalingAlarms")
        check_instance_of(problems, "scope", scope, Construct, "a construct (e.g. a Stack)")
        variant_endpoint_name, variant_name = _variant_names(problems, variant)
        check_sagemaker_name(problems, "endpoint_name", endpoint_name)
        kinds = _check_include(problems, include)
        ceiling = max_capacity if max_capacity is not None else _preset_max_capacity(variant)
        if AlarmKind.PINNED_AT_MAX_CAPACITY in kinds:
            _check_ceiling(problems, "max_capacity", ceiling)
        elif max_capacity is not None:
            _check_ceiling(problems, "max_capacity", max_capacity)
        if topic is not None and not has_interface(topic, "topic_arn"):
            problems.add("topic", topic, "an aws_sns.ITopic or None")
        thresholds = _Thresholds(
            max_5xx_error_percent=max_5xx_error_percent,
            max_model_latency_ms=max_model_latency_ms,
            model_latency_percentile=model_latency_percentile,
            max_model_loading_wait_ms=max_model_loading_wait_ms,
            min_cache_hit_percent=min_cache_hit_percent,
            max_model_unloads_per_minute=max_model_unloads_per_minute,
            pinned_at_max_minutes=pinned_at_max_minutes,
            evaluation_minutes=evaluation_minutes,
        )
        percentile = _check_thresholds(problems, thresholds)
        problems.raise_if_any()
        super().__init__(scope, construct_id)

        #: The endpoint name the alarms' dimensions carry.
        self.endpoint_name: str = variant_endpoint_name if endpoint_name is None else endpoint_name
        #: The variant's name.
        self.variant_name: str = variant_name
        specs = _specs(thresholds, percentile=percentile, max_capacity=ceiling)
        action = None if topic is None else cloudwatch_actions.SnsAction(topic)
        created: dict[AlarmKind, cloudwatch.Alarm] = {}
        for spec in specs:
            if spec.kind in kinds:
                alarm = self._alarm(spec)
                if action is not None:
                    alarm.add_alarm_action(action)
                created[spec.kind] = alarm
        #: The alarms created, by kind.
        self.alarms_by_kind: Mapping[AlarmKind, cloudwatch.Alarm] = MappingProxyType(created)

    @property
    def alarms(self) -> list[cloudwatch.IAlarm]:
        """Every alarm created, in :class:`AlarmKind` order."""
        return list(self.alarms_by_kind.values())

    @property
    def rollback_alarms(self) -> list[cloudwatch.IAlarm]:
        """The alarms on a deployment's health (5xx errors, latency, loading wait), if created.

        Capacity and cache alarms are left out: they call for more or larger instances, not
        for rolling a deployment back.
        """
        return [alarm for kind, alarm in self.alarms_by_kind.items() if kind in ROLLBACK_KINDS]

    def auto_rollback_configuration(self) -> sagemaker.CfnEndpoint.AutoRollbackConfigProperty:
        """The ``AutoRollbackConfiguration`` of an endpoint's ``DeploymentConfig``: the rollback alarms.

        Raises:
            ConfigurationError: when no rollback alarm was created.
        """
        alarms = self.rollback_alarms
        if not alarms:
            problems = Problems("ScalingAlarms.auto_rollback_configuration")
            problems.add(
                "include",
                sorted(kind.name for kind in self.alarms_by_kind),
                f"at least one of {', '.join(kind.name for kind in ROLLBACK_KINDS)}",
            )
            problems.raise_if_any()
        return sagemaker.CfnEndpoint.AutoRollbackConfigProperty(
            alarms=[sagemaker.CfnEndpoint.AlarmProperty(alarm_name=alarm.alarm_name) for alarm in alarms]
        )

    def _alarm(self, spec: _AlarmSpec) -> cloudwatch.Alarm:
        metric: cloudwatch.IMetric
        if spec.definition is None:
            metric = instance_count_expression(
                endpoint_name=self.endpoint_name, variant_name=self.variant_name, with_unit=False
            )
        else:
            metric = variant_metric(
                spec.definition,
                endpoint_name=self.endpoint_name,
                variant_name=self.variant_name,
                statistic=spec.statistic,
                with_unit=False,
            )
        return cloudwatch.Alarm(
            self,
            spec.kind.value,
            metric=metric,
            threshold=spec.threshold,
            comparison_operator=spec.comparison,
            evaluation_periods=spec.minutes,
            datapoints_to_alarm=spec.minutes,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=spec.description,
        )


@dataclass(frozen=True, kw_only=True)
class _Thresholds:
    """The thresholds of :class:`ScalingAlarms`, as the caller gave them (checked by ``_check_thresholds``)."""

    max_5xx_error_percent: Any
    max_model_latency_ms: Any
    model_latency_percentile: Any
    max_model_loading_wait_ms: Any
    min_cache_hit_percent: Any
    max_model_unloads_per_minute: Any
    pinned_at_max_minutes: Any
    evaluation_minutes: Any


def _specs(t: _Thresholds, *, percentile: str, max_capacity: Any) -> list[_AlarmSpec]:
    """Every alarm, with the thresholds converted to the metrics' own units."""
    above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
    window = f"for {t.evaluation_minutes} minute(s)"
    specs = [
        _AlarmSpec(
            kind=AlarmKind.ERRORS_5XX,
            definition=INVOCATION_5XX_ERRORS,
            statistic="Average",
            threshold=t.max_5xx_error_percent / 100,
            comparison=above,
            minutes=t.evaluation_minutes,
            description=f"More than {t.max_5xx_error_percent:g} % of requests got a 5xx error {window}.",
        ),
        _AlarmSpec(
            kind=AlarmKind.MODEL_LATENCY,
            definition=MODEL_LATENCY,
            statistic=percentile,
            threshold=t.max_model_latency_ms * 1000,
            comparison=above,
            minutes=t.evaluation_minutes,
            description=f"Model latency {percentile} above {t.max_model_latency_ms:g} ms {window}.",
        ),
        _AlarmSpec(
            kind=AlarmKind.MODEL_LOADING_WAIT,
            definition=MODEL_LOADING_WAIT_TIME,
            statistic="Average",
            threshold=t.max_model_loading_wait_ms * 1000,
            comparison=above,
            minutes=t.evaluation_minutes,
            description=f"Requests waited on average more than {t.max_model_loading_wait_ms:g} ms for their model "
            f"to load {window}: the model cache may be too small.",
        ),
        _AlarmSpec(
            kind=AlarmKind.CACHE_HIT_RATIO,
            definition=MODEL_CACHE_HIT,
            statistic="Average",
            threshold=t.min_cache_hit_percent / 100,
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            minutes=t.evaluation_minutes,
            description=f"Fewer than {t.min_cache_hit_percent:g} % of requests found their model loaded {window}: "
            "use larger instances or more of them.",
        ),
        _AlarmSpec(
            kind=AlarmKind.MODEL_UNLOADS,
            definition=MODEL_UNLOADING_TIME,
            statistic="SampleCount",
            threshold=t.max_model_unloads_per_minute,
            comparison=above,
            minutes=t.evaluation_minutes,
            description=f"More than {t.max_model_unloads_per_minute} model unloads per minute {window}: the model "
            "cache thrashes; use larger instances or more of them.",
        ),
    ]
    if is_number(max_capacity):
        specs.append(
            _AlarmSpec(
                kind=AlarmKind.PINNED_AT_MAX_CAPACITY,
                definition=None,
                statistic="Sum",
                # The ratio of sums can miss a whole count by rounding: compare half an instance below.
                threshold=max_capacity - 0.5,
                comparison=above,
                minutes=t.pinned_at_max_minutes,
                description=f"The instance count stayed at max_capacity ({max_capacity}) for "
                f"{t.pinned_at_max_minutes} minute(s): scaling has run out of room; raise max_capacity.",
            )
        )
    return specs


def _check_thresholds(problems: Problems, t: _Thresholds) -> str:
    """Record problems with the thresholds; return the latency percentile as a statistic, e.g. ``p99``."""
    _check_range(
        problems, "max_5xx_error_percent", t.max_5xx_error_percent, 0, 100, "a literal percentage from 0 to below 100"
    )
    _check_range(
        problems,
        "max_model_latency_ms",
        t.max_model_latency_ms,
        0,
        MAX_LATENCY_MS,
        LATENCY_RULE,
        open_low=True,
        closed_high=True,
    )
    percentile = _percentile_statistic(problems, t.model_latency_percentile)
    _check_range(
        problems,
        "max_model_loading_wait_ms",
        t.max_model_loading_wait_ms,
        0,
        MAX_LATENCY_MS,
        LATENCY_RULE,
        open_low=True,
        closed_high=True,
    )
    _check_range(
        problems,
        "min_cache_hit_percent",
        t.min_cache_hit_percent,
        0,
        100,
        "a literal percentage greater than 0 and at most 100",
        open_low=True,
        closed_high=True,
    )
    _check_literal_whole(
        problems,
        "max_model_unloads_per_minute",
        t.max_model_unloads_per_minute,
        f"a literal whole number of unloads from 0 to {MAX_INT32}",
        minimum=0,
    )
    for parameter, minutes in (
        ("pinned_at_max_minutes", t.pinned_at_max_minutes),
        ("evaluation_minutes", t.evaluation_minutes),
    ):
        _check_literal_whole(problems, parameter, minutes, MINUTES_RULE, maximum=MAX_EVALUATION_PERIODS)
    return percentile


def _variant_names(problems: Problems, variant: Any) -> tuple[str, str]:
    """The variant's endpoint and variant names, after recording problems with them."""
    names = []
    for attribute in ("endpoint_name", "variant_name"):
        value = _attribute(variant, attribute)
        if value is _MISSING:
            problems.add(
                "variant",
                variant,
                "an EndpointScaling, a MultiModelEndpoint or an object with endpoint_name and variant_name",
            )
            return "", ""
        if value is None:
            problems.add(f"variant.{attribute}", value, SAGEMAKER_NAME_RULE)
        check_sagemaker_name(problems, f"variant.{attribute}", value)
        names.append(value)
    return names[0], names[1]


_MISSING: Final = object()


def _attribute(value: Any, name: str) -> Any:
    """``value.name``, or ``_MISSING`` when reading it fails in any way."""
    try:
        return getattr(value, name)
    except Exception:  # a property that raises must not escape as anything but a problem
        return _MISSING


def _preset_max_capacity(variant: Any) -> Any:
    """``variant.preset.max_capacity``, or ``variant.scaling.preset.max_capacity``, or ``None``."""
    for path in (("preset",), ("scaling", "preset")):
        value = variant
        for name in path:
            value = _attribute(value, name)
            if value is _MISSING or value is None:
                break
        else:
            ceiling = _attribute(value, "max_capacity")
            return None if ceiling is _MISSING else ceiling
    return None


def _check_include(problems: Problems, include: Any) -> frozenset[AlarmKind]:
    if include is None:
        return frozenset(AlarmKind)
    if not isinstance(include, (list, tuple, set, frozenset)) or not include:
        problems.add("include", include, INCLUDE_RULE)
        return frozenset()
    bad = [kind for kind in include if not isinstance(kind, AlarmKind)]
    if bad:
        problems.add("include", bad[0], INCLUDE_RULE)
    return frozenset(kind for kind in include if isinstance(kind, AlarmKind))


def _check_literal_whole(
    problems: Problems, parameter: str, value: Any, allowed: str, *, minimum: int = 1, maximum: int = MAX_INT32
) -> None:
    """Record ``allowed`` unless ``value`` is a literal whole number (not a token) in range."""
    if is_token(value):
        problems.add(parameter, value, allowed)
        return
    check_whole_number(problems, parameter, value, allowed, minimum=minimum, maximum=maximum)


def _check_ceiling(problems: Problems, parameter: str, ceiling: Any) -> None:
    allowed = (
        f"a literal whole number from 1 to {MAX_INT32}: the variant's max_capacity, which the "
        "PINNED_AT_MAX_CAPACITY alarm compares with (or leave that alarm out of include)"
    )
    if ceiling is None:
        problems.add(parameter, ceiling, allowed)
        return
    _check_literal_whole(problems, parameter, ceiling, allowed)


def _check_range(
    problems: Problems,
    parameter: str,
    value: Any,
    low: float,
    high: float,
    allowed: str,
    *,
    open_low: bool = False,
    closed_high: bool = False,
) -> None:
    """Record ``allowed`` unless ``value`` is a literal finite number in the range the flags describe."""
    if not is_number(value) or is_token(value):
        problems.add(parameter, value, allowed)
        return
    above_low = value > low if open_low else value >= low
    below_high = value <= high if closed_high else value < high
    if not (above_low and below_high):
        problems.add(parameter, value, allowed)


def _percentile_statistic(problems: Problems, percentile: Any) -> str:
    """``p<percentile>`` (e.g. ``p99``, ``p99.9``), after recording problems with ``percentile``."""
    allowed = "a literal percentile greater than 0 and at most 100, with at most 10 decimals"
    if not is_number(percentile) or is_token(percentile) or not 0 < percentile <= 100:
        problems.add("model_latency_percentile", percentile, allowed)
        return "p99"
    text = format(percentile, ".10f").rstrip("0").rstrip(".")
    if float(text) != percentile:
        problems.add("model_latency_percentile", percentile, allowed)
        return "p99"
    return f"p{text}"

"""Load target-tracking policies from the AWS CLI / API JSON format.

The format is ``TargetTrackingScalingPolicyConfiguration``, as the AWS documentation and
``aws application-autoscaling put-scaling-policy --target-tracking-scaling-policy-configuration``
use it. https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingScalingPolicyConfiguration.html
"""

from __future__ import annotations

import difflib
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from aws_cdk import Duration

from mme_scaling_constructs.constants import (
    CONCURRENT_REQUESTS_PER_MODEL_METRIC,
    DEFAULT_STATISTIC,
    ENDPOINT_NAME_DIMENSION,
    INVOCATIONS_PER_INSTANCE_METRIC,
    MODEL_NAME_DIMENSION,
    SAGEMAKER_PREDEFINED_METRICS,
    VARIANT_NAME_DIMENSION,
)
from mme_scaling_constructs.errors import ConfigurationError, Problem, Problems, ScalingWarning
from mme_scaling_constructs.metrics import TARGET_TRACKING_STATISTICS, MetricSpec
from mme_scaling_constructs.policies import (
    CustomMetricPolicy,
    HighResolutionConcurrencyPolicy,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    TargetTrackingSpec,
)

SUBJECT: Final = "scaling policy JSON"
TOP_LEVEL_KEYS: Final = (
    "TargetValue",
    "PredefinedMetricSpecification",
    "CustomizedMetricSpecification",
    "ScaleInCooldown",
    "ScaleOutCooldown",
    "DisableScaleIn",
)
CUSTOMIZED_METRIC_KEYS: Final = ("MetricName", "Namespace", "Dimensions", "Statistic", "Unit")
#: Dimensions the variant fills in itself; their values in the JSON name one endpoint.
_VARIANT_DIMENSIONS: Final = frozenset({ENDPOINT_NAME_DIMENSION, VARIANT_NAME_DIMENSION})


def load_policy(source: str | Path | Mapping[str, Any]) -> TargetTrackingSpec:
    """Load a ``TargetTrackingScalingPolicyConfiguration`` into a policy specification.

    ``EndpointName`` and ``VariantName`` dimension values are replaced by those of the
    variant the policy is applied to. A ``ModelName`` dimension is kept, with a
    :class:`ScalingWarning`: multi-model endpoints publish no per-model metrics.

    Args:
        source: a path to a JSON file, a JSON string, or the parsed mapping.

    Raises:
        ConfigurationError: naming each invalid field, e.g. an unknown predefined metric
            type, with the nearest valid one suggested.
    """
    document = _parse(source)
    problems = Problems(SUBJECT)
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            problems.add(key, document[key], f"one of the fields {', '.join(TOP_LEVEL_KEYS)}")
    target: Any = document.get("TargetValue")
    if not isinstance(target, (int, float)) or isinstance(target, bool):
        problems.add("TargetValue", target, "a number (required)")
    options = _options(document, problems)
    predefined = document.get("PredefinedMetricSpecification")
    customized = document.get("CustomizedMetricSpecification")
    if (predefined is None) == (customized is None):
        problems.add(
            "PredefinedMetricSpecification",
            predefined,
            "exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification",
        )
    problems.raise_if_any()
    try:
        if predefined is not None:
            return _predefined(predefined, target, options)
        return _customized(customized, target, options)
    except ConfigurationError as error:
        raise ConfigurationError(SUBJECT, list(error.problems)) from None


def _parse(source: str | Path | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    text = source.read_text() if isinstance(source, Path) else source
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigurationError(SUBJECT, [Problem(parameter="JSON", value=str(error), allowed="valid JSON")]) from None
    if not isinstance(document, dict):
        raise ConfigurationError(SUBJECT, [Problem(parameter="JSON", value=document, allowed="a JSON object")])
    return document


def _options(document: Mapping[str, Any], problems: Problems) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, option in (("ScaleInCooldown", "scale_in_cooldown"), ("ScaleOutCooldown", "scale_out_cooldown")):
        if key in document:
            seconds = document[key]
            if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
                problems.add(key, seconds, "a whole number of seconds >= 0")
            else:
                options[option] = Duration.seconds(seconds)
    if "DisableScaleIn" in document:
        if not isinstance(document["DisableScaleIn"], bool):
            problems.add("DisableScaleIn", document["DisableScaleIn"], "true or false")
        else:
            options["disable_scale_in"] = document["DisableScaleIn"]
    return options


def _predefined(specification: Any, target: float, options: dict[str, Any]) -> TargetTrackingSpec:
    metric_type = specification.get("PredefinedMetricType") if isinstance(specification, Mapping) else None
    if metric_type == INVOCATIONS_PER_INSTANCE_METRIC:
        return InvocationsPerInstancePolicy(target_invocations_per_minute=target, **options)
    if metric_type == CONCURRENT_REQUESTS_PER_MODEL_METRIC:
        return HighResolutionConcurrencyPolicy(target_concurrent_requests=target, **options)
    allowed = (
        f"{INVOCATIONS_PER_INSTANCE_METRIC} or {CONCURRENT_REQUESTS_PER_MODEL_METRIC} "
        "(the predefined metrics of a multi-model endpoint variant)"
    )
    if metric_type in SAGEMAKER_PREDEFINED_METRICS:
        allowed = f"{allowed}; {metric_type} is for serverless or inference-component endpoints"
    else:
        suggestion = _nearest(metric_type)
        if suggestion is not None:
            allowed = f"{allowed}; did you mean {suggestion!r}?"
    raise ConfigurationError(
        SUBJECT,
        [Problem(parameter="PredefinedMetricSpecification.PredefinedMetricType", value=metric_type, allowed=allowed)],
    )


def _nearest(metric_type: Any) -> str | None:
    """The MME predefined metric ``metric_type`` was most likely meant to be."""
    if not isinstance(metric_type, str):
        return None
    candidates = (INVOCATIONS_PER_INSTANCE_METRIC, CONCURRENT_REQUESTS_PER_MODEL_METRIC)
    for candidate in candidates:
        if metric_type and metric_type.lower() in candidate.lower():
            return candidate
    matches = difflib.get_close_matches(metric_type, candidates, n=1, cutoff=0.5)
    return matches[0] if matches else None


def _customized(specification: Any, target: float, options: dict[str, Any]) -> TargetTrackingSpec:
    problems = Problems(SUBJECT)
    where = "CustomizedMetricSpecification"
    if not isinstance(specification, Mapping):
        problems.add(where, specification, "a JSON object")
        problems.raise_if_any()
    if "Metrics" in specification:
        _check_keys(problems, specification, where, ("Metrics",))
        return _metric_math(problems, specification["Metrics"], target, options)
    _check_keys(problems, specification, where, CUSTOMIZED_METRIC_KEYS)
    metric = _metric(
        problems,
        specification,
        where,
        statistic=specification.get("Statistic", DEFAULT_STATISTIC),
        unit=specification.get("Unit"),
    )
    problems.raise_if_any()
    assert metric is not None
    return CustomMetricPolicy(metric=metric, target_value=target, **options)


def _check_keys(problems: Problems, document: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> None:
    for key in document:
        if key not in allowed:
            problems.add(f"{where}.{key}", document[key], f"one of the fields {', '.join(allowed)}")


def _metric(problems: Problems, specification: Any, where: str, *, statistic: Any, unit: Any) -> MetricSpec | None:
    """The metric described at ``where``, or ``None`` after recording its problems."""
    if not isinstance(specification, Mapping):
        problems.add(where, specification, "a JSON object")
        return None
    found = len(problems.found)
    for key in ("MetricName", "Namespace"):
        if not isinstance(specification.get(key), str) or not specification[key]:
            problems.add(f"{where}.{key}", specification.get(key), "a non-empty string (required)")
    if statistic not in TARGET_TRACKING_STATISTICS:
        problems.add(
            f"{where}.Statistic",
            statistic,
            f"one of {', '.join(TARGET_TRACKING_STATISTICS)} (target tracking accepts no percentiles)",
        )
    raw_dimensions = specification.get("Dimensions", [])
    if not isinstance(raw_dimensions, list) or not all(
        isinstance(d, Mapping) and isinstance(d.get("Name"), str) and isinstance(d.get("Value"), str)
        for d in raw_dimensions
    ):
        problems.add(f"{where}.Dimensions", raw_dimensions, 'a list of {"Name": ..., "Value": ...} strings')
    if len(problems.found) > found:
        return None
    dimensions = {d["Name"]: d["Value"] for d in raw_dimensions}
    if MODEL_NAME_DIMENSION in dimensions:
        warnings.warn(
            f"{where} has a ModelName dimension: multi-model endpoints publish no per-model metrics, "
            "so the policy would never get data. Use EndpointName and VariantName.",
            ScalingWarning,
            stacklevel=4,
        )
    return MetricSpec(
        metric_name=specification["MetricName"],
        namespace=specification["Namespace"],
        statistic=statistic,
        unit=unit,
        dimensions=None if set(dimensions) <= _VARIANT_DIMENSIONS else dimensions,
    )


def _metric_math(problems: Problems, queries: Any, target: float, options: dict[str, Any]) -> TargetTrackingSpec:
    where = "CustomizedMetricSpecification.Metrics"
    if not isinstance(queries, list) or not all(
        isinstance(q, Mapping) and isinstance(q.get("Id"), str) for q in queries
    ):
        problems.add(where, queries, 'a list of metric data queries, each with an "Id"')
        problems.raise_if_any()
    returned = [q for q in queries if q.get("ReturnData", True) and "Expression" in q]
    if len(returned) != 1:
        problems.add(
            where, f"{len(returned)} returned expressions", "exactly one query with an Expression and ReturnData true"
        )
    metrics = {}
    for query in queries:
        if "MetricStat" not in query:
            continue
        stat = query["MetricStat"] if isinstance(query["MetricStat"], Mapping) else {}
        metric = _metric(
            problems,
            stat.get("Metric"),
            f"{where}[{query['Id']}].MetricStat.Metric",
            statistic=stat.get("Stat", DEFAULT_STATISTIC),
            unit=stat.get("Unit"),
        )
        if metric is not None:
            metrics[query["Id"]] = metric
    problems.raise_if_any()
    (result,) = returned
    return MetricMathPolicy(
        expression=result["Expression"],
        metrics=metrics,
        target_value=target,
        label=result.get("Label"),
        **options,
    )

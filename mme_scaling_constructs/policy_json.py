"""Load target-tracking policies from the AWS CLI / API JSON format.

The format is ``TargetTrackingScalingPolicyConfiguration``, as the AWS documentation and
``aws application-autoscaling put-scaling-policy --target-tracking-scaling-policy-configuration``
use it. https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingScalingPolicyConfiguration.html

The fields and their types follow botocore's ``application-autoscaling`` model: unknown fields
are refused at every level, numbers are finite, booleans are JSON ``true`` or ``false``.
Every problem names its JSON path, e.g. ``CustomizedMetricSpecification.Metrics[1].Id``.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from aws_cdk import Duration

from mme_scaling_constructs.constants import (
    CONCURRENT_REQUESTS_PER_MODEL_METRIC,
    DEFAULT_STATISTIC,
    ENDPOINT_INSTANCE_NAMESPACE,
    ENDPOINT_NAME_DIMENSION,
    INVOCATION_NAMESPACE,
    INVOCATIONS_PER_INSTANCE_METRIC,
    MODEL_NAME_DIMENSION,
    SAGEMAKER_PREDEFINED_METRICS,
    VARIANT_NAME_DIMENSION,
)
from mme_scaling_constructs.errors import ConfigurationError, Problem, Problems, ScalingWarning
from mme_scaling_constructs.metric_math import QUERY_ID_PATTERN, QUERY_ID_RULE, ExpressionQuery, MetricQuery, Query
from mme_scaling_constructs.metrics import CPU_UTILIZATION, MetricSpec
from mme_scaling_constructs.policies import (
    CustomMetricPolicy,
    HighResolutionConcurrencyPolicy,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    TargetTrackingSpec,
)
from mme_scaling_constructs.validation import (
    MAX_INT32,
    TEXT_PATTERN,
    TEXT_RULE,
    check_target_value,
    check_whole_number,
    is_number,
    is_token,
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
PREDEFINED_METRIC_KEYS: Final = ("PredefinedMetricType",)
CUSTOMIZED_METRIC_KEYS: Final = ("MetricName", "Namespace", "Dimensions", "Statistic", "Unit")
METRIC_MATH_KEYS: Final = ("Metrics",)
QUERY_KEYS: Final = ("Id", "Expression", "Label", "MetricStat", "ReturnData")
METRIC_STAT_KEYS: Final = ("Metric", "Stat", "Unit")
METRIC_KEYS: Final = ("MetricName", "Namespace", "Dimensions")
DIMENSION_KEYS: Final = ("Name", "Value")
#: CloudWatch allows 30 dimensions per metric.
MAX_DIMENSIONS: Final = 30

SOURCE_RULE: Final = (
    "JSON text starting with '{', the path of a UTF-8 JSON file (a str not starting with '{', "
    "or an os.PathLike), or a mapping"
)
FILE_RULE: Final = "the path of a readable UTF-8 JSON file, or JSON text starting with '{'"
STRING_RULE: Final = "a non-empty string"
DIMENSIONS_RULE: Final = 'a list of {"Name": ..., "Value": ...} strings'
COOLDOWN_RULE: Final = f"a whole number of seconds from 0 to {MAX_INT32}"

_CUSTOMIZED: Final = "CustomizedMetricSpecification"
_METRICS: Final = f"{_CUSTOMIZED}.Metrics"
#: Dimensions whose values the scaled variant fills in: a metric on exactly these is the variant's own.
_VARIANT_DIMENSION_SETS: Final = (
    frozenset({ENDPOINT_NAME_DIMENSION}),
    frozenset({ENDPOINT_NAME_DIMENSION, VARIANT_NAME_DIMENSION}),
)
#: Namespaces where SageMaker publishes endpoint metrics, always with dimensions.
_SAGEMAKER_NAMESPACES: Final = (ENDPOINT_INSTANCE_NAMESPACE, INVOCATION_NAMESPACE)

#: JSON field of each policy parameter, for problems the policy values report.
_POLICY_FIELDS: Final = {
    "target_value": "TargetValue",
    "target_invocations_per_minute": "TargetValue",
    "target_concurrent_requests": "TargetValue",
    "scale_in_cooldown": "ScaleInCooldown",
    "scale_out_cooldown": "ScaleOutCooldown",
    "disable_scale_in": "DisableScaleIn",
    "metric": _CUSTOMIZED,
    "metric.metric_name": f"{_CUSTOMIZED}.MetricName",
    "metric.namespace": f"{_CUSTOMIZED}.Namespace",
    "metric.dimensions": f"{_CUSTOMIZED}.Dimensions",
    "metric.statistic": f"{_CUSTOMIZED}.Statistic",
    "metric.unit": f"{_CUSTOMIZED}.Unit",
    "queries": _METRICS,
}
#: JSON field of each :class:`MetricQuery` or :class:`ExpressionQuery` parameter, within its query.
_QUERY_FIELDS: Final = {
    "id": "Id",
    "expression": "Expression",
    "label": "Label",
    "return_data": "ReturnData",
    "stat": "MetricStat.Stat",
    "unit": "MetricStat.Unit",
    "metric": "MetricStat.Metric",
    "metric.metric_name": "MetricStat.Metric.MetricName",
    "metric.namespace": "MetricStat.Metric.Namespace",
    "metric.dimensions": "MetricStat.Metric.Dimensions",
    "metric.statistic": "MetricStat.Stat",
    "metric.unit": "MetricStat.Unit",
}
_PARAMETER_NAME = re.compile(r"[a-z_]+(?:\.[a-z_]+)*")
_QUERY_PARAMETER = re.compile(r"queries\[(\d+)\]\.?(.*)", re.DOTALL)


class _NonFinite:
    """A JSON number with no finite double value (``NaN``, ``Infinity``, ``1e999``), kept as written."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _DuplicateKeyError(ValueError):
    """A JSON object names one field twice."""


def load_policy(source: str | os.PathLike[str] | Mapping[str, Any]) -> TargetTrackingSpec:
    """Load a ``TargetTrackingScalingPolicyConfiguration`` into a policy specification.

    A ``str`` is JSON text when its first non-blank character is ``{``, and otherwise the
    path of a UTF-8 JSON file; an ``os.PathLike`` (e.g. ``pathlib.Path``) is always a path.

    Predefined ``SageMakerVariantInvocationsPerInstance`` and
    ``SageMakerVariantConcurrentRequestsPerModelHighResolution`` load as
    :class:`InvocationsPerInstancePolicy` and :class:`HighResolutionConcurrencyPolicy`, a
    customized metric as :class:`CustomMetricPolicy`, and a ``Metrics`` list as a
    :class:`MetricMathPolicy` whose ``queries`` keep every query, label and ``ReturnData``.

    Dimensions are kept as given, except that ``EndpointName`` and ``VariantName`` values are
    replaced at synthesis by those of the variant the policy is applied to (a metric of
    exactly those dimensions becomes the variant's own). A :class:`ScalingWarning` is
    emitted for a ``ModelName`` dimension (multi-model endpoints publish no per-model
    metrics), for a SageMaker metric without dimensions, and for ``CPUUtilization``, whose
    ``TargetValue`` is summed over vCPUs.

    Args:
        source: JSON text, a path to a JSON file, or the parsed mapping.

    Raises:
        ConfigurationError: naming the JSON path of each invalid field (``source`` or
            ``JSON`` for a file or text that cannot be read or parsed), e.g. an unknown
            predefined metric type, with the nearest valid one suggested.
    """
    document = _parse(source)
    problems = Problems(SUBJECT)
    notes: list[str] = []
    _check_keys(problems, document, "", TOP_LEVEL_KEYS)
    target: Any = document.get("TargetValue")
    if "TargetValue" not in document:
        problems.add("TargetValue", None, "a number (required)")
    else:
        check_target_value(problems, "TargetValue", target)
    options = _options(problems, document)
    has_predefined = "PredefinedMetricSpecification" in document
    has_customized = _CUSTOMIZED in document
    build: Callable[[], TargetTrackingSpec] | None = None
    if has_predefined == has_customized:
        problems.add(
            "PredefinedMetricSpecification",
            document.get("PredefinedMetricSpecification"),
            "exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification",
        )
    elif has_predefined:
        build = _predefined(problems, document["PredefinedMetricSpecification"], target, options)
    else:
        build = _customized(problems, document[_CUSTOMIZED], target, options, notes)
    problems.raise_if_any()
    assert build is not None
    policy: TargetTrackingSpec | None = _build(problems, _POLICY_FIELDS, "TargetValue", build)
    problems.raise_if_any()
    assert policy is not None
    if isinstance(policy, CustomMetricPolicy) and _is_cpu_utilization(policy.metric_spec):
        notes.append(_cpu_note(policy.target_value))
    for note in notes:
        warnings.warn(note, ScalingWarning, stacklevel=2)
    return policy


def _fail(parameter: str, value: Any, allowed: str) -> ConfigurationError:
    return ConfigurationError(SUBJECT, [Problem(parameter=parameter, value=value, allowed=allowed)])


def _parse(source: Any) -> Mapping[Any, Any]:
    """The document ``source`` holds; see :func:`load_policy` for what a ``str`` is."""
    if isinstance(source, Mapping):
        return source
    if isinstance(source, str) and source.lstrip()[:1] == "{":
        text = source
    elif isinstance(source, (str, os.PathLike)):
        text = _read(source)
    else:
        raise _fail("source", source, SOURCE_RULE)
    try:
        document = json.loads(text, parse_constant=_NonFinite, parse_float=_parse_float, object_pairs_hook=_unique_keys)
    except _DuplicateKeyError as error:
        raise _fail("JSON", str(error), "valid JSON whose objects name each field once") from None
    except RecursionError:
        raise _fail("JSON", "too deeply nested", "valid JSON nested at most a few hundred levels deep") from None
    except ValueError as error:  # JSONDecodeError, and integers too long to convert
        raise _fail("JSON", str(error), "valid JSON") from None
    if not isinstance(document, dict):
        raise _fail("JSON", document, "a JSON object")
    return document


def _read(source: str | os.PathLike[Any]) -> str:
    """The text of the file at ``source``."""
    try:
        name = os.fspath(source)
    except TypeError:
        raise _fail("source", source, SOURCE_RULE) from None
    if not isinstance(name, str) or not name.strip():
        raise _fail("source", name, SOURCE_RULE)
    path = Path(name)
    try:
        if path.is_file():
            return path.read_text(encoding="utf-8")
        reason = "is a directory" if path.is_dir() else "does not exist" if not path.exists() else "is not a file"
    except UnicodeDecodeError:
        reason = "is not UTF-8 text"
    except (OSError, ValueError) as error:
        detail = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        reason = f"cannot be read: {detail}"
    raise _fail("source", name, f"{FILE_RULE}; this path {reason}")


def _parse_float(text: str) -> float | _NonFinite:
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKeyError(f"field {key!r} appears twice in one object")
        document[key] = value
    return document


def _json_path(parameter: str, fields: Mapping[str, str], fallback: str) -> str:
    """The JSON path of a policy value's ``parameter``: its longest known dotted name, or ``fallback``."""
    query = _QUERY_PARAMETER.fullmatch(parameter)
    if query is not None:
        where = f"{_METRICS}[{query[1]}]"
        return _json_path(query[2], {k: f"{where}.{v}" for k, v in _QUERY_FIELDS.items()}, where)
    match = _PARAMETER_NAME.match(parameter)
    parts = match.group().split(".") if match else []
    for count in range(len(parts), 0, -1):
        name = ".".join(parts[:count])
        if name in fields:
            return fields[name]
    return fallback


def _build(problems: Problems, fields: Mapping[str, str], fallback: str, make: Callable[[], Any]) -> Any:
    """``make()``, or ``None`` after recording its problems under their JSON paths."""
    try:
        return make()
    except ConfigurationError as error:
        for problem in error.problems:
            problems.add(_json_path(problem.parameter, fields, fallback), problem.value, problem.allowed)
        return None


def _within(where: str, fields: Mapping[str, str]) -> dict[str, str]:
    return {name: f"{where}.{field}" for name, field in fields.items()}


def _check_keys(problems: Problems, document: Mapping[Any, Any], where: str, allowed: tuple[str, ...]) -> None:
    for key in document:
        if key not in allowed:
            path = f"{where}.{key}" if where else str(key)
            problems.add(path, document[key], f"one of the fields {', '.join(allowed)}")


def _is_object(problems: Problems, where: str, value: Any, what: str = "a JSON object") -> bool:
    if isinstance(value, Mapping):
        return True
    problems.add(where, value, what)
    return False


def _check_text(problems: Problems, path: str, value: Any, *, required: bool, rule: str = STRING_RULE) -> bool:
    """Record a problem unless ``value`` is a non-empty string a template can carry; return whether it is."""
    if not isinstance(value, str) or not value:
        problems.add(path, value, f"{rule} (required)" if required else rule)
        return False
    if not TEXT_PATTERN.fullmatch(value):
        problems.add(path, value, TEXT_RULE)
        return False
    return True


def _options(problems: Problems, document: Mapping[Any, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for key, option in (("ScaleInCooldown", "scale_in_cooldown"), ("ScaleOutCooldown", "scale_out_cooldown")):
        if key in document and check_whole_number(problems, key, document[key], COOLDOWN_RULE, minimum=0):
            options[option] = Duration.seconds(document[key])
    if "DisableScaleIn" in document:
        if isinstance(document["DisableScaleIn"], bool):
            options["disable_scale_in"] = document["DisableScaleIn"]
        else:
            problems.add("DisableScaleIn", document["DisableScaleIn"], "true or false")
    return options


def _predefined(
    problems: Problems, specification: Any, target: Any, options: dict[str, Any]
) -> Callable[[], TargetTrackingSpec] | None:
    where = "PredefinedMetricSpecification"
    if not _is_object(problems, where, specification):
        return None
    _check_keys(problems, specification, where, PREDEFINED_METRIC_KEYS)
    metric_type = specification.get("PredefinedMetricType")
    if metric_type == INVOCATIONS_PER_INSTANCE_METRIC:
        return lambda: InvocationsPerInstancePolicy(target_invocations_per_minute=target, **options)
    if metric_type == CONCURRENT_REQUESTS_PER_MODEL_METRIC:
        return lambda: HighResolutionConcurrencyPolicy(target_concurrent_requests=target, **options)
    allowed = (
        f"{INVOCATIONS_PER_INSTANCE_METRIC} or {CONCURRENT_REQUESTS_PER_MODEL_METRIC} "
        "(the predefined metrics of a multi-model endpoint variant)"
    )
    if isinstance(metric_type, str) and metric_type in SAGEMAKER_PREDEFINED_METRICS:
        allowed = f"{allowed}; {metric_type} is for serverless or inference-component endpoints"
    else:
        suggestion = _nearest(metric_type)
        if suggestion is not None:
            allowed = f"{allowed}; did you mean {suggestion!r}?"
    problems.add(f"{where}.PredefinedMetricType", metric_type, allowed)
    return None


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


def _customized(
    problems: Problems, specification: Any, target: Any, options: dict[str, Any], notes: list[str]
) -> Callable[[], TargetTrackingSpec] | None:
    where = _CUSTOMIZED
    if not _is_object(problems, where, specification):
        return None
    if "Metrics" in specification:
        _check_keys(problems, specification, where, METRIC_MATH_KEYS)
        queries = _queries(problems, specification["Metrics"], notes)
        if queries is None:
            return None
        return lambda: MetricMathPolicy(queries=queries, target_value=target, **options)
    _check_keys(problems, specification, where, CUSTOMIZED_METRIC_KEYS)
    found = len(problems.found)
    unit = _optional_text(problems, specification, "Unit", where)
    statistic = _optional_text(problems, specification, "Statistic", where)
    metric = _metric(
        problems,
        specification,
        where,
        notes,
        statistic=DEFAULT_STATISTIC if statistic is None else statistic,
        unit=unit,
        unit_path=f"{where}.Unit",
    )
    if metric is None or len(problems.found) > found:
        return None
    return lambda: CustomMetricPolicy(metric=metric, target_value=target, **options)


def _optional_text(problems: Problems, specification: Mapping[Any, Any], key: str, where: str) -> Any:
    """The string at ``key``, or ``None`` when it is absent or invalid (then recorded)."""
    if key not in specification:
        return None
    value = specification[key]
    return value if _check_text(problems, f"{where}.{key}", value, required=False) else None


def _is_cpu_utilization(metric: MetricSpec) -> bool:
    return metric.namespace == ENDPOINT_INSTANCE_NAMESPACE and metric.metric_name == CPU_UTILIZATION.metric_name


def _cpu_note(target: Any) -> str:
    """A warning that a ``CPUUtilization`` target is summed over vCPUs."""
    literal = is_number(target) and not is_token(target)
    shown = f"{target:g}" if literal else repr(target)
    example = f" ({target / 4:g} % per core on a 4-vCPU instance)" if literal else ""
    return (
        f"{_CUSTOMIZED}: CPUUtilization is summed over vCPUs (0 to 100 x vCPUs), so TargetValue {shown} "
        f"means {shown}/vCPUs % per core{example}. To give the target per core, use "
        "UtilizationPolicy(metric=CPU_UTILIZATION, target_percent=...)."
    )


def _metric(
    problems: Problems,
    specification: Mapping[Any, Any],
    where: str,
    notes: list[str],
    *,
    statistic: Any,
    unit: Any,
    unit_path: str,
) -> MetricSpec | None:
    """The metric of ``specification`` (at ``where``), or ``None`` after recording its problems."""
    found = len(problems.found)
    name: Any = specification.get("MetricName")
    namespace: Any = specification.get("Namespace")
    _check_text(problems, f"{where}.MetricName", name, required=True)
    _check_text(problems, f"{where}.Namespace", namespace, required=True)
    dimensions = _dimensions(problems, specification, f"{where}.Dimensions")
    if len(problems.found) > found or dimensions is None:
        return None
    spec: MetricSpec | None = _build(
        problems,
        {
            "metric_name": f"{where}.MetricName",
            "namespace": f"{where}.Namespace",
            "dimensions": f"{where}.Dimensions",
            "statistic": f"{where}.Statistic",
            "unit": unit_path,
        },
        where,
        lambda: MetricSpec(
            metric_name=name,
            namespace=namespace,
            statistic=statistic,
            unit=unit,
            dimensions=None if frozenset(dimensions) in _VARIANT_DIMENSION_SETS else dimensions,
        ),
    )
    if spec is None:
        return None
    if MODEL_NAME_DIMENSION in dimensions:
        notes.append(
            f"{where} has a ModelName dimension: multi-model endpoints publish no per-model metrics, "
            "so the policy would never get data. Use EndpointName and VariantName."
        )
    if not dimensions and namespace in _SAGEMAKER_NAMESPACES:
        notes.append(
            f"{where} has no dimensions: SageMaker publishes {name} per EndpointName and VariantName, "
            "so the policy would never get data. Add both dimensions (any values: the scaled variant's "
            "names replace them)."
        )
    return spec


def _dimensions(problems: Problems, specification: Mapping[Any, Any], where: str) -> dict[str, str] | None:
    """The dimensions at ``where`` by name (none when absent), or ``None`` after recording problems."""
    if "Dimensions" not in specification:
        return {}
    raw = specification["Dimensions"]
    if not isinstance(raw, list | tuple) or not all(isinstance(item, Mapping) for item in raw):
        problems.add(where, raw, DIMENSIONS_RULE)
        return None
    found = len(problems.found)
    if len(raw) > MAX_DIMENSIONS:
        problems.add(where, f"{len(raw)} dimensions", f"at most {MAX_DIMENSIONS} dimensions")
    dimensions: dict[str, str] = {}
    for index, item in enumerate(raw):
        path = f"{where}[{index}]"
        _check_keys(problems, item, path, DIMENSION_KEYS)
        name, value = item.get("Name"), item.get("Value")
        if _check_text(problems, f"{path}.Name", name, required=True) and name in dimensions:
            problems.add(f"{path}.Name", name, "a name no other dimension of the metric has")
        _check_text(problems, f"{path}.Value", value, required=True)
        dimensions[str(name)] = value
    return None if len(problems.found) > found else dimensions


def _queries(problems: Problems, raw: Any, notes: list[str]) -> tuple[Query, ...] | None:
    """The ``Metrics`` list as query values, or ``None`` after recording its problems."""
    if not isinstance(raw, list | tuple) or not raw:
        problems.add(_METRICS, raw, "a non-empty list of metric data queries")
        return None
    queries = [_query(problems, item, f"{_METRICS}[{index}]", notes) for index, item in enumerate(raw)]
    complete = [query for query in queries if query is not None]
    return tuple(complete) if len(complete) == len(queries) else None


def _query(problems: Problems, query: Any, where: str, notes: list[str]) -> Query | None:
    """One metric data query, or ``None`` after recording its problems."""
    if not _is_object(problems, where, query, "a JSON object (a metric data query)"):
        return None
    found = len(problems.found)
    _check_keys(problems, query, where, QUERY_KEYS)
    query_id = query.get("Id")
    if not isinstance(query_id, str) or not QUERY_ID_PATTERN.fullmatch(query_id):
        problems.add(f"{where}.Id", query_id, f"{QUERY_ID_RULE} (required)")
    label = query.get("Label")
    if "Label" in query and not (isinstance(label, str) and TEXT_PATTERN.fullmatch(label)):
        problems.add(f"{where}.Label", label, TEXT_RULE)
    return_data = query.get("ReturnData")
    if "ReturnData" in query and not isinstance(return_data, bool):
        problems.add(f"{where}.ReturnData", return_data, "true or false")
    if ("Expression" in query) == ("MetricStat" in query):
        problems.add(where, query, "a query with exactly one of Expression and MetricStat")
        return None
    fields = _within(where, _QUERY_FIELDS)
    if "Expression" in query:
        expression = query["Expression"]
        if not isinstance(expression, str):
            problems.add(f"{where}.Expression", expression, "a metric math expression (a string)")
        if len(problems.found) > found:
            return None
        made: Query | None = _build(
            problems,
            fields,
            where,
            lambda: ExpressionQuery(id=query_id, expression=expression, label=label, return_data=return_data),
        )
        return made
    metric_stat = _metric_stat(problems, query["MetricStat"], f"{where}.MetricStat", notes)
    if metric_stat is None or len(problems.found) > found:
        return None
    metric, stat = metric_stat
    made = _build(
        problems,
        fields,
        where,
        lambda: MetricQuery(id=query_id, metric=metric, stat=stat, label=label, return_data=return_data),
    )
    return made


def _metric_stat(problems: Problems, metric_stat: Any, where: str, notes: list[str]) -> tuple[MetricSpec, str] | None:
    """The metric and statistic of a ``MetricStat``, or ``None`` after recording its problems."""
    if not _is_object(problems, where, metric_stat):
        return None
    found = len(problems.found)
    _check_keys(problems, metric_stat, where, METRIC_STAT_KEYS)
    stat = metric_stat.get("Stat")
    _check_text(problems, f"{where}.Stat", stat, required=True, rule="a CloudWatch statistic, e.g. Average or p99")
    unit = _optional_text(problems, metric_stat, "Unit", where)
    metric = metric_stat.get("Metric")
    if not _is_object(problems, f"{where}.Metric", metric, "a JSON object (required)"):
        return None
    _check_keys(problems, metric, f"{where}.Metric", METRIC_KEYS)
    spec = _metric(
        problems,
        metric,
        f"{where}.Metric",
        notes,
        statistic=DEFAULT_STATISTIC,
        unit=unit,
        unit_path=f"{where}.Unit",
    )
    if spec is None or len(problems.found) > found:
        return None
    return spec, stat

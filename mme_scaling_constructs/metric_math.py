"""Metric math queries of target-tracking policies: metric and expression queries, and their grammar.

A metric math policy tracks one query of a ``Metrics`` list: :class:`MetricQuery` reads a
metric with any CloudWatch statistic, :class:`ExpressionQuery` computes over other queries.

Sources: https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html
and botocore's ``application-autoscaling`` model (``TargetTrackingMetricDataQuery``,
``TargetTrackingMetricStat``).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeAlias

from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.constants import DEFAULT_STATISTIC
from mme_scaling_constructs.errors import ConfigurationError, Problems
from mme_scaling_constructs.metrics import TARGET_TRACKING_STATISTICS, MetricSpec, as_metric_spec, convert_metric
from mme_scaling_constructs.validation import TEXT_PATTERN, TEXT_RULE, check_bool, check_string, is_token

#: Metric math query ids: a lowercase letter, then letters, digits and underscores, 1 to 255
#: characters in all (botocore ``TargetTrackingMetricDataQuery.Id``). ``result`` is one.
QUERY_ID_PATTERN: Final = re.compile(r"[a-z][a-zA-Z0-9_]{0,254}")
QUERY_ID_RULE: Final = "1 to 255 letters, digits and underscores, starting with a lowercase letter"
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


class VariantNames(Protocol):
    """The names a query fills its metric's dimensions with; a ``ScalingContext`` provides them."""

    @property
    def endpoint_name(self) -> str:
        """The endpoint's name (a literal or a token)."""
        ...

    @property
    def variant_name(self) -> str:
        """The production variant's name."""
        ...


def dimension_properties(metric: MetricSpec, variant: VariantNames, kind: Any) -> list[Any] | None:
    """The metric's dimensions for ``variant`` as L1 properties of type ``kind``; ``None`` when it has none."""
    dimensions = metric.dimensions_for(endpoint_name=variant.endpoint_name, variant_name=variant.variant_name)
    return [kind(name=k, value=v) for k, v in dimensions.items()] or None


def check_expression(problems: Problems, parameter: str, value: Any) -> None:
    """Record a problem unless ``value`` is a metric math expression a template can carry (or a token)."""
    check_string(
        problems, parameter, value, pattern=TEXT_PATTERN, max_length=EXPRESSION_MAX_LENGTH, rule=EXPRESSION_RULE
    )


def check_label(problems: Problems, value: Any) -> None:
    """Record a problem unless ``value`` (the parameter ``label``) is ``None``, a token or label text."""
    if value is not None and not (isinstance(value, str) and (is_token(value) or TEXT_PATTERN.fullmatch(value))):
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
        check_label(problems, self.label)
        _check_return_data(problems, self.return_data)
        problems.raise_if_any()

    @property
    def metric_spec(self) -> MetricSpec:
        """The queried metric, as a :class:`MetricSpec` (converted at construction)."""
        return as_metric_spec(self.metric)

    @property
    def returns_data(self) -> bool:
        """Whether the policy tracks this query (``return_data`` true or left out)."""
        return self.return_data is not False

    @property
    def key(self) -> str:
        """What the query reads, for telling policies apart."""
        namespace, name = self.metric_spec.key
        return f"{self.id}={namespace}/{name}:{self.stat}"

    def properties(self, context: VariantNames) -> Any:
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
                    dimensions=dimension_properties(metric, context, _Cfn.TargetTrackingMetricDimensionProperty),
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
        check_expression(problems, "expression", self.expression)
        check_label(problems, self.label)
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

    def properties(self, context: VariantNames) -> Any:
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


def check_query_list(problems: Problems, queries: tuple[Query, ...], parameter: str) -> None:
    """Record problems of a ``Metrics`` list: ids, references, and the one query that returns data."""
    ids = [query.id for query in queries]
    for index, query_id in enumerate(ids):
        if not is_token(query_id) and query_id in ids[:index]:
            problems.add(f"{parameter}[{index}].id", query_id, "an id no other query of the list has")
    for index, query in enumerate(queries):
        if isinstance(query, ExpressionQuery) and not is_token(query.expression):
            check_references(problems, f"{parameter}[{index}].expression", query.expression, query.id, set(ids))
    returned = [query for query in queries if query.returns_data]
    has_expressions = any(isinstance(query, ExpressionQuery) for query in queries)
    allowed = "exactly one query that returns data (return_data True or None)"
    if has_expressions:
        allowed += ", an expression: the final one, whose value the policy tracks"
    if len(returned) != 1:
        problems.add(parameter, f"{len(returned)} queries returning data", allowed)
    elif has_expressions and not isinstance(returned[0], ExpressionQuery):
        problems.add(parameter, f"metric query {returned[0].id!r} returning data", allowed)


def check_references(problems: Problems, parameter: str, expression: str, own_id: str, ids: set[str]) -> None:
    """Record a problem unless ``expression`` (of query ``own_id``) refers only to other ids among ``ids``."""
    missing = [name for name in referenced_ids(expression) if name == own_id or name not in ids]
    if missing:
        problems.add(
            parameter,
            expression,
            f"an expression over the ids of the other queries ({', '.join(sorted(ids - {own_id})) or 'none'}); "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not among them",
        )

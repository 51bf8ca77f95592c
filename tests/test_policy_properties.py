"""Property-based: every policy constructor and ``load_policy`` either works or raises ConfigurationError.

Inputs mix valid values, near misses and values of every wrong type (NaN and infinities
included). Whatever builds synthesizes inside an ``EndpointScaling``, lints clean with
cfn-lint and passes botocore's ``PutScalingPolicy`` validation; every loadable JSON document
round-trips through synthesis and ``load_policy`` to an identical configuration; every
problem ``load_policy`` reports names a JSON path.
"""

from __future__ import annotations

import decimal
import functools
import json
import math
import re
import string
import warnings
from typing import Any

import aws_cdk as cdk
import botocore.session
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import (
    CPU_UTILIZATION,
    DISK_UTILIZATION,
    GPU_UTILIZATION,
    ConfigurationError,
    CustomMetricPolicy,
    Device,
    HighResolutionConcurrencyPolicy,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    MetricSpec,
    ScalingWarning,
    UtilizationPolicy,
    load_policy,
)
from mme_scaling_constructs.export import scaling_in_template
from mme_scaling_constructs.policies import ExpressionQuery, MetricQuery
from tests.conftest import lint_errors
from tests.policy_helpers import VARIANT_DIMENSIONS, attempt, scale

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
PUT_SCALING_POLICY = (
    botocore.session.get_session().get_service_model("application-autoscaling").operation_model("PutScalingPolicy")
)

#: Values of every kind a caller might pass by mistake.
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([2**31, -1, 0, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e400, 2.0**361, 2.0**-361]),
    st.text(max_size=12),
    st.sampled_from(["", " ", "\n", "m1\n", "x" * 300, "\x00", "\ud800"]),
    st.sampled_from([decimal.Decimal("2"), b"bytes", (), [], {}, {1: 2}, object(), 1j, cloudwatch.Unit.PERCENT]),
    st.sampled_from([CPU_UTILIZATION, MetricSpec(metric_name="X"), Duration.seconds(60), Device.CPU]),
)


def maybe(valid: st.SearchStrategy[Any], wrong: bool = True) -> st.SearchStrategy[Any]:
    """A valid value most of the time, anything else otherwise; only valid ones unless ``wrong``."""
    return st.one_of(valid, valid, WRONG) if wrong else valid


STATS = st.sampled_from(["Average", "Sum", "Maximum", "SampleCount", "p99", "p50.5", "tm90", "TM(10%:90%)", "PR(:300)"])
IDS = st.from_regex(r"[a-z][a-zA-Z0-9_]{0,6}", fullmatch=True)
TARGETS = st.one_of(st.integers(min_value=1, max_value=10**6), st.floats(min_value=1e-3, max_value=1e6))
COOLDOWNS = st.builds(Duration.seconds, st.integers(min_value=0, max_value=3600))


def options(wrong: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """The shared target-tracking options, each present or not."""
    return st.fixed_dictionaries(
        {},
        optional={
            "scale_in_cooldown": maybe(COOLDOWNS, wrong),
            "scale_out_cooldown": maybe(COOLDOWNS, wrong),
            "disable_scale_in": maybe(st.booleans(), wrong),
            "policy_name": maybe(st.text(alphabet=string.ascii_letters + "-_ ", min_size=1, max_size=20), wrong),
        },
    )


METRIC_NAMES = st.sampled_from(["ModelLatency", "Invocations", "CPUUtilization", "GPUUtilization", "Backlog"])
NAMESPACES = st.sampled_from(["AWS/SageMaker", "/aws/sagemaker/Endpoints", "Custom/App"])
DIMENSIONS = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["EndpointName", "VariantName", "ModelName", "Host"]),
        st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
        max_size=3,
    ),
)
METRIC_SPECS = st.builds(
    MetricSpec,
    metric_name=METRIC_NAMES,
    namespace=NAMESPACES,
    statistic=st.sampled_from(["Average", "Sum", "Maximum"]),
    unit=st.sampled_from([None, "Percent", "Count", "Microseconds"]),
    dimensions=DIMENSIONS,
)
CDK_METRICS = st.builds(
    lambda name, statistic: cloudwatch.Metric(namespace="AWS/SageMaker", metric_name=name, statistic=statistic),
    METRIC_NAMES,
    st.sampled_from(["Average", "Sum", "p99", "tm90", "bogus"]),
)
METRICS = st.one_of(METRIC_SPECS, METRIC_SPECS, CDK_METRICS)


@st.composite
def query_lists(draw: st.DrawFn, wrong: bool = True) -> tuple[Any, ...]:
    """A Metrics list of metric queries and expressions over earlier ids, some of them wrong."""
    queries: list[Any] = []
    ids: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        query_id = draw(IDS)
        return_data = draw(st.sampled_from([False, False, True, None]))
        if ids and draw(st.booleans()):
            used = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3))
            expression = draw(st.sampled_from([" + ", " / ", " * "])).join(used)
            label = draw(st.none() | st.text(max_size=5))
            make = functools.partial(
                ExpressionQuery, id=query_id, expression=expression, label=label, return_data=return_data
            )
        else:
            metric, stat = draw(METRICS), draw(st.none() | STATS)
            make = functools.partial(MetricQuery, id=query_id, metric=metric, stat=stat, return_data=return_data)
        query = attempt(make)
        if query is not None:
            queries.append(query)
            ids.append(query_id)
    if wrong and draw(st.integers(min_value=0, max_value=9)) == 0:
        queries.append(draw(WRONG))
    return tuple(queries)


def policy_calls(wrong: bool = True) -> st.SearchStrategy[Any]:
    """Zero-argument calls of every policy constructor, with arguments of any kind unless not ``wrong``."""
    return st.one_of(
        st.builds(
            lambda target, options: (
                lambda: InvocationsPerInstancePolicy(target_invocations_per_minute=target, **options)
            ),
            maybe(TARGETS, wrong),
            options(wrong),
        ),
        st.builds(
            lambda rps, factor, options, extra: (
                lambda: InvocationsPerInstancePolicy.from_load_test(
                    max_requests_per_second=rps, safety_factor=factor, **options, **extra
                )
            ),
            maybe(st.floats(min_value=0.01, max_value=1000), wrong),
            maybe(st.floats(min_value=0.01, max_value=1), wrong),
            options(wrong),
            st.dictionaries(st.sampled_from(["name", "target", "scale_in", "unit"]), WRONG, max_size=1 if wrong else 0),
        ),
        st.builds(
            lambda metric, percent, options: (
                lambda: UtilizationPolicy(metric=metric, target_percent=percent, **options)
            ),
            maybe(st.sampled_from([CPU_UTILIZATION, GPU_UTILIZATION, DISK_UTILIZATION]), wrong),
            maybe(st.floats(min_value=1, max_value=100), wrong),
            options(wrong),
        ),
        st.builds(
            lambda metric, target, options: lambda: CustomMetricPolicy(metric=metric, target_value=target, **options),
            maybe(METRICS, wrong),
            maybe(TARGETS, wrong),
            options(wrong),
        ),
        st.builds(
            lambda expression, metrics, label, target, options: (
                lambda: MetricMathPolicy(
                    expression=expression, metrics=metrics, label=label, target_value=target, **options
                )
            ),
            maybe(st.sampled_from(["m1", "m1 / m2", "MAX([m1, m2])", "m1 + m9", "FILL(m1, 0) * 1.5"]), wrong),
            maybe(
                st.dictionaries(
                    st.sampled_from(["m1", "m2"])
                    | st.sampled_from(["result", "M3", 1, None, ("m1",)] if wrong else ["m1"]),
                    maybe(METRICS, wrong),
                    min_size=1,
                    max_size=3,
                ),
                wrong,
            ),
            maybe(st.none() | st.text(max_size=8), wrong),
            maybe(TARGETS, wrong),
            options(wrong),
        ),
        st.builds(
            lambda queries, target, options: lambda: MetricMathPolicy(queries=queries, target_value=target, **options),
            query_lists(wrong),
            maybe(TARGETS, wrong),
            options(wrong),
        ),
        st.builds(
            lambda target, options: (
                lambda: HighResolutionConcurrencyPolicy(target_concurrent_requests=target, **options)
            ),
            maybe(TARGETS, wrong),
            options(wrong),
        ),
    )


def exported_configuration(policy: Any) -> dict[str, Any]:
    """Synthesize ``policy`` on a GPU variant; assert the template lints clean and botocore accepts the call."""
    stack = cdk.Stack(cdk.App(), "Properties")
    scale(stack, policy)
    template = cdk.assertions.Template.from_stack(stack).to_json()
    assert lint_errors(template) == []
    (target,) = scaling_in_template(template)
    (exported,) = target.policies
    request = {
        "PolicyName": exported.policy_name,
        "ServiceNamespace": target.service_namespace,
        "ResourceId": target.resource_id,
        "ScalableDimension": target.scalable_dimension,
        "PolicyType": exported.policy_type,
        "TargetTrackingScalingPolicyConfiguration": exported.configuration,
    }
    report = ParamValidator().validate(request, PUT_SCALING_POLICY.input_shape)
    assert not report.has_errors(), report.generate_report()
    return exported.configuration


@settings(SETTINGS, max_examples=200)
@given(build=policy_calls())
def test_policy_constructors_build_or_raise(build):
    event("built" if attempt(build) is not None else "refused")


@settings(SETTINGS, max_examples=100)
@given(
    query_id=maybe(IDS),
    metric=maybe(METRICS),
    stat=maybe(st.none() | STATS),
    unit=maybe(st.sampled_from([None, "Percent", cloudwatch.Unit.COUNT, "percent"])),
    label=maybe(st.none() | st.text(max_size=8)),
    return_data=maybe(st.sampled_from([True, False, None])),
    expression=maybe(st.text(min_size=1, max_size=20)),
)
def test_query_values_build_or_raise(query_id, metric, stat, unit, label, return_data, expression):
    attempt(lambda: MetricQuery(id=query_id, metric=metric, stat=stat, unit=unit, label=label, return_data=return_data))
    attempt(lambda: ExpressionQuery(id=query_id, expression=expression, label=label, return_data=return_data))


@settings(SETTINGS, max_examples=12)
@given(build=policy_calls(wrong=False))
def test_policies_that_build_synthesize_and_lint_clean(build):
    policy = attempt(build)
    event("built" if policy is not None else "refused")
    if policy is not None:
        event(type(policy).__name__)
        exported_configuration(policy)


#: Parameters ``load_policy`` may name: ``source`` and ``JSON`` for what cannot be read or
#: parsed, and JSON paths from a top-level field, each segment a field or a list index.
JSON_PATH = re.compile(
    r"source|JSON|(TargetValue|PredefinedMetricSpecification|CustomizedMetricSpecification|ScaleInCooldown"
    r"|ScaleOutCooldown|DisableScaleIn)(\.[A-Z][A-Za-z]*|\[\d+\])*"
)
FIELDS = [
    "TargetValue",
    "PredefinedMetricSpecification",
    "PredefinedMetricType",
    "CustomizedMetricSpecification",
    "ScaleInCooldown",
    "ScaleOutCooldown",
    "DisableScaleIn",
    "MetricName",
    "Namespace",
    "Dimensions",
    "Name",
    "Value",
    "Statistic",
    "Unit",
    "Metrics",
    "Id",
    "Expression",
    "Label",
    "MetricStat",
    "Metric",
    "Stat",
    "ReturnData",
]
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=10),
    st.sampled_from(["SageMakerVariantInvocationsPerInstance", "AWS/SageMaker", "m1", "p99", "Percent", "m1 / 2"]),
)
JSON_TREES = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def load_or_raise(source: Any) -> Any:
    """``load_policy(source)``, or None after checking that each problem names a JSON path."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScalingWarning)
            policy = load_policy(source)
        event("loaded")
        return policy
    except ConfigurationError as error:
        assert error.problems
        for problem in error.problems:
            unknown_field = problem.allowed.startswith("one of the fields")
            assert unknown_field or JSON_PATH.fullmatch(problem.parameter), str(problem)
        str(error)
        return None


@settings(SETTINGS, max_examples=150)
@given(document=JSON_TREES)
def test_arbitrary_json_loads_or_raises(document):
    load_or_raise(json.dumps(document) if isinstance(document, dict) else document)
    if isinstance(document, dict):
        load_or_raise(document)


@settings(SETTINGS, max_examples=150)
@given(text=st.text(max_size=30) | st.text(max_size=30).map(lambda text: "{" + text))
def test_arbitrary_strings_load_or_raise(text):
    load_or_raise(text)


def variant_dimensions():
    return [dict(dimension) for dimension in VARIANT_DIMENSIONS]


def metric_stat(name: str, namespace: str, stat: str, **extra: Any) -> dict[str, Any]:
    metric = {"MetricName": name, "Namespace": namespace, "Dimensions": variant_dimensions()}
    return {"Metric": metric, "Stat": stat, **extra}


#: Valid documents: the AWS MME page's, and metric math with every kind of query.
VALID_DOCUMENTS = [
    {
        "TargetValue": 70.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
    },
    {
        "TargetValue": 5,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"
        },
        "ScaleInCooldown": 600,
        "ScaleOutCooldown": 30,
        "DisableScaleIn": True,
    },
    {
        "TargetValue": 50,
        "CustomizedMetricSpecification": {
            "MetricName": "GPUUtilization",
            "Namespace": "/aws/sagemaker/Endpoints",
            "Dimensions": [{"Name": "EndpointName", "Value": "my-endpoint"}, {"Name": "ModelName", "Value": "m"}],
            "Statistic": "Average",
            "Unit": "Percent",
        },
    },
    {
        "TargetValue": 0.5,
        "CustomizedMetricSpecification": {
            "Metrics": [
                {
                    "Id": "m1",
                    "MetricStat": metric_stat("ModelLatency", "AWS/SageMaker", "p99", Unit="Microseconds"),
                    "ReturnData": False,
                    "Label": "p99",
                },
                {"Id": "m2", "MetricStat": metric_stat("Invocations", "AWS/SageMaker", "Sum"), "ReturnData": False},
                {"Id": "e1", "Expression": "m1 / 1000000", "ReturnData": False},
                {"Id": "result", "Expression": "IF(m2 > 0, e1, 0)", "Label": "busy p99"},
            ]
        },
    },
    {
        "TargetValue": 100,
        "CustomizedMetricSpecification": {
            "Metrics": [{"Id": "q", "MetricStat": metric_stat("ModelLatency", "AWS/SageMaker", "TM(10%:90%)")}]
        },
    },
]


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid document with one to three changes: a value replaced, a field removed or added."""
    document = json.loads(json.dumps(draw(st.sampled_from(VALID_DOCUMENTS))))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        containers: list[Any] = []
        pending: list[Any] = [document]
        while pending:
            node = pending.pop()
            if isinstance(node, dict | list) and node:
                containers.append(node)
                pending.extend(node.values() if isinstance(node, dict) else node)
        if not containers:
            break
        node = draw(st.sampled_from(containers))
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            node[key] = draw(JSON_TREES)
        elif action == "remove":
            del node[key]
        elif isinstance(node, dict):
            node[draw(st.sampled_from(FIELDS) | st.text(max_size=6))] = draw(JSON_LEAVES)
        else:
            node.append(draw(JSON_TREES))
    return document


@settings(SETTINGS, max_examples=150)
@given(document=mutated_documents())
def test_mutated_documents_load_or_raise(document):
    load_or_raise(document)
    load_or_raise(json.dumps(document))


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """Valid documents of every kind, metric math with intermediate expressions and percentiles included."""
    kind = draw(st.sampled_from(["predefined", "customized", "math"]))
    document: dict[str, Any] = {"TargetValue": draw(TARGETS)}
    for field, values in (("ScaleInCooldown", st.integers(0, 3600)), ("ScaleOutCooldown", st.integers(0, 3600))):
        document[field] = draw(values)
    document["DisableScaleIn"] = draw(st.booleans())
    if kind == "predefined":
        metric_type = draw(
            st.sampled_from(
                ["SageMakerVariantInvocationsPerInstance", "SageMakerVariantConcurrentRequestsPerModelHighResolution"]
            )
        )
        document["PredefinedMetricSpecification"] = {"PredefinedMetricType": metric_type}
    elif kind == "customized":
        document["CustomizedMetricSpecification"] = {
            "MetricName": draw(METRIC_NAMES),
            "Namespace": draw(NAMESPACES),
            "Dimensions": variant_dimensions(),
            "Statistic": draw(st.sampled_from(["Average", "Sum", "Minimum", "Maximum", "SampleCount"])),
            "Unit": draw(st.sampled_from(["Percent", "Count", "Microseconds"])),
        }
    else:
        metrics: list[dict[str, Any]] = []
        ids = draw(st.lists(IDS, min_size=1, max_size=4, unique=True))
        for index, query_id in enumerate(ids):
            query: dict[str, Any] = {"Id": query_id, "ReturnData": False}
            if index and draw(st.booleans()):
                query["Expression"] = " + ".join(draw(st.lists(st.sampled_from(ids[:index]), min_size=1, max_size=2)))
            else:
                query["MetricStat"] = metric_stat(draw(METRIC_NAMES), draw(NAMESPACES), draw(STATS))
            if draw(st.booleans()):
                query["Label"] = draw(st.text(alphabet=string.ascii_letters + " %", max_size=10))
            metrics.append(query)
        has_expressions = any("Expression" in query for query in metrics)
        returned = [q for q in metrics if "Expression" in q] if has_expressions else metrics
        chosen = returned[-1]
        if draw(st.booleans()):
            chosen["ReturnData"] = True
        else:
            del chosen["ReturnData"]
        document["CustomizedMetricSpecification"] = {"Metrics": metrics}
    return document


@settings(SETTINGS, max_examples=10)
@given(document=valid_documents())
def test_valid_documents_round_trip_to_an_identical_configuration(document):
    policy = load_or_raise(document)
    assert policy is not None
    configuration = exported_configuration(policy)
    assert configuration == document
    assert exported_configuration(load_or_raise(json.dumps(configuration))) == configuration

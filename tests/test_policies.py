"""Every kind of target-tracking policy, synthesized and asserted property by property."""

import dataclasses
from decimal import Decimal

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Annotations, Match

from mme_scaling_constructs import (
    DISK_UTILIZATION,
    GPU_MEMORY_UTILIZATION,
    INSTANCE_TYPES,
    MEMORY_UTILIZATION,
    ConfigurationError,
    CustomMetricPolicy,
    Device,
    HighResolutionConcurrencyPolicy,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    MetricSpec,
    ScalingPreset,
    UtilizationMetric,
    UtilizationPolicy,
)
from mme_scaling_constructs.policies import ExpressionQuery, MetricQuery, ScalingContext, referenced_ids
from tests.policy_helpers import VARIANT_DIMENSIONS, scale


def configurations(template):
    return {
        policy["Properties"]["PolicyName"]: policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        for policy in template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    }


def only_configuration(template):
    (configuration,) = configurations(template).values()
    return configuration


def test_custom_cloudwatch_metric(stack, synth):
    latency = cloudwatch.Metric(
        namespace="AWS/SageMaker",
        metric_name="ModelLatency",
        statistic="Average",
        unit=cloudwatch.Unit.MICROSECONDS,
        dimensions_map={"EndpointName": "my-endpoint", "VariantName": "AllTraffic"},
    )
    scale(stack, CustomMetricPolicy(metric=latency, target_value=250_000, disable_scale_in=True))
    configuration = only_configuration(synth(stack))
    assert configuration == {
        "TargetValue": 250_000,
        "DisableScaleIn": True,
        "ScaleInCooldown": 600,
        "ScaleOutCooldown": 300,
        "CustomizedMetricSpecification": {
            "MetricName": "ModelLatency",
            "Namespace": "AWS/SageMaker",
            "Dimensions": VARIANT_DIMENSIONS,
            "Statistic": "Average",
            "Unit": "Microseconds",
        },
    }


def test_metric_spec_without_dimensions_gets_the_variant_ones(stack, synth):
    metric = MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker", statistic="Maximum")
    scale(stack, CustomMetricPolicy(metric=metric, target_value=100))
    specification = only_configuration(synth(stack))["CustomizedMetricSpecification"]
    assert specification["Dimensions"] == VARIANT_DIMENSIONS
    assert specification["Statistic"] == "Maximum"
    assert "Unit" not in specification


def test_percentile_statistics_are_rejected():
    with pytest.raises(ConfigurationError) as raised:
        CustomMetricPolicy(
            metric=cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="ModelLatency", statistic="p99"),
            target_value=1,
        )
    assert str(raised.value) == (
        "Invalid CustomMetricPolicy configuration (1 problem):\n"
        "  - metric.statistic: got 'p99'; allowed: one of Average, Minimum, Maximum, SampleCount, Sum "
        "(target tracking accepts no percentiles)"
    )


def test_metric_math(stack, synth):
    cpu = MetricSpec(metric_name="CPUUtilization")
    gpu = MetricSpec(metric_name="GPUUtilization", statistic="Maximum")
    scale(
        stack,
        MetricMathPolicy(
            expression="MAX([cpu / 4, gpu])", metrics={"cpu": cpu, "gpu": gpu}, target_value=60, label="Busiest device"
        ),
    )
    configuration = only_configuration(synth(stack))
    assert configuration["TargetValue"] == 60
    assert configuration["CustomizedMetricSpecification"] == {
        "Metrics": [
            {
                "Id": "cpu",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {
                        "MetricName": "CPUUtilization",
                        "Namespace": "/aws/sagemaker/Endpoints",
                        "Dimensions": VARIANT_DIMENSIONS,
                    },
                    "Stat": "Average",
                },
            },
            {
                "Id": "gpu",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {
                        "MetricName": "GPUUtilization",
                        "Namespace": "/aws/sagemaker/Endpoints",
                        "Dimensions": VARIANT_DIMENSIONS,
                    },
                    "Stat": "Maximum",
                },
            },
            {"Id": "result", "Expression": "MAX([cpu / 4, gpu])", "Label": "Busiest device", "ReturnData": True},
        ]
    }


def test_metric_math_rejects_bad_ids_and_empty_expressions():
    with pytest.raises(ConfigurationError) as raised:
        MetricMathPolicy(expression="", metrics={"M1": MetricSpec(metric_name="Invocations")}, target_value=1)
    assert [problem.parameter for problem in raised.value.problems] == ["expression", "metrics['M1']"]


def test_high_resolution_concurrency_is_opt_in_with_a_warning(stack, synth):
    scale(stack, HighResolutionConcurrencyPolicy(target_concurrent_requests=5))
    configuration = only_configuration(synth(stack))
    assert configuration["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"
    }
    assert configuration["TargetValue"] == 5
    warnings = Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp("is not documented by AWS for multi-model endpoints")
    )
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("metric", "instance_type", "percent", "target"),
    [
        (GPU_MEMORY_UTILIZATION, "ml.g5.xlarge", 70, 70),
        (DISK_UTILIZATION, "ml.c5.4xlarge", 80, 80),
        (MEMORY_UTILIZATION, "ml.c5.4xlarge", 80, 80),
    ],
)
def test_other_utilization_metrics(stack, synth, metric, instance_type, percent, target):
    scale(
        stack, UtilizationPolicy(metric=metric, target_percent=percent), instance_type=instance_type, device=Device.CPU
    )
    configuration = only_configuration(synth(stack))
    assert configuration["TargetValue"] == target
    assert configuration["CustomizedMetricSpecification"]["MetricName"] == metric.metric_name
    assert configuration["CustomizedMetricSpecification"]["Namespace"] == "/aws/sagemaker/Endpoints"


@pytest.mark.parametrize("metric", [MEMORY_UTILIZATION, GPU_MEMORY_UTILIZATION])
def test_metrics_that_do_not_fall_with_capacity_warn(stack, warnings_of, metric):
    scale(stack, UtilizationPolicy(metric=metric, target_percent=70))
    assert len(warnings_of(stack, f"{metric.metric_name} does not fall as instances are added")) == 1


def test_loaded_model_count_warns(stack, warnings_of):
    loaded = MetricSpec(metric_name="LoadedModelCount", namespace="AWS/SageMaker")
    scale(stack, CustomMetricPolicy(metric=loaded, target_value=10))
    assert len(warnings_of(stack, "LoadedModelCount does not fall as instances are added")) == 1


def test_disk_utilization_does_not_warn(stack, warnings_of):
    scale(stack, UtilizationPolicy(metric=DISK_UTILIZATION, target_percent=70))
    assert warnings_of(stack) == []


def test_per_policy_cooldowns_and_names(stack, synth):
    scale(
        stack,
        InvocationsPerInstancePolicy(
            target_invocations_per_minute=100,
            scale_in_cooldown=Duration.minutes(30),
            scale_out_cooldown=Duration.seconds(30),
            policy_name="fraud-invocations",
        ),
    )
    configuration = configurations(synth(stack))["fraud-invocations"]
    assert (configuration["ScaleInCooldown"], configuration["ScaleOutCooldown"]) == (1800, 30)


def test_load_test_target():
    policy = InvocationsPerInstancePolicy.from_load_test(max_requests_per_second=20, safety_factor=0.25, name="Load")
    assert policy.target_invocations_per_minute == 300
    assert policy.construct_id == "Load"


def test_preset_with_policy_replaces_the_same_metric():
    preset = ScalingPreset.cpu().with_policy(InvocationsPerInstancePolicy(target_invocations_per_minute=200))
    assert [p.construct_id for p in preset.policies] == ["CPUUtilization", "InvocationsPerInstance"]
    assert preset.policies[1] == InvocationsPerInstancePolicy(target_invocations_per_minute=200)


def test_preset_with_policy_adds_a_new_metric_and_without_policy_removes():
    preset = ScalingPreset.gpu().with_policy(UtilizationPolicy(metric=DISK_UTILIZATION, target_percent=80))
    assert [p.construct_id for p in preset.policies] == ["InvocationsPerInstance", "GPUUtilization", "DiskUtilization"]
    assert [p.construct_id for p in preset.without_policy("GPUUtilization").policies] == [
        "InvocationsPerInstance",
        "DiskUtilization",
    ]


def test_without_an_unknown_policy_fails():
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.cpu().without_policy("Nope")
    assert str(raised.value) == (
        "Invalid ScalingPreset.without_policy configuration (1 problem):\n"
        "  - construct_id: got 'Nope'; allowed: one of InvocationsPerInstance, CPUUtilization"
    )


def test_two_policies_on_one_metric_are_rejected():
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.custom(
            InvocationsPerInstancePolicy(),
            InvocationsPerInstancePolicy(target_invocations_per_minute=10, name="Other"),
        )
    assert str(raised.value) == (
        "Invalid ScalingPreset configuration (1 problem):\n"
        "  - policies[1]: got 'Other'; allowed: policies on different metrics: "
        "target tracking allows one policy per metric"
    )


def test_at_most_fifty_policies():
    policies = [CustomMetricPolicy(metric=MetricSpec(metric_name=f"Metric{i}"), target_value=1) for i in range(51)]
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.custom(*policies)
    assert str(raised.value) == (
        "Invalid ScalingPreset configuration (1 problem):\n"
        "  - policies: got '51 policies'; allowed: at most 50 policies per scalable target "
        "(an Application Auto Scaling quota)"
    )


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"name": "bad-name"}, "name: got 'bad-name'; allowed: 1 to 64 letters and digits, starting with a letter"),
        ({"policy_name": ""}, "policy_name: got ''; allowed: 1 to 256 printable characters"),
        ({"policy_name": "x" * 257}, f"policy_name: got '{'x' * 257}'; allowed: 1 to 256 printable characters"),
    ],
)
def test_policy_names_are_checked(options, problem):
    with pytest.raises(ConfigurationError) as raised:
        InvocationsPerInstancePolicy(**options)
    assert str(raised.value) == f"Invalid InvocationsPerInstancePolicy configuration (1 problem):\n  - {problem}"


def test_disabling_scale_in_everywhere_warns(stack, warnings_of):
    scale(
        stack,
        InvocationsPerInstancePolicy(disable_scale_in=True),
        UtilizationPolicy(metric=DISK_UTILIZATION, target_percent=70, disable_scale_in=True),
    )
    assert len(warnings_of(stack, "Every policy disables scale-in")) == 1


def test_one_policy_that_scales_in_is_enough(stack, warnings_of):
    scale(
        stack,
        InvocationsPerInstancePolicy(disable_scale_in=True),
        UtilizationPolicy(metric=DISK_UTILIZATION, target_percent=70),
    )
    assert warnings_of(stack) == []


def test_metric_math_queries_keep_intermediate_expressions_percentiles_and_labels(stack, synth):
    latency = cloudwatch.Metric(
        namespace="AWS/SageMaker", metric_name="ModelLatency", statistic="p99", unit=cloudwatch.Unit.MICROSECONDS
    )
    invocations = MetricSpec(metric_name="Invocations", namespace="AWS/SageMaker", statistic="Sum")
    policy = MetricMathPolicy(
        target_value=200,
        queries=(
            MetricQuery(id="latency", metric=latency, label="p99 latency"),
            MetricQuery(id="invocations", metric=invocations),
            ExpressionQuery(id="ms", expression="latency / 1000"),
            ExpressionQuery(id="result", expression="IF(invocations > 0, ms, 0)", label="Busy p99", return_data=True),
        ),
    )
    scale(stack, policy)
    assert only_configuration(synth(stack))["CustomizedMetricSpecification"] == {
        "Metrics": [
            {
                "Id": "latency",
                "Label": "p99 latency",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {
                        "MetricName": "ModelLatency",
                        "Namespace": "AWS/SageMaker",
                        "Dimensions": VARIANT_DIMENSIONS,
                    },
                    "Stat": "p99",
                    "Unit": "Microseconds",
                },
            },
            {
                "Id": "invocations",
                "ReturnData": False,
                "MetricStat": {
                    "Metric": {
                        "MetricName": "Invocations",
                        "Namespace": "AWS/SageMaker",
                        "Dimensions": VARIANT_DIMENSIONS,
                    },
                    "Stat": "Sum",
                },
            },
            {"Id": "ms", "Expression": "latency / 1000", "ReturnData": False},
            {"Id": "result", "Expression": "IF(invocations > 0, ms, 0)", "Label": "Busy p99", "ReturnData": True},
        ]
    }


def test_a_single_metric_query_needs_no_expression(stack, synth):
    latency = MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker")
    scale(
        stack,
        MetricMathPolicy(
            target_value=1000, queries=(MetricQuery(id="m1", metric=latency, stat="tm90", return_data=None),)
        ),
    )
    assert only_configuration(synth(stack))["CustomizedMetricSpecification"] == {
        "Metrics": [
            {
                "Id": "m1",
                "MetricStat": {
                    "Metric": {
                        "MetricName": "ModelLatency",
                        "Namespace": "AWS/SageMaker",
                        "Dimensions": VARIANT_DIMENSIONS,
                    },
                    "Stat": "tm90",
                },
            }
        ]
    }


def test_metric_query_takes_its_statistic_from_a_cloudwatch_metric():
    query = MetricQuery(
        id="m1", metric=cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="ModelLatency", statistic="p99.9")
    )
    assert (query.stat, query.metric.statistic, query.unit) == ("p99.9", "Average", None)
    assert MetricQuery(id="m1", metric=MetricSpec(metric_name="X", statistic="Maximum"), unit="Count").stat == "Maximum"
    assert MetricQuery(id="m1", metric=MetricSpec(metric_name="X"), unit=cloudwatch.Unit.COUNT).unit == "Count"


@pytest.mark.parametrize(
    "stat",
    [
        "Average",
        "SampleCount",
        "IQM",
        "p0",
        "p99",
        "p99.99",
        "p100",
        "tm90",
        "wm98",
        "tc90",
        "ts90.5",
        "TM(2%:98%)",
        "TM(150:1000)",
        "WM(:90%)",
        "PR(:300)",
        "TS(10%:)",
    ],
)
def test_metric_queries_take_any_cloudwatch_statistic(stat):
    assert MetricQuery(id="m1", metric=MetricSpec(metric_name="X"), stat=stat).stat == stat


@pytest.mark.parametrize("stat", ["", "average", "p101", "P99", "p99.", "TM(2%:98)", "TM(:)", "pr(:300)", "p99\n", 99])
def test_metric_queries_refuse_what_is_no_statistic(stat):
    with pytest.raises(ConfigurationError) as raised:
        MetricQuery(id="m1", metric=MetricSpec(metric_name="X"), stat=stat)
    assert [str(problem) for problem in raised.value.problems] == [
        f"stat: got {stat!r}; allowed: a CloudWatch statistic: SampleCount, Average, Sum, Minimum, Maximum, IQM, "
        "or an extended one such as p99, tm90, wm90, tc90, ts90, TM(10%:90%) or PR(:300)"
    ]


@pytest.mark.parametrize("query_id", ["result", "m", "mA_9", "a" * 255])
def test_query_ids_follow_botocore(query_id):
    assert ExpressionQuery(id=query_id, expression="1").id == query_id


@pytest.mark.parametrize("query_id", ["", "1m", "Ab", "m-1", "m1\n", "a" * 256, None, 7])
def test_bad_query_ids_are_refused(query_id):
    with pytest.raises(ConfigurationError) as raised:
        ExpressionQuery(id=query_id, expression="1")
    assert str(raised.value) == (
        "Invalid ExpressionQuery configuration (1 problem):\n"
        f"  - id: got {query_id!r}; allowed: 1 to 255 letters, digits and underscores, starting with a lowercase letter"
    )


def test_query_values_are_checked():
    with pytest.raises(ConfigurationError) as raised:
        ExpressionQuery(id="e1", expression="", label="\x00", return_data="false")
    assert [str(problem) for problem in raised.value.problems] == [
        "expression: got ''; allowed: a metric math expression of 1 to 2048 characters",
        "label: got '\\x00'; allowed: text without control characters other than tab, line feed and carriage "
        "return, or None",
        "return_data: got 'false'; allowed: True or False",
    ]
    with pytest.raises(ConfigurationError) as raised:
        MetricQuery(id="m1", metric="CPUUtilization", unit="Percent", label=b"x")
    assert [problem.parameter for problem in raised.value.problems] == ["metric", "label"]
    with pytest.raises(ConfigurationError) as raised:
        MetricQuery(id="m1", metric=MetricSpec(metric_name="X"), unit="percent")
    assert [problem.parameter for problem in raised.value.problems] == ["unit"]


M1 = MetricQuery(id="m1", metric=MetricSpec(metric_name="Invocations", namespace="AWS/SageMaker", statistic="Sum"))
RETURNED_RULE = (
    "exactly one query that returns data (return_data True or None), an expression: the final one, "
    "whose value the policy tracks"
)


@pytest.mark.parametrize(
    ("arguments", "problems"),
    [
        (
            {"queries": (M1, M1, ExpressionQuery(id="e1", expression="m1 / 60", return_data=True))},
            ["queries[1].id: got 'm1'; allowed: an id no other query of the list has"],
        ),
        (
            {"queries": (M1, ExpressionQuery(id="e1", expression="m1 / 60"))},
            [f"queries: got '0 queries returning data'; allowed: {RETURNED_RULE}"],
        ),
        (
            {
                "queries": (
                    dataclasses.replace(M1, return_data=None),
                    ExpressionQuery(id="e1", expression="m1 / 60", return_data=True),
                )
            },
            [f"queries: got '2 queries returning data'; allowed: {RETURNED_RULE}"],
        ),
        (
            {"queries": (dataclasses.replace(M1, return_data=True), ExpressionQuery(id="e1", expression="m1 / 60"))},
            [f"queries: got \"metric query 'm1' returning data\"; allowed: {RETURNED_RULE}"],
        ),
        (
            {"queries": (M1, ExpressionQuery(id="e1", expression="m1 + m2 + MAX(METRICS('m3'))", return_data=True))},
            [
                "queries[1].expression: got \"m1 + m2 + MAX(METRICS('m3'))\"; allowed: an expression over the ids "
                "of the other queries (m1); m2 is not among them"
            ],
        ),
        (
            {"queries": (M1, ExpressionQuery(id="e1", expression="e1 * 2", return_data=True))},
            [
                "queries[1].expression: got 'e1 * 2'; allowed: an expression over the ids of the other queries "
                "(m1); e1 is not among them"
            ],
        ),
        (
            {"queries": (M1,), "expression": "m1", "label": "x"},
            [
                "expression: got 'm1'; allowed: None when queries are given",
                "label: got 'x'; allowed: None when queries are given",
                "queries: got '0 queries returning data'; allowed: exactly one query that returns data "
                "(return_data True or None)",
            ],
        ),
        ({"queries": ("m1",)}, ["queries[0]: got 'm1'; allowed: a MetricQuery or an ExpressionQuery"]),
        ({"queries": "m1"}, ["queries: got 'm1'; allowed: a tuple of MetricQuery and ExpressionQuery values, or ()"]),
        (
            {"expression": "m1 / m2", "metrics": {"m1": M1.metric}},
            [
                "expression: got 'm1 / m2'; allowed: an expression over the ids of the other queries (m1); "
                "m2 is not among them"
            ],
        ),
        (
            {"expression": "m1", "metrics": {1: M1.metric, "result": M1.metric}},
            [
                "metrics[1]: got 1; allowed: an id of a lowercase letter then letters, digits and underscores, "
                "other than 'result'",
                "metrics['result']: got 'result'; allowed: an id of a lowercase letter then letters, digits and "
                "underscores, other than 'result'",
            ],
        ),
        (
            {"expression": None, "metrics": ["m1"]},
            [
                "expression: got None; allowed: a metric math expression of 1 to 2048 characters",
                "metrics: got ['m1']; allowed: a mapping of at least one metric id to a MetricSpec or "
                "cloudwatch.Metric",
            ],
        ),
        (
            {
                "expression": "m1",
                "metrics": {
                    "m1": cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="ModelLatency", statistic="p99")
                },
            },
            [
                "metrics['m1']: got 'p99'; allowed: a metric with statistic Average, Minimum, Maximum, SampleCount, "
                "Sum; for another statistic (a percentile such as p99) give "
                "queries=(MetricQuery(id=..., metric=..., stat='p99'), ...)"
            ],
        ),
    ],
)
def test_metric_math_list_rules(arguments, problems):
    with pytest.raises(ConfigurationError) as raised:
        MetricMathPolicy(target_value=1, **arguments)
    assert [str(problem) for problem in raised.value.problems] == problems


def test_referenced_ids_skip_functions_numbers_and_strings():
    assert referenced_ids('FILL(m1, 0) * 1.5e3 / PERIOD(m_2) + METRICS("label m9") + m1') == ["m1", "m_2"]


TARGET_RULE = "a number from 2^-360 to 2^360 (Application Auto Scaling's TargetValue range)"
BAD_TARGETS = [
    0,
    -1,
    2.0**361,
    10**400,
    float("nan"),
    float("inf"),
    float("-inf"),
    1e-200,
    True,
    "70",
    Decimal("70"),
    None,
]
TARGETS = {
    InvocationsPerInstancePolicy: ("target_invocations_per_minute", {}),
    HighResolutionConcurrencyPolicy: ("target_concurrent_requests", {}),
    CustomMetricPolicy: ("target_value", {"metric": MetricSpec(metric_name="ModelLatency")}),
    MetricMathPolicy: ("target_value", {"expression": "m1", "metrics": {"m1": MetricSpec(metric_name="Invocations")}}),
}


@pytest.mark.parametrize("target", BAD_TARGETS, ids=repr)
@pytest.mark.parametrize("kind", list(TARGETS), ids=lambda kind: kind.__name__)
def test_targets_are_checked_against_the_target_value_range(kind, target):
    parameter, others = TARGETS[kind]
    with pytest.raises(ConfigurationError) as raised:
        kind(**{parameter: target}, **others)
    assert str(raised.value) == (
        f"Invalid {kind.__name__} configuration (1 problem):\n  - {parameter}: got {target!r}; allowed: {TARGET_RULE}"
    )


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"disable_scale_in": "yes"}, "disable_scale_in: got 'yes'; allowed: True or False"),
        ({"disable_scale_in": None}, "disable_scale_in: got None; allowed: True or False"),
        ({"scale_in_cooldown": 600}, "scale_in_cooldown: got 600; allowed: an aws_cdk.Duration of whole seconds"),
        (
            {"scale_out_cooldown": "PT5M"},
            "scale_out_cooldown: got 'PT5M'; allowed: an aws_cdk.Duration of whole seconds",
        ),
        ({"name": 5}, "name: got 5; allowed: 1 to 64 letters and digits, starting with a letter"),
        ({"policy_name": 5}, "policy_name: got 5; allowed: 1 to 256 printable characters"),
        ({"policy_name": "fraud\n"}, "policy_name: got 'fraud\\n'; allowed: 1 to 256 printable characters"),
        (
            {"policy_name": cloudwatch.Unit.PERCENT},
            f"policy_name: got {cloudwatch.Unit.PERCENT!r}; allowed: 1 to 256 printable characters",
        ),
    ],
)
def test_options_are_checked(options, problem):
    with pytest.raises(ConfigurationError) as raised:
        HighResolutionConcurrencyPolicy(target_concurrent_requests=4, **options)
    assert str(raised.value) == f"Invalid HighResolutionConcurrencyPolicy configuration (1 problem):\n  - {problem}"


@pytest.mark.parametrize(
    ("arguments", "problems"),
    [
        (
            {"metric": "CPUUtilization", "target_percent": 50},
            [
                "metric: got 'CPUUtilization'; allowed: a UtilizationMetric such as CPU_UTILIZATION, GPU_UTILIZATION, "
                "MEMORY_UTILIZATION, GPU_MEMORY_UTILIZATION or DISK_UTILIZATION"
            ],
        ),
        (
            {"metric": UtilizationMetric(metric_name="", device="vCPU"), "target_percent": 50},
            [
                "metric: got UtilizationMetric(metric_name='', device='vCPU'); allowed: a UtilizationMetric such as "
                "CPU_UTILIZATION, GPU_UTILIZATION, MEMORY_UTILIZATION, GPU_MEMORY_UTILIZATION or DISK_UTILIZATION"
            ],
        ),
        (
            {"metric": DISK_UTILIZATION, "target_percent": Decimal("50")},
            ["target_percent: got Decimal('50'); allowed: a percentage per instance greater than 0 and at most 100"],
        ),
        (
            {"metric": DISK_UTILIZATION, "target_percent": 1e-200},
            ["target_percent: got 1e-200; allowed: a number from 2^-360 to 2^360 (percent per instance)"],
        ),
    ],
)
def test_utilization_policy_arguments_are_checked(arguments, problems):
    with pytest.raises(ConfigurationError) as raised:
        UtilizationPolicy(**arguments)
    assert [str(problem) for problem in raised.value.problems] == problems


def test_custom_metric_policy_reports_every_problem():
    with pytest.raises(ConfigurationError) as raised:
        CustomMetricPolicy(metric="ModelLatency", target_value=float("nan"), disable_scale_in="yes")
    assert [problem.parameter for problem in raised.value.problems] == ["metric", "target_value", "disable_scale_in"]


@pytest.mark.parametrize(
    ("arguments", "problems"),
    [
        (
            {"max_requests_per_second": 10, "scale_in": Duration.minutes(5), "target_invocations_per_minute": 3},
            [
                "scale_in: got Duration.minutes(5); allowed: one of the options scale_in_cooldown, "
                "scale_out_cooldown, disable_scale_in, name, policy_name",
                "target_invocations_per_minute: got 3; allowed: one of the options scale_in_cooldown, "
                "scale_out_cooldown, disable_scale_in, name, policy_name",
            ],
        ),
        (
            {"max_requests_per_second": 1e308},
            [
                "max_requests_per_second: got 1e+308; allowed: a rate whose target "
                "(max_requests_per_second x safety_factor x 60) is from 2^-360 to 2^360"
            ],
        ),
        (
            {"max_requests_per_second": 2**1024, "safety_factor": 1.0},
            [
                f"max_requests_per_second: got {2**1024}; allowed: a rate whose target "
                "(max_requests_per_second x safety_factor x 60) is from 2^-360 to 2^360"
            ],
        ),
    ],
)
def test_from_load_test_checks_its_options_and_target(arguments, problems):
    with pytest.raises(ConfigurationError) as raised:
        InvocationsPerInstancePolicy.from_load_test(**arguments)
    assert [str(problem) for problem in raised.value.problems] == [
        problem.replace("Duration.minutes(5)", repr(arguments.get("scale_in"))) for problem in problems
    ]


def context(instance_type):
    return ScalingContext(
        endpoint_name="e", variant_name="v", instance_type=instance_type, instance=INSTANCE_TYPES[instance_type]
    )


def test_cpu_target_summed_over_vcpus_is_advised():
    policy = CustomMetricPolicy(metric=MetricSpec(metric_name="CPUUtilization", unit="Percent"), target_value=50)
    assert policy.context_advisories(context("ml.c5.xlarge")) == [
        (
            "targetSummedOverDevices",
            "CPUUtilization is summed over the 4 vCPUs of ml.c5.xlarge (0 to 400 %), so target_value 50 means "
            "12.5 % per vCPU. To give the target per vCPU, use UtilizationPolicy(metric=CPU_UTILIZATION, "
            "target_percent=...).",
        )
    ]


@pytest.mark.parametrize(
    ("metric", "instance_type"),
    [
        (MetricSpec(metric_name="GPUUtilization"), "ml.g5.xlarge"),  # one GPU
        (MetricSpec(metric_name="CPUUtilization", namespace="Custom/Agent"), "ml.c5.xlarge"),
        (MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker"), "ml.c5.xlarge"),
    ],
)
def test_no_advice_when_the_target_is_per_instance(metric, instance_type):
    assert CustomMetricPolicy(metric=metric, target_value=50).context_advisories(context(instance_type)) == []
    assert InvocationsPerInstancePolicy().context_advisories(context(instance_type)) == []


def test_cpu_target_advice_is_a_construct_warning(stack, warnings_of):
    policy = CustomMetricPolicy(metric=MetricSpec(metric_name="CPUUtilization", unit="Percent"), target_value=50)
    scale(stack, policy, instance_type="ml.c5.xlarge", device=Device.CPU)
    assert len(warnings_of(stack, "CPUUtilization is summed over the 4 vCPUs of ml.c5.xlarge")) == 1


def test_tokens_pass_the_query_checks(stack, synth):
    stat = cdk.CfnParameter(stack, "Stat", default="p99").value_as_string
    expression = cdk.CfnParameter(stack, "Expression", default="m1 / 1000").value_as_string
    target = cdk.CfnParameter(stack, "Target", type="Number", default=200).value_as_number
    policy = MetricMathPolicy(
        target_value=target,
        queries=(
            MetricQuery(id="m1", metric=MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker"), stat=stat),
            ExpressionQuery(id="e1", expression=expression, label=stat, return_data=True),
        ),
    )
    scale(stack, policy)
    configuration = only_configuration(synth(stack))
    assert configuration["TargetValue"] == {"Ref": "Target"}
    first, second = configuration["CustomizedMetricSpecification"]["Metrics"]
    assert first["MetricStat"]["Stat"] == {"Ref": "Stat"}
    assert second == {"Id": "e1", "Expression": {"Ref": "Expression"}, "Label": {"Ref": "Stat"}, "ReturnData": True}
    assert policy.context_advisories(context("ml.c5.xlarge")) == []
    cpu = CustomMetricPolicy(metric=MetricSpec(metric_name="CPUUtilization"), target_value=target)
    assert cpu.context_advisories(context("ml.c5.xlarge")) == []

"""The AWS MME page's JSON examples, loaded as written, and the CLI format round trip."""

import dataclasses
import json
import os
import warnings
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import Duration

from mme_scaling_constructs import (
    ConfigurationError,
    CustomMetricPolicy,
    Device,
    EndpointScaling,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    MetricSpec,
    ScalingPreset,
    ScalingWarning,
    load_policy,
)
from mme_scaling_constructs.export import scaling_in_template
from mme_scaling_constructs.policies import ExpressionQuery, MetricQuery

DATA = Path(__file__).parent / "data"

# The page's examples, exactly as published.
AWS_PAGE_INVALID = (
    '{"TargetValue": 70.0, "PredefinedMetricSpecification": { "PredefinedMetricType": "InvocationsPerInstance" } }'
)
AWS_PAGE_GPU = (
    '{"TargetValue": 50, "CustomizedMetricSpecification": {"MetricName": "GPUUtilization", '
    '"Namespace": "/aws/sagemaker/Endpoints", "Dimensions": [ {"Name": "EndpointName", "Value": "my-endpoint" }, '
    '{"Name": "ModelName","Value": "my-model"} ], "Statistic": "Average", "Unit": "Percent" } }'
)
AWS_PAGE_COOLDOWNS = (
    '{"TargetValue": 70.0, "PredefinedMetricSpecification": {"PredefinedMetricType": '
    '"SageMakerVariantInvocationsPerInstance" }, "ScaleInCooldown": 600, "ScaleOutCooldown": 300 }'
)


def test_invalid_predefined_metric_suggests_the_valid_one():
    with pytest.raises(ConfigurationError) as raised:
        load_policy(AWS_PAGE_INVALID)
    assert str(raised.value) == (
        "Invalid scaling policy JSON configuration (1 problem):\n"
        "  - PredefinedMetricSpecification.PredefinedMetricType: got 'InvocationsPerInstance'; allowed: "
        "SageMakerVariantInvocationsPerInstance or SageMakerVariantConcurrentRequestsPerModelHighResolution "
        "(the predefined metrics of a multi-model endpoint variant); "
        "did you mean 'SageMakerVariantInvocationsPerInstance'?"
    )


def test_cooldown_example_loads():
    policy = load_policy(AWS_PAGE_COOLDOWNS)
    assert isinstance(policy, InvocationsPerInstancePolicy)
    assert policy.target_invocations_per_minute == 70
    assert (policy.scale_in_cooldown.to_seconds(), policy.scale_out_cooldown.to_seconds()) == (600, 300)


@pytest.mark.parametrize("source", [AWS_PAGE_GPU, DATA / "aws_page_cpu.json"])
def test_model_name_dimension_loads_with_a_warning(source):
    with pytest.warns(ScalingWarning) as caught:
        policy = load_policy(source)
    assert sum("multi-model endpoints publish no per-model metrics" in str(w.message) for w in caught) == 1
    assert isinstance(policy, CustomMetricPolicy)
    assert policy.target_value == 50
    assert policy.metric.dimensions == {"EndpointName": "my-endpoint", "ModelName": "my-model"}


def test_variant_dimensions_are_replaced_by_the_scaled_variant(stack, synth):
    with pytest.warns(ScalingWarning, match="CPUUtilization is summed over vCPUs"):
        policy = load_policy(
            {
                "TargetValue": 200,
                "CustomizedMetricSpecification": {
                    "MetricName": "CPUUtilization",
                    "Namespace": "/aws/sagemaker/Endpoints",
                    "Dimensions": [{"Name": "EndpointName", "Value": "other"}, {"Name": "VariantName", "Value": "x"}],
                    "Statistic": "Average",
                    "Unit": "Percent",
                },
                "DisableScaleIn": True,
            }
        )
    EndpointScaling(
        stack, "Scaling", endpoint_name="mine", instance_type="ml.c5.xlarge", preset=ScalingPreset.custom(policy)
    )
    (target,) = scaling_in_template(synth(stack).to_json())
    (exported,) = target.policies
    assert exported.configuration["CustomizedMetricSpecification"]["Dimensions"] == [
        {"Name": "EndpointName", "Value": "mine"},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    assert exported.configuration["DisableScaleIn"] is True
    assert exported.configuration["TargetValue"] == 200


def test_round_trip_through_the_exported_json(synth):
    def exported_configurations(preset):
        stack = cdk.Stack(cdk.App(), "RoundTrip")
        EndpointScaling(stack, "Scaling", endpoint_name="mine", instance_type="ml.g5.xlarge", preset=preset)
        (target,) = scaling_in_template(synth(stack).to_json())
        return [policy.configuration for policy in target.policies]

    latency = MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker", unit="Microseconds")
    invocations = MetricSpec(metric_name="Invocations", namespace="AWS/SageMaker", statistic="Sum")
    busy_latency = MetricMathPolicy(
        target_value=0.25,
        queries=(
            MetricQuery(id="latency", metric=latency, stat="p99", label="p99 latency"),
            MetricQuery(id="invocations", metric=invocations),
            ExpressionQuery(id="seconds", expression="latency / 1000000", label="seconds"),
            ExpressionQuery(id="result", expression="IF(invocations > 0, seconds, 0)", return_data=None),
        ),
        disable_scale_in=True,
        scale_in_cooldown=Duration.minutes(15),
    )
    trimmed = MetricMathPolicy(
        target_value=100_000,
        queries=(MetricQuery(id="m1", metric=latency, stat="TM(10%:90%)", return_data=None),),
        name="Trimmed",
    )
    shorthand = MetricMathPolicy(expression="m1 / 60", metrics={"m1": invocations}, target_value=4, label="rps")
    original = exported_configurations(ScalingPreset.gpu().with_policy(busy_latency).with_policy(trimmed))
    original += exported_configurations(ScalingPreset.custom(shorthand, device=Device.GPU))
    assert len(original) == 5
    policies = [load_policy(json.dumps(c)) for c in original[:4]]
    names = [dataclasses.replace(p, name=f"Loaded{i}") for i, p in enumerate(policies)]
    loaded = ScalingPreset.custom(*names, device=Device.GPU)
    again = ScalingPreset.custom(load_policy(json.dumps(original[4])), device=Device.GPU)
    assert exported_configurations(loaded) + exported_configurations(again) == original


def test_metric_math_loads():
    with pytest.warns(ScalingWarning, match="Metrics.0..MetricStat.Metric has no dimensions"):
        policy = load_policy(
            {
                "TargetValue": 5,
                "CustomizedMetricSpecification": {
                    "Metrics": [
                        {
                            "Id": "m1",
                            "MetricStat": {
                                "Metric": {"MetricName": "Invocations", "Namespace": "AWS/SageMaker"},
                                "Stat": "Sum",
                            },
                            "ReturnData": False,
                        },
                        {"Id": "e1", "Expression": "m1 / 60", "ReturnData": True},
                    ]
                },
            }
        )
    assert isinstance(policy, MetricMathPolicy)
    assert policy.queries == (
        MetricQuery(
            id="m1", metric=MetricSpec(metric_name="Invocations", namespace="AWS/SageMaker", dimensions={}), stat="Sum"
        ),
        ExpressionQuery(id="e1", expression="m1 / 60", return_data=True),
    )


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            "{",
            "JSON: got 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'; "
            "allowed: valid JSON",
        ),
        (
            "  \n{[]}",
            "JSON: got 'Expecting property name enclosed in double quotes: line 2 column 2 (char 4)'; "
            "allowed: valid JSON",
        ),
        (
            '{"PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}',
            "TargetValue: got None; allowed: a number (required)",
        ),
        (
            '{"TargetValue": 1, "Bogus": 1, "PredefinedMetricSpecification": '
            '{"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}',
            "Bogus: got 1; allowed: one of the fields TargetValue, PredefinedMetricSpecification, "
            "CustomizedMetricSpecification, ScaleInCooldown, ScaleOutCooldown, DisableScaleIn",
        ),
        (
            '{"TargetValue": 1}',
            "PredefinedMetricSpecification: got None; allowed: exactly one of PredefinedMetricSpecification and "
            "CustomizedMetricSpecification",
        ),
        (
            '{"TargetValue": 1, "ScaleInCooldown": -5, "PredefinedMetricSpecification": '
            '{"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}',
            "ScaleInCooldown: got -5; allowed: a whole number of seconds from 0 to 2147483647",
        ),
    ],
)
def test_malformed_documents(document, problem):
    with pytest.raises(ConfigurationError) as raised:
        load_policy(document)
    assert str(raised.value) == f"Invalid scaling policy JSON configuration (1 problem):\n  - {problem}"


def test_high_resolution_metric_loads():
    policy = load_policy(
        '{"TargetValue": 5.0, "PredefinedMetricSpecification": '
        '{"PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"}}'
    )
    assert policy.metric_key == ("predefined", "SageMakerVariantConcurrentRequestsPerModelHighResolution")
    assert policy.emitted_target(None) == 5.0


def test_predefined_metrics_of_other_endpoint_kinds_are_rejected():
    with pytest.raises(ConfigurationError) as raised:
        load_policy(
            '{"TargetValue": 0.7, "PredefinedMetricSpecification": '
            '{"PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"}}'
        )
    (problem,) = raised.value.problems
    assert problem.parameter == "PredefinedMetricSpecification.PredefinedMetricType"
    assert problem.value == "SageMakerVariantProvisionedConcurrencyUtilization"
    assert problem.allowed == (
        "SageMakerVariantInvocationsPerInstance or SageMakerVariantConcurrentRequestsPerModelHighResolution "
        "(the predefined metrics of a multi-model endpoint variant); "
        "SageMakerVariantProvisionedConcurrencyUtilization is for serverless or inference-component endpoints"
    )


@pytest.mark.parametrize(
    ("metric_type", "suggestion"),
    [
        ("SageMakerVariantInvocationPerInstance", "SageMakerVariantInvocationsPerInstance"),
        ("ConcurrentRequestsPerModel", "SageMakerVariantConcurrentRequestsPerModelHighResolution"),
        ("ALBRequestCountPerTarget", None),
    ],
)
def test_suggestions(metric_type, suggestion):
    with pytest.raises(ConfigurationError) as raised:
        load_policy({"TargetValue": 1, "PredefinedMetricSpecification": {"PredefinedMetricType": metric_type}})
    (problem,) = raised.value.problems
    if suggestion is None:
        assert "did you mean" not in problem.allowed
    else:
        assert problem.allowed.endswith(f"did you mean {suggestion!r}?")


@pytest.mark.parametrize(
    ("customized", "problems"),
    [
        (
            {"MetricName": "CPUUtilization", "Namspace": "/aws/sagemaker/Endpoints"},
            [
                "CustomizedMetricSpecification.Namspace: got '/aws/sagemaker/Endpoints'; allowed: one of the fields "
                "MetricName, Namespace, Dimensions, Statistic, Unit",
                "CustomizedMetricSpecification.Namespace: got None; allowed: a non-empty string (required)",
            ],
        ),
        (
            {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "Statistic": "p90"},
            [
                "CustomizedMetricSpecification.Statistic: got 'p90'; allowed: one of Average, Minimum, Maximum, "
                "SampleCount, Sum (target tracking accepts no percentiles)"
            ],
        ),
        (
            {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "Dimensions": ["EndpointName"]},
            [
                "CustomizedMetricSpecification.Dimensions: got ['EndpointName']; allowed: "
                'a list of {"Name": ..., "Value": ...} strings'
            ],
        ),
        (
            {"Metrics": [{"Expression": "m1"}]},
            [
                "CustomizedMetricSpecification.Metrics[0].Id: got None; allowed: 1 to 255 letters, digits and "
                "underscores, starting with a lowercase letter (required)"
            ],
        ),
        (
            {"Metrics": [{"Id": "m1", "MetricStat": {"Metric": {"MetricName": "Invocations"}}, "ReturnData": False}]},
            [
                "CustomizedMetricSpecification.Metrics[0].MetricStat.Stat: got None; allowed: a CloudWatch statistic, "
                "e.g. Average or p99 (required)",
                "CustomizedMetricSpecification.Metrics[0].MetricStat.Metric.Namespace: got None; allowed: a non-empty "
                "string (required)",
            ],
        ),
    ],
)
def test_malformed_customized_metrics(customized, problems):
    with pytest.raises(ConfigurationError) as raised:
        load_policy({"TargetValue": 1, "CustomizedMetricSpecification": customized})
    assert [str(problem) for problem in raised.value.problems] == problems


IPI = "SageMakerVariantInvocationsPerInstance"
M = "CustomizedMetricSpecification.Metrics"
TARGET_RULE = "a number from 2^-360 to 2^360 (Application Auto Scaling's TargetValue range)"


def other_dimensions():
    return [{"Name": "EndpointName", "Value": "other"}, {"Name": "VariantName", "Value": "blue"}]


MINE = [{"Name": "EndpointName", "Value": "mine"}, {"Name": "VariantName", "Value": "AllTraffic"}]


def exported(stack, synth, policy, instance_type="ml.g5.xlarge"):
    """The one policy configuration ``policy`` synthesizes to on variant AllTraffic of endpoint ``mine``."""
    preset = ScalingPreset.custom(policy, device=Device.GPU if instance_type.startswith("ml.g") else Device.CPU)
    EndpointScaling(stack, "Scaling", endpoint_name="mine", instance_type=instance_type, preset=preset)
    (target,) = scaling_in_template(synth(stack).to_json())
    (policy_json,) = target.policies
    return policy_json.configuration


def loaded_quietly(document):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScalingWarning)
        return load_policy(document)


def math_document(*queries):
    return {"TargetValue": 2, "CustomizedMetricSpecification": {"Metrics": list(queries)}}


def metric_query(query_id="m1", stat="p99", **extra):
    metric = {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "Dimensions": other_dimensions()}
    return {"Id": query_id, "MetricStat": {"Metric": metric, "Stat": stat}, **extra}


def test_intermediate_expressions_labels_and_percentiles_survive_loading(stack, synth):
    document = math_document(
        metric_query("latency", "p99", Label="p99 latency", ReturnData=False),
        metric_query("invocations", "Sum", ReturnData=False),
        {"Id": "seconds", "Expression": "latency / 1000000", "Label": "seconds", "ReturnData": False},
        {"Id": "result", "Expression": "IF(invocations > 0, seconds, 0)", "Label": "busy p99"},
    )
    configuration = exported(stack, synth, load_policy(document))
    expected = json.loads(json.dumps(document["CustomizedMetricSpecification"]).replace('"other"', '"mine"'))
    for query in expected["Metrics"][:2]:
        query["MetricStat"]["Metric"]["Dimensions"][1]["Value"] = "AllTraffic"
    assert configuration["CustomizedMetricSpecification"] == expected


def test_a_single_metric_query_without_expression_loads(stack, synth):
    policy = load_policy(math_document(metric_query("m1", "TM(10%:90%)", Label="trimmed")))
    assert exported(stack, synth, policy)["CustomizedMetricSpecification"] == {
        "Metrics": [
            {
                "Id": "m1",
                "Label": "trimmed",
                "MetricStat": {
                    "Metric": {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "Dimensions": MINE},
                    "Stat": "TM(10%:90%)",
                },
            }
        ]
    }


UNKNOWN = "one of the fields"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            {"TargetValue": 1, "PredefinedMetricSpecification": {"PredefinedMetricType": IPI, "ResourceLabel": "x"}},
            f"PredefinedMetricSpecification.ResourceLabel: got 'x'; allowed: {UNKNOWN} PredefinedMetricType",
        ),
        (
            {
                "TargetValue": 1,
                "CustomizedMetricSpecification": {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "X": 1},
            },
            f"CustomizedMetricSpecification.X: got 1; allowed: {UNKNOWN} MetricName, Namespace, Dimensions, "
            "Statistic, Unit",
        ),
        (
            {
                "TargetValue": 1,
                "CustomizedMetricSpecification": {"Metrics": [metric_query()], "MetricName": "ModelLatency"},
            },
            f"CustomizedMetricSpecification.MetricName: got 'ModelLatency'; allowed: {UNKNOWN} Metrics",
        ),
        (
            math_document(metric_query(Period=60)),
            f"CustomizedMetricSpecification.Metrics[0].Period: got 60; allowed: {UNKNOWN} Id, Expression, Label, "
            "MetricStat, ReturnData",
        ),
        (
            math_document({"Id": "m1", "MetricStat": {**metric_query()["MetricStat"], "Period": 60}}),
            f"CustomizedMetricSpecification.Metrics[0].MetricStat.Period: got 60; allowed: {UNKNOWN} Metric, Stat, "
            "Unit",
        ),
        (
            math_document(
                {
                    "Id": "m1",
                    "MetricStat": {"Metric": {"MetricName": "M", "Namespace": "N", "Unit": "Count"}, "Stat": "Sum"},
                }
            ),
            f"CustomizedMetricSpecification.Metrics[0].MetricStat.Metric.Unit: got 'Count'; allowed: {UNKNOWN} "
            "MetricName, Namespace, Dimensions",
        ),
        (
            {
                "TargetValue": 1,
                "CustomizedMetricSpecification": {
                    "MetricName": "ModelLatency",
                    "Namespace": "AWS/SageMaker",
                    "Dimensions": [{"Name": "EndpointName", "Value": "e", "Type": "string"}],
                },
            },
            f"CustomizedMetricSpecification.Dimensions[0].Type: got 'string'; allowed: {UNKNOWN} Name, Value",
        ),
    ],
)
def test_unknown_fields_are_refused_at_every_level(document, problem):
    with pytest.raises(ConfigurationError) as raised:
        load_policy(document)
    assert [str(p) for p in raised.value.problems] == [problem]


@pytest.mark.parametrize("value", ["false", 0, None, []])
def test_return_data_is_true_or_false(value):
    with pytest.raises(ConfigurationError) as raised:
        load_policy(math_document(metric_query(ReturnData=value)))
    assert [str(p) for p in raised.value.problems] == [
        f"CustomizedMetricSpecification.Metrics[0].ReturnData: got {value!r}; allowed: true or false"
    ]


@pytest.mark.parametrize(
    ("document", "problems"),
    [
        (
            {"TargetValue": 0, "PredefinedMetricSpecification": {"PredefinedMetricType": IPI}},
            [f"TargetValue: got 0; allowed: {TARGET_RULE}"],
        ),
        (
            '{"TargetValue": 1e400, "PredefinedMetricSpecification": {"PredefinedMetricType": "' + IPI + '"}}',
            [f"TargetValue: got 1e400; allowed: {TARGET_RULE}"],
        ),
        (
            {
                "TargetValue": 1,
                "ScaleOutCooldown": 30.0,
                "DisableScaleIn": "true",
                "PredefinedMetricSpecification": {"PredefinedMetricType": IPI},
            },
            [
                "ScaleOutCooldown: got 30.0; allowed: a whole number of seconds from 0 to 2147483647",
                "DisableScaleIn: got 'true'; allowed: true or false",
            ],
        ),
        (
            {
                "TargetValue": 1,
                "CustomizedMetricSpecification": {
                    "MetricName": "ModelLatency",
                    "Namespace": "AWS/SageMaker",
                    "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "EndpointName", "Value": ""}],
                    "Unit": 5,
                },
            },
            [
                "CustomizedMetricSpecification.Unit: got 5; allowed: a non-empty string",
                "CustomizedMetricSpecification.Dimensions[1].Name: got 'EndpointName'; allowed: a name no other "
                "dimension of the metric has",
                "CustomizedMetricSpecification.Dimensions[1].Value: got ''; allowed: a non-empty string (required)",
            ],
        ),
        (
            {"TargetValue": 1, "CustomizedMetricSpecification": {"MetricName": "M\x7f", "Namespace": "N"}},
            [
                "CustomizedMetricSpecification.MetricName: got 'M\\x7f'; allowed: text without control characters "
                "other than tab, line feed and carriage return"
            ],
        ),
        (
            math_document(metric_query("m1", "p101"), {"Id": "e1", "Expression": ""}),
            [
                f"{M}[0].MetricStat.Stat: got 'p101'; allowed: a CloudWatch statistic: SampleCount, Average, Sum, "
                "Minimum, Maximum, IQM, or an extended one such as p99, tm90, wm90, tc90, ts90, TM(10%:90%) or "
                "PR(:300)",
                f"{M}[1].Expression: got ''; allowed: a metric math expression of 1 to 2048 characters",
            ],
        ),
        (
            math_document(metric_query("m1", ReturnData=False), {"Id": "m1", "Expression": "m1 * m2"}),
            [
                f"{M}[1].Id: got 'm1'; allowed: an id no other query of the list has",
                f"{M}[1].Expression: got 'm1 * m2'; allowed: an expression over the ids of the other queries (none); "
                "m1, m2 are not among them",
            ],
        ),
        (
            math_document(metric_query("m1", ReturnData=False), {"Id": "e1", "Expression": "m1", "ReturnData": False}),
            [
                f"{M}: got '0 queries returning data'; allowed: exactly one query that returns data "
                "(return_data True or None), an expression: the final one, whose value the policy tracks"
            ],
        ),
        (
            math_document(metric_query(Expression="m1")),
            [
                f"{M}[0]: got {metric_query(Expression='m1')!r}; allowed: a query with exactly one of Expression "
                "and MetricStat"
            ],
        ),
        (
            {"TargetValue": 1, "CustomizedMetricSpecification": {"Metrics": []}},
            [f"{M}: got []; allowed: a non-empty list of metric data queries"],
        ),
        (
            {"TargetValue": 1, "CustomizedMetricSpecification": None},
            ["CustomizedMetricSpecification: got None; allowed: a JSON object"],
        ),
        (
            {"TargetValue": 1, "PredefinedMetricSpecification": [IPI]},
            [f"PredefinedMetricSpecification: got {[IPI]!r}; allowed: a JSON object"],
        ),
    ],
)
def test_problems_name_their_json_path(document, problems):
    with pytest.raises(ConfigurationError) as raised:
        load_policy(document)
    assert [str(p) for p in raised.value.problems] == problems


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("MetricName", "x" * 256, "CustomizedMetricSpecification.MetricName"),
        ("Namespace", ":aws", "CustomizedMetricSpecification.Namespace"),
        ("Unit", "percent", "CustomizedMetricSpecification.Unit"),
        ("Statistic", "p99", "CustomizedMetricSpecification.Statistic"),
    ],
)
def test_metric_rules_name_the_json_field(field, value, path):
    customized = {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", field: value}
    with pytest.raises(ConfigurationError) as raised:
        load_policy({"TargetValue": 1, "CustomizedMetricSpecification": customized})
    assert [(p.parameter, p.value) for p in raised.value.problems] == [(path, value)]


def test_metric_query_unit_names_the_json_field():
    document = math_document({"Id": "m1", "MetricStat": {**metric_query()["MetricStat"], "Unit": "percent"}})
    with pytest.raises(ConfigurationError) as raised:
        load_policy(document)
    assert [(p.parameter, p.value) for p in raised.value.problems] == [(f"{M}[0].MetricStat.Unit", "percent")]


SOURCE_RULE = (
    "JSON text starting with '{', the path of a UTF-8 JSON file (a str not starting with '{', or an os.PathLike), "
    "or a mapping"
)
FILE_RULE = "the path of a readable UTF-8 JSON file, or JSON text starting with '{'"


class PathLike:
    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path


@pytest.mark.parametrize("kind", [str, Path, PathLike])
def test_a_path_loads_whatever_its_type(kind, tmp_path):
    (tmp_path / "policy.json").write_text(AWS_PAGE_COOLDOWNS)
    policy = load_policy(kind(str(tmp_path / "policy.json")))
    assert policy == InvocationsPerInstancePolicy(
        target_invocations_per_minute=70,
        scale_in_cooldown=policy.scale_in_cooldown,
        scale_out_cooldown=policy.scale_out_cooldown,
    )


def test_json_text_is_recognized_by_its_opening_brace():
    assert isinstance(load_policy(" \n\t" + AWS_PAGE_COOLDOWNS), InvocationsPerInstancePolicy)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda root: root / "missing.json", "does not exist"),
        (lambda root: root, "is a directory"),
        (lambda root: Path("/dev/null"), "is not a file"),
        (lambda root: write(root / "binary.json", b"\xff\xfe\x00{"), "is not UTF-8 text"),
        (lambda root: root / ("x" * 300), "cannot be read: File name too long"),
    ],
)
def test_unreadable_paths_are_named(tmp_path, make, reason):
    path = str(make(tmp_path))
    with pytest.raises(ConfigurationError) as raised:
        load_policy(path)
    assert [str(p) for p in raised.value.problems] == [
        f"source: got {path!r}; allowed: {FILE_RULE}; this path {reason}"
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_named(tmp_path):
    path = write(tmp_path / "secret.json", b"{}")
    path.chmod(0)
    with pytest.raises(ConfigurationError) as raised:
        load_policy(path)
    assert [str(p) for p in raised.value.problems] == [
        f"source: got {str(path)!r}; allowed: {FILE_RULE}; this path cannot be read: Permission denied"
    ]


def write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[]", "JSON: got []; allowed: a JSON object"),
        ("null", "JSON: got None; allowed: a JSON object"),
        ('"{}"', "JSON: got '{}'; allowed: a JSON object"),
        ("", "JSON: got 'Expecting value: line 1 column 1 (char 0)'; allowed: valid JSON"),
    ],
)
def test_files_whose_root_is_not_an_object_are_refused(tmp_path, text, problem):
    with pytest.raises(ConfigurationError) as raised:
        load_policy(write(tmp_path / "policy.json", text.encode()))
    assert [str(p) for p in raised.value.problems] == [problem]


@pytest.mark.parametrize("source", [b"{}", 42, None, ["{}"], "", "   "], ids=repr)
def test_sources_of_other_types_are_refused(source):
    with pytest.raises(ConfigurationError) as raised:
        load_policy(source)
    assert [str(p) for p in raised.value.problems] == [f"source: got {source!r}; allowed: {SOURCE_RULE}"]


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
def test_json_numbers_without_a_finite_value_are_refused(number):
    text = '{"TargetValue": %s, "ScaleInCooldown": %s, "PredefinedMetricSpecification": {"PredefinedMetricType": "%s"}}'
    with pytest.raises(ConfigurationError) as raised:
        load_policy(text % (number, number, IPI))
    assert [str(p) for p in raised.value.problems] == [
        f"TargetValue: got {number}; allowed: {TARGET_RULE}",
        f"ScaleInCooldown: got {number}; allowed: a whole number of seconds from 0 to 2147483647",
    ]


@pytest.mark.parametrize("text", ['{"TargetValue": ' + "[" * 100_000, '{"a": ' * 100_000])
def test_deep_nesting_is_refused(text):
    with pytest.raises(ConfigurationError) as raised:
        load_policy(text)
    assert [str(p) for p in raised.value.problems] == [
        "JSON: got 'too deeply nested'; allowed: valid JSON nested at most a few hundred levels deep"
    ]


def test_duplicate_fields_are_refused():
    with pytest.raises(ConfigurationError) as raised:
        load_policy('{"TargetValue": 1, "TargetValue": 2}')
    assert [str(p) for p in raised.value.problems] == [
        "JSON: got \"field 'TargetValue' appears twice in one object\"; allowed: valid JSON whose objects name each "
        "field once"
    ]


def test_cpu_target_of_the_aws_page_is_summed_over_vcpus(stack, warnings_of):
    with pytest.warns(ScalingWarning) as caught:
        policy = load_policy(DATA / "aws_page_cpu.json")
    assert [str(w.message) for w in caught if "summed" in str(w.message)] == [
        "CustomizedMetricSpecification: CPUUtilization is summed over vCPUs (0 to 100 x vCPUs), so TargetValue 50 "
        "means 50/vCPUs % per core (12.5 % per core on a 4-vCPU instance). To give the target per core, use "
        "UtilizationPolicy(metric=CPU_UTILIZATION, target_percent=...)."
    ]
    EndpointScaling(
        stack, "Scaling", endpoint_name="mine", instance_type="ml.c5.2xlarge", preset=ScalingPreset.custom(policy)
    )
    assert len(warnings_of(stack, "CPUUtilization is summed over the 8 vCPUs of ml.c5.2xlarge")) == 1


@pytest.mark.parametrize(
    ("dimensions", "emitted", "warning"),
    [
        (
            [{"Name": "EndpointName", "Value": "other"}, {"Name": "ModelName", "Value": "m"}],
            [{"Name": "EndpointName", "Value": "mine"}, {"Name": "ModelName", "Value": "m"}],
            "ModelName dimension",
        ),
        ([{"Name": "EndpointName", "Value": "other"}], MINE, None),
        (other_dimensions()[::-1], MINE, None),
        (
            [{"Name": "VariantName", "Value": "blue"}, {"Name": "Host", "Value": "h1"}],
            [{"Name": "VariantName", "Value": "AllTraffic"}, {"Name": "Host", "Value": "h1"}],
            None,
        ),
        ([], None, "has no dimensions"),
        (None, None, "has no dimensions"),
    ],
)
def test_dimensions_are_kept_with_the_variant_names_filled_in(stack, synth, dimensions, emitted, warning):
    customized = {"MetricName": "ModelLatency", "Namespace": "AWS/SageMaker", "Statistic": "Average"}
    if dimensions is not None:
        customized["Dimensions"] = dimensions
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        policy = load_policy({"TargetValue": 100, "CustomizedMetricSpecification": customized})
    assert [warning in str(w.message) for w in caught] == ([] if warning is None else [True])
    configuration = exported(stack, synth, policy)["CustomizedMetricSpecification"]
    assert configuration.get("Dimensions") == emitted

"""AWS's models as the oracle of ``mme-scaling export``.

Every call ``export`` writes is checked with botocore's ``ParamValidator`` against the
application-autoscaling and cloudwatch models, and every line of ``commands.sh`` is parsed
back (as the AWS CLI reads it: ``--`` + kebab-case options, JSON structures inline or through
``file://``) into exactly the parameters of the call.
"""

from __future__ import annotations

import datetime
import json
import re
import shlex
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from botocore import xform_name
from botocore.model import Shape
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import MultiModelEndpointsStack
from mme_scaling_constructs import (
    ConfigurationError,
    EndpointScaling,
    InvocationsPerInstancePolicy,
    ScalingPreset,
    ScheduledScaling,
    SuspendedState,
    export,
)
from mme_scaling_constructs.cli import main
from mme_scaling_constructs.export import (
    ApiCall,
    ShellVariable,
    is_intrinsic,
    option_name,
    plan_export,
    scaling_in_template,
)
from tests.export_helpers import ENDPOINT_PROPERTIES, STEP_SPEC, metric_math_scaling

SESSION = botocore.session.get_session()
MODELS = {
    "application-autoscaling": SESSION.get_service_model("application-autoscaling"),
    "cloudwatch": SESSION.get_service_model("cloudwatch"),
}
OPERATIONS = {
    "application-autoscaling": ("RegisterScalableTarget", "PutScalingPolicy", "PutScheduledAction"),
    "cloudwatch": ("PutMetricAlarm",),
}
#: Values a user puts in place of a placeholder, by the type of the slot.
FILLED_IN = {"integer": 3, "long": 3, "double": 1.5, "float": 1.5, "boolean": True, "timestamp": "2025-01-31T08:00:00Z"}
CAPTURE = re.compile(r"(?P<variable>\w+)=\$\((?P<command>aws .*)\)")


def _cross_stack(stack: cdk.Stack) -> None:
    preset = ScalingPreset.custom(InvocationsPerInstancePolicy(), STEP_SPEC)
    EndpointScaling(
        stack,
        "Scaling",
        endpoint_name=cdk.Fn.import_value("SharedEndpoint"),
        instance_type="ml.m5.xlarge",
        preset=preset,
    )


def _parameters(stack: cdk.Stack) -> None:
    def number(name: str, default: int) -> Any:
        return cdk.CfnParameter(stack, name, type="Number", default=default).value_as_number

    policy = InvocationsPerInstancePolicy(
        target_invocations_per_minute=number("TargetInvocations", 70),
        scale_in_cooldown=cdk.Duration.seconds(number("ScaleInSeconds", 600)),
    )
    EndpointScaling(
        stack,
        "Scaling",
        endpoint_name=cdk.CfnParameter(stack, "EndpointName", type="String").value_as_string,
        instance_type="ml.m5.xlarge",
        preset=ScalingPreset.custom(
            policy, min_capacity=number("MinCapacity", 2), max_capacity=number("MaxCapacity", 4)
        ),
    )


def _scheduled(stack: cdk.Stack) -> None:
    utc = datetime.UTC
    preset = ScalingPreset.custom(
        STEP_SPEC,
        schedules=(
            ScheduledScaling(
                name="mornings",
                schedule="cron(0 7 * * ? *)",
                min_capacity=3,
                time_zone="Asia/Seoul",
                start_time=datetime.datetime(2025, 1, 1, tzinfo=utc),
                end_time=datetime.datetime(2026, 1, 1, tzinfo=utc),
            ),
            ScheduledScaling(name="nights", schedule="rate(1 day)", min_capacity=2, max_capacity=3),
        ),
        suspended_state=SuspendedState(dynamic_scaling_in_suspended=True, scheduled_scaling_suspended=True),
    )
    EndpointScaling(stack, "Scaling", endpoint_name="ep", instance_type="ml.m5.xlarge", preset=preset)


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Templates the constructs synthesize, each once: name -> template."""
    out = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(out))
    MultiModelEndpointsStack(app, "Example")
    for name, build in {
        "CrossStack": _cross_stack,
        "Parameters": _parameters,
        "Scheduled": _scheduled,
        "MetricMath": metric_math_scaling,
    }.items():
        build(cdk.Stack(app, name))
    app.synth()
    names = ("Example", "CrossStack", "Parameters", "Scheduled", "MetricMath")
    return {name: json.loads((out / f"{name}.template.json").read_text()) for name in names}


def _target(logical_id: str, **properties: Any) -> dict[str, Any]:
    return {logical_id: {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": properties}}


def _policy(logical_id: str, **properties: Any) -> dict[str, Any]:
    return {logical_id: {"Type": "AWS::ApplicationAutoScaling::ScalingPolicy", "Properties": properties}}


def _alarm(logical_id: str, **properties: Any) -> dict[str, Any]:
    return {logical_id: {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}}


#: Intrinsic functions CDK does not write, in every kind of slot the export fills.
INTRINSICS_TEMPLATE: dict[str, Any] = {
    "Parameters": {"Environment": {"Type": "String"}, "NightMinimum": {"Type": "Number"}},
    "Conditions": {"IsProduction": {"Fn::Equals": [{"Ref": "Environment"}, "prod"]}},
    "Resources": {
        **_target(
            "Target",
            **ENDPOINT_PROPERTIES,
            ResourceId={"Fn::Sub": "endpoint/${EndpointName}/variant/${AWS::Region}"},
            MinCapacity={"Fn::If": ["IsProduction", 4, 2]},
            MaxCapacity={"Fn::Select": [1, ["3", "8"]]},
            RoleARN={"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/scaling"},
            SuspendedState={"DynamicScalingInSuspended": {"Ref": "SuspendScaleIn"}},
            Tags=[{"Key": "team", "Value": {"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}-Team"}}}],
            ScheduledActions=[
                {
                    "ScheduledActionName": {"Fn::Sub": ["${Prefix}-night", {"Prefix": {"Ref": "Environment"}}]},
                    "Schedule": "cron(0 22 * * ? *)",
                    "StartTime": {"Ref": "NightStart"},
                    "ScalableTargetAction": {"MinCapacity": {"Ref": "NightMinimum"}},
                }
            ],
        ),
        **_policy(
            "ByResourceId",
            **ENDPOINT_PROPERTIES,
            ResourceId={"Fn::Sub": "endpoint/${EndpointName}/variant/${AWS::Region}"},
            PolicyName={"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "invocations"]]},
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": {"Fn::GetAtt": "Settings.Target"},
                "ScaleInCooldown": {"Fn::FindInMap": ["Cooldowns", {"Ref": "AWS::Region"}, "In"]},
                "DisableScaleIn": "true",
                "CustomizedMetricSpecification": {
                    "MetricName": "CPUUtilization",
                    "Namespace": "/aws/sagemaker/Endpoints",
                    "Statistic": "Average",
                    "Dimensions": [
                        {"Name": "EndpointName", "Value": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}},
                        {"Name": "VariantName", "Value": {"Fn::Select": [0, {"Fn::Split": [",", "AllTraffic,Other"]}]}},
                    ],
                },
            },
        ),
        **_policy(
            "Elsewhere",
            **ENDPOINT_PROPERTIES,
            ResourceId="endpoint/elsewhere/variant/AllTraffic",
            PolicyName={"Fn::Select": [0, {"Fn::Split": [",", {"Fn::ImportValue": "PolicyNames"}]}]},
            PolicyType="StepScaling",
            StepScalingPolicyConfiguration={
                "AdjustmentType": "ChangeInCapacity",
                "Cooldown": "60",
                "StepAdjustments": [
                    {"MetricIntervalLowerBound": 0, "ScalingAdjustment": {"Fn::GetAtt": ["Settings", "Step"]}}
                ],
            },
        ),
        **_alarm(
            "Alarm",
            AlarmName="team/cpu-high",
            AlarmActions=[{"Fn::GetAtt": ["Elsewhere", "Arn"]}, {"Ref": "Topic"}],
            OKActions=[{"Ref": "ByResourceId"}],
            EvaluationPeriods=2,
            ComparisonOperator="GreaterThanThreshold",
            Threshold={"Ref": "Threshold"},
            MetricName="CPUUtilization",
            Namespace="/aws/sagemaker/Endpoints",
            Dimensions=[{"Name": "EndpointName", "Value": {"Fn::ImportValue": "SharedEndpoint"}}],
            Period=60,
            Statistic="Average",
            Tags=[{"Key": "team", "Value": "ml"}],
        ),
    },
}


def _input_shape(call: ApiCall) -> Shape:
    return MODELS[call.service].operation_model(call.operation).input_shape


def _filled_in(value: Any, shape: Shape) -> Any:
    """``value`` with each placeholder in a number, boolean or timestamp slot replaced as the user would."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return {
            key: _filled_in(item, shape.members[key]) if key in shape.members else item for key, item in value.items()
        }
    if shape.type_name == "list" and isinstance(value, list):
        return [_filled_in(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: _filled_in(item, shape.value) for key, item in value.items()}
    if isinstance(value, str) and "${" in value and shape.type_name in FILLED_IN:
        return FILLED_IN[shape.type_name]
    return value


def _placeholder_slots(value: Any, shape: Shape, path: str = "") -> list[tuple[str, str]]:
    """(path, type) of every placeholder in ``value``."""
    if shape.type_name == "structure" and isinstance(value, dict):
        return [
            slot
            for key, item in value.items()
            for slot in _placeholder_slots(item, shape.members[key], f"{path}.{key}")
        ]
    if shape.type_name == "list" and isinstance(value, list):
        return [
            slot
            for index, item in enumerate(value)
            for slot in _placeholder_slots(item, shape.member, f"{path}[{index}]")
        ]
    if shape.type_name == "map" and isinstance(value, dict):
        return [slot for key, item in value.items() for slot in _placeholder_slots(item, shape.value, f"{path}.{key}")]
    return [(path, shape.type_name)] if isinstance(value, str) and "${" in value else []


def _parse_command(line: str, files: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    """Service, operation and parameters of an AWS CLI command line, read as the AWS CLI reads it."""
    words = shlex.split(line)
    assert words[0] == "aws"
    service, command, rest = words[1], words[2], words[3:]
    model = MODELS[service]
    operation = {xform_name(name, "-"): name for name in model.operation_names}[command]
    shape = model.operation_model(operation).input_shape
    parameter_of = {option_name(name): name for name in shape.members}
    params: dict[str, Any] = {}
    index = 0
    while index < len(rest):
        option, equals, value = rest[index].partition("=")
        values = [value] if equals else []
        index += 1
        while index < len(rest) and not rest[index].startswith("--"):
            values.append(rest[index])
            index += 1
        if option == "--cli-input-json":
            (document,) = values
            params.update(_json_argument(document, files))
        elif option in ("--query", "--output"):
            assert values == (["PolicyARN"] if option == "--query" else ["text"])
        else:
            name = parameter_of[option]
            params[name] = _decode(values, shape.members[name], files)
    return service, operation, params


def _json_argument(argument: str, files: dict[str, str]) -> Any:
    """A JSON structure given inline or as ``file://$here/<name>`` (``files``: text by name)."""
    if argument.startswith("file://"):
        path = argument.removeprefix("file://")
        assert path.startswith("$here/")
        return json.loads(files[path.removeprefix("$here/")])
    return json.loads(argument)


def _decode(values: list[str], shape: Shape, files: dict[str, str]) -> Any:
    if shape.type_name == "list" and shape.member.type_name == "string":
        return values
    (value,) = values
    if shape.type_name in ("structure", "list", "map"):
        return _json_argument(value, files)
    if "${" in value:
        return value
    if shape.type_name in ("integer", "long"):
        return int(value)
    if shape.type_name in ("double", "float"):
        return float(value)
    return value


def _export(template: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[list[ApiCall], Path]:
    source = tmp_path / "template.json"
    source.write_text(json.dumps(template))
    out = tmp_path / "export"
    assert main(["export", str(source), "--out", str(out)]) == 0
    capsys.readouterr()
    return list(plan_export(template).calls), out


def _assert_matches_the_models(
    template: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> list[ApiCall]:
    calls, out = _export(template, tmp_path, capsys)
    _assert_calls_match_the_models(calls, {path.name: path.read_text() for path in out.iterdir()})
    return calls


def _assert_calls_match_the_models(calls: list[ApiCall], files: dict[str, str]) -> None:
    """Each call passes ParamValidator (placeholders filled in), and its script line parses back to it."""
    lines = files["commands.sh"].splitlines()
    commands = [line for line in lines if line.startswith("aws ") or CAPTURE.fullmatch(line)]
    assert len(commands) == len(calls)
    for line, call in zip(commands, calls, strict=True):
        shape = _input_shape(call)
        report = ParamValidator().validate(_filled_in(call.params, shape), shape)
        assert not report.has_errors(), f"{call.operation}: {report.generate_report()}"
        captured = CAPTURE.fullmatch(line)
        if captured:
            assert captured["variable"] == call.result_variable
            line = captured["command"]
        assert _parse_command(line, files) == (call.service, call.operation, call.params)


@pytest.mark.parametrize("name", ["Example", "CrossStack", "Parameters", "Scheduled", "MetricMath"])
def test_every_call_of_a_synthesized_template_matches_the_models(name, synthesized, tmp_path, capsys):
    calls = _assert_matches_the_models(synthesized[name], tmp_path, capsys)
    assert {call.operation for call in calls} >= {"RegisterScalableTarget", "PutScalingPolicy"}


def test_every_call_of_hand_written_intrinsics_matches_the_models(tmp_path, capsys):
    calls = _assert_matches_the_models(INTRINSICS_TEMPLATE, tmp_path, capsys)
    assert [call.operation for call in calls] == [
        "RegisterScalableTarget",
        "PutScheduledAction",
        "PutScalingPolicy",
        "PutScalingPolicy",
        "PutMetricAlarm",
    ]


def test_cross_stack_values_become_import_placeholders(synthesized, tmp_path, capsys):
    calls = _assert_matches_the_models(synthesized["CrossStack"], tmp_path, capsys)
    resource_id = "endpoint/${ImportValue(SharedEndpoint)}/variant/AllTraffic"
    assert {call.params["ResourceId"] for call in calls if call.service == "application-autoscaling"} == {resource_id}
    alarms = [call for call in calls if call.operation == "PutMetricAlarm"]
    assert len(alarms) == 2
    for alarm in alarms:
        assert alarm.params["Dimensions"][0] == {"Name": "EndpointName", "Value": "${ImportValue(SharedEndpoint)}"}
        (action,) = alarm.params["AlarmActions"]
        assert isinstance(action, ShellVariable)


def test_parameter_driven_numbers_are_placeholders_in_number_slots(synthesized, tmp_path, capsys):
    calls = _assert_matches_the_models(synthesized["Parameters"], tmp_path, capsys)
    slots = sorted(
        (call.operation, path, kind)
        for call in calls
        for path, kind in _placeholder_slots(call.params, _input_shape(call))
    )
    assert slots == [
        ("PutScalingPolicy", ".ResourceId", "string"),
        ("PutScalingPolicy", ".TargetTrackingScalingPolicyConfiguration.ScaleInCooldown", "integer"),
        ("PutScalingPolicy", ".TargetTrackingScalingPolicyConfiguration.TargetValue", "double"),
        ("RegisterScalableTarget", ".MaxCapacity", "integer"),
        ("RegisterScalableTarget", ".MinCapacity", "integer"),
        ("RegisterScalableTarget", ".ResourceId", "string"),
    ]
    register = calls[0]
    assert (register.params["MinCapacity"], register.params["MaxCapacity"]) == ("${MinCapacity}", "${MaxCapacity}")
    assert register.params["ResourceId"] == "endpoint/${EndpointName}/variant/AllTraffic"
    configuration = calls[1].params["TargetTrackingScalingPolicyConfiguration"]
    assert (configuration["TargetValue"], configuration["ScaleInCooldown"]) == (
        "${TargetInvocations}",
        "${ScaleInSeconds}",
    )


def test_schedules_suspended_state_and_step_alarms_reach_the_api(synthesized, tmp_path, capsys):
    calls = _assert_matches_the_models(synthesized["Scheduled"], tmp_path, capsys)
    operations = [call.operation for call in calls]
    assert operations == [
        "RegisterScalableTarget",
        "PutScheduledAction",
        "PutScheduledAction",
        "PutScalingPolicy",
        "PutMetricAlarm",
        "PutScalingPolicy",
        "PutMetricAlarm",
    ]
    assert calls[0].params["SuspendedState"] == {
        "DynamicScalingInSuspended": True,
        "DynamicScalingOutSuspended": False,
        "ScheduledScalingSuspended": True,
    }
    assert calls[1].params == {
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/ep/variant/AllTraffic",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "ScheduledActionName": "mornings",
        "Schedule": "cron(0 7 * * ? *)",
        "ScalableTargetAction": {"MinCapacity": 3},
        "Timezone": "Asia/Seoul",
        "StartTime": "2025-01-01T00:00:00Z",
        "EndTime": "2026-01-01T00:00:00Z",
    }
    for policy, alarm in ((calls[3], calls[4]), (calls[5], calls[6])):
        assert policy.result_variable is not None
        assert alarm.params["AlarmActions"] == ["$" + policy.result_variable]


def test_hand_written_intrinsics_become_readable_placeholders():
    calls = {(call.operation, index): call for index, call in enumerate(plan_export(INTRINSICS_TEMPLATE).calls)}
    register = calls["RegisterScalableTarget", 0].params
    assert register == {
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/${EndpointName}/variant/${AWS::Region}",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        "MinCapacity": "${If(IsProduction, 4, 2)}",
        "MaxCapacity": 8,
        "SuspendedState": {"DynamicScalingInSuspended": "${SuspendScaleIn}"},
        "Tags": {"team": "${ImportValue(${AWS::StackName}-Team)}"},
    }
    scheduled = calls["PutScheduledAction", 1].params
    assert scheduled["ScheduledActionName"] == "${Environment}-night"
    assert scheduled["StartTime"] == "${NightStart}"
    assert scheduled["ScalableTargetAction"] == {"MinCapacity": "${NightMinimum}"}
    by_resource_id = calls["PutScalingPolicy", 2].params
    assert by_resource_id["PolicyName"] == "${AWS::StackName}-invocations"
    configuration = by_resource_id["TargetTrackingScalingPolicyConfiguration"]
    assert configuration["TargetValue"] == "${Settings.Target}"
    assert configuration["ScaleInCooldown"] == "${FindInMap(Cooldowns, ${AWS::Region}, In)}"
    assert configuration["DisableScaleIn"] is True
    assert configuration["CustomizedMetricSpecification"]["Dimensions"] == [
        {"Name": "EndpointName", "Value": "${Endpoint.EndpointName}"},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    elsewhere = calls["PutScalingPolicy", 3].params
    assert elsewhere["PolicyName"] == '${Select(0, ${Split(",", ${ImportValue(PolicyNames)})})}'
    assert elsewhere["StepScalingPolicyConfiguration"]["Cooldown"] == 60
    assert elsewhere["StepScalingPolicyConfiguration"]["StepAdjustments"][0]["ScalingAdjustment"] == "${Settings.Step}"
    alarm = calls["PutMetricAlarm", 4].params
    assert alarm["AlarmName"] == "team/cpu-high"
    assert alarm["AlarmActions"] == ["$policy_arn_Elsewhere", "${Topic}"]
    assert alarm["OKActions"] == ["$policy_arn_ByResourceId"]
    assert alarm["Threshold"] == "${Threshold}"
    assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": "${ImportValue(SharedEndpoint)}"}]


def test_policies_named_by_resource_id_join_their_target_or_stand_alone():
    (target, elsewhere) = scaling_in_template(INTRINSICS_TEMPLATE)
    assert target.logical_id == "Target"
    assert [policy.logical_id for policy in target.policies] == ["ByResourceId"]
    assert elsewhere.logical_id is None
    assert elsewhere.resource_id == "endpoint/elsewhere/variant/AllTraffic"
    assert (elsewhere.min_capacity, elsewhere.max_capacity) == (None, None)
    assert [policy.logical_id for policy in elsewhere.policies] == ["Elsewhere"]


def test_option_names_follow_the_aws_cli_rule():
    for service, operations in OPERATIONS.items():
        for operation in operations:
            for name in MODELS[service].operation_model(operation).input_shape.members:
                assert option_name(name) == "--" + xform_name(name, "-"), name


#: Values only known at deployment, named oddly: each renders as a placeholder, valid in any scalar slot.
ODD_NAMES = st.sampled_from(["Param", "AWS::Region", "../../x", "a b", "it's", 'say "hi"', "}{", "$(id)", "é", "-x"])
DEPLOYMENT_VALUES = st.one_of(
    st.builds(lambda name: {"Ref": name}, ODD_NAMES),
    st.builds(lambda name: {"Fn::ImportValue": name}, ODD_NAMES),
    st.builds(lambda name: {"Fn::GetAtt": [name, "Attribute"]}, ODD_NAMES),
    st.builds(lambda name: {"Fn::Join": ["/", [name, {"Ref": name}]]}, ODD_NAMES),
    st.builds(lambda name: {"Fn::Sub": ["${X}", {"X": {"Ref": name}}]}, ODD_NAMES),
    st.builds(lambda name: {"Fn::If": [name, 1, {"Ref": "AWS::NoValue"}]}, ODD_NAMES),
    st.builds(lambda name: {"Fn::Select": [0, {"Fn::Split": [",", {"Ref": name}]}]}, ODD_NAMES),
)
#: Properties that say how resources relate; the export must read them as written.
STRUCTURAL = {"Type", "PolicyType", "ScalingTargetId", "AlarmActions", "OKActions", "InsufficientDataActions"}


@st.composite
def _with_deployment_values(draw: st.DrawFn, template: dict[str, Any]) -> dict[str, Any]:
    """``template`` with some scalar values of its scaling resources replaced by values known at deployment."""

    def replaced(value: Any) -> Any:
        if isinstance(value, dict) and not is_intrinsic(value):
            return {key: item if key in STRUCTURAL else replaced(item) for key, item in value.items()}
        if isinstance(value, list):
            return [replaced(item) for item in value]
        return draw(DEPLOYMENT_VALUES) if draw(st.integers(0, 3)) == 0 else value

    resources = {
        logical_id: {**resource, "Properties": replaced(resource["Properties"])}
        if resource["Type"].startswith(("AWS::ApplicationAutoScaling::", "AWS::CloudWatch::"))
        else resource
        for logical_id, resource in template["Resources"].items()
    }
    return {**template, "Resources": resources}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), name=st.sampled_from(["Scheduled", "MetricMath", "CrossStack", "Intrinsics"]))
def test_values_known_only_at_deployment_always_give_valid_calls(synthesized, data, name):
    template = INTRINSICS_TEMPLATE if name == "Intrinsics" else synthesized[name]
    try:
        plan = plan_export(data.draw(_with_deployment_values(template)))
    except ConfigurationError as error:
        # A name whose written part breaks AWS's rule is refused, whatever the deployment value.
        assert all(_written_part_breaks_the_name_rule(problem) for problem in error.problems), error
        return
    _assert_calls_match_the_models(list(plan.calls), plan.files())


#: A ``${...}`` placeholder of a value known only at deployment.
PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def _written_part_breaks_the_name_rule(problem) -> bool:
    """Whether the text of a refused name outside its placeholders breaks botocore's pattern for it."""
    written = PLACEHOLDER.sub("", str(problem.value))
    if problem.parameter.endswith(".ScheduledActionName"):
        return bool(re.search(r"[:/|\x00-\x1f]", written))
    if problem.parameter.endswith(".PolicyName"):
        return not all(" " <= character <= "~" for character in written)
    return False


def test_values_that_start_with_a_dash_stay_values():
    template = {
        "Resources": {
            **_target(
                "Target",
                **ENDPOINT_PROPERTIES,
                ResourceId="endpoint/ep/variant/AllTraffic",
                MinCapacity=1,
                MaxCapacity=2,
                ScheduledActions=[{"ScheduledActionName": "-night", "Schedule": "rate(1 day)"}],
            ),
            **_policy(
                "Policy",
                PolicyName="-scale-out",
                PolicyType="StepScaling",
                ScalingTargetId={"Ref": "Target"},
                StepScalingPolicyConfiguration={"StepAdjustments": [{"ScalingAdjustment": 1}]},
            ),
        }
    }
    plan = plan_export(template)
    _assert_calls_match_the_models(list(plan.calls), plan.files())
    assert "--scheduled-action-name=-night " in plan.script
    assert "--policy-name=-scale-out " in plan.script


def _shape_differences(ours: Any, theirs: Shape, path: str) -> list[str]:
    """Where a shape ``export`` reads disagrees with botocore's: missing fields, types, minimums."""
    kinds = {"string": ("string",), "integer": ("integer", "long"), "double": ("double", "float")}
    if isinstance(ours, export._Object):
        if theirs.type_name != "structure":
            return [f"{path}: object, botocore {theirs.type_name}"]
        differences = [f"{path}.{name}: not in botocore" for name in ours.fields if name not in theirs.members]
        differences += [f"{path}.{name}: not read" for name in theirs.members if name not in ours.fields]
        differences += [f"{path}: requires {name}" for name in theirs.required_members if name not in ours.required]
        return differences + [
            difference
            for name, field in ours.fields.items()
            if name in theirs.members
            for difference in _shape_differences(field, theirs.members[name], f"{path}.{name}")
        ]
    if isinstance(ours, export._List):
        if theirs.type_name != "list":
            return [f"{path}: list, botocore {theirs.type_name}"]
        return _shape_differences(ours.item, theirs.member, f"{path}[]")
    if theirs.type_name not in kinds.get(ours.kind, (ours.kind,)):
        return [f"{path}: {ours.kind}, botocore {theirs.type_name}"]
    least = theirs.metadata.get("min")
    if ours.kind in ("string", "integer") and least is not None and ours.minimum < least:
        return [f"{path}: minimum {ours.minimum}, botocore {least}"]
    return []


def test_the_shapes_export_reads_are_botocores():
    aas = MODELS["application-autoscaling"]
    register = aas.operation_model("RegisterScalableTarget").input_shape
    policy = aas.operation_model("PutScalingPolicy").input_shape
    scheduled = aas.operation_model("PutScheduledAction").input_shape
    alarm = MODELS["cloudwatch"].operation_model("PutMetricAlarm").input_shape
    target_fields = export._SCALABLE_TARGET.fields
    differences = [
        *_shape_differences(export._TARGET_TRACKING, policy.members["TargetTrackingScalingPolicyConfiguration"], "TT"),
        *_shape_differences(export._STEP_SCALING, policy.members["StepScalingPolicyConfiguration"], "Step"),
        *_shape_differences(export._ALARM, alarm, "Alarm"),
        *_shape_differences(target_fields["SuspendedState"], register.members["SuspendedState"], "Suspended"),
        *_shape_differences(
            target_fields["ScheduledActions"].item.fields["ScalableTargetAction"],
            scheduled.members["ScalableTargetAction"],
            "Action",
        ),
    ]
    differences += [
        f"Target.{name}: {difference}"
        for name in ("ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity", "RoleARN")
        for difference in _shape_differences(target_fields[name], register.members[name], name)
    ]
    differences += [
        difference
        for name, field in target_fields["ScheduledActions"].item.fields.items()
        if name != "ScalableTargetAction"
        for difference in _shape_differences(field, scheduled.members[name], f"Scheduled.{name}")
    ]
    differences += [
        difference
        for name in ("PolicyName", "PolicyType", "ResourceId", "ScalableDimension", "ServiceNamespace")
        for difference in _shape_differences(export._SCALING_POLICY.fields[name], policy.members[name], name)
    ]
    # An alarm without AlarmName is exported under its logical id, as ``commands.sh`` must name it.
    assert differences == ["Alarm: requires AlarmName"]


def test_deregister_calls_match_the_model_and_remove_every_target(synthesized):
    """deregister.sh removes each scalable target (and so its policies and schedules) before an instance-type change."""
    for template in synthesized.values():
        plan = export.plan_export(template)
        registered = [call.params for call in plan.calls if call.operation == "RegisterScalableTarget"]
        assert [call.params for call in plan.deregister_calls] == [
            {key: params[key] for key in ("ServiceNamespace", "ResourceId", "ScalableDimension")}
            for params in registered
        ]
        lines = [line for line in plan.deregister_script.splitlines() if line.startswith("aws ")]
        assert len(lines) == len(registered)
        for line, call in zip(lines, plan.deregister_calls, strict=True):
            shape = _input_shape(call)
            report = ParamValidator().validate(_filled_in(call.params, shape), shape)
            assert not report.has_errors(), report.generate_report()
            assert _parse_command(line, {}) == (call.service, call.operation, call.params)

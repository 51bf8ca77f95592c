"""The pure parts of the deploy rehearsal, and the deployed-value resolution it shares with change-instance-type.

No emulator, no CDK synthesis.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs.export import ShellVariable, api_calls, scaling_in_template
from mme_scaling_constructs.redeploy import (
    RedeployError,
    fill,
    name_from_arn,
    pseudo_parameters,
    resolve,
    target_where,
)
from rehearsal.checks import (
    RehearsalFailure,
    differences,
    expected_policy,
    expected_scheduled_actions,
    expected_target,
    exported_logical_ids,
    missing_resources,
    split_compared,
    tag_differences,
    without_endpoint_arn,
)
from rehearsal.rehearse import Deadline, Report, cli_environment

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/MmeScalingExample/c26384bd-51c9"
ENDPOINT_ARN = "arn:aws:sagemaker:us-east-1:123456789012:endpoint/MmeScalingExample-Endpoint-ABC"

#: A template as the construct writes it: a target with a schedule, a step policy and its alarm,
#: a target-tracking policy, and the SageMaker endpoint they scale.
TEMPLATE: dict[str, Any] = {
    "Resources": {
        "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {"EndpointConfigName": "config"}},
        "Target": {
            "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
            "Properties": {
                "MinCapacity": 2,
                "MaxCapacity": 6,
                "ResourceId": {
                    "Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": ["Endpoint", "EndpointName"]}, "/variant/AllTraffic"]]
                },
                "RoleARN": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/x"},
                "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                "ServiceNamespace": "sagemaker",
                "ScheduledActions": [
                    {
                        "ScheduledActionName": "business-hours",
                        "Schedule": "cron(0 8 ? * MON-FRI *)",
                        "ScalableTargetAction": {"MinCapacity": 4, "MaxCapacity": 6},
                        "StartTime": "2027-01-01T00:00:00Z",
                    }
                ],
                "SuspendedState": {"DynamicScalingInSuspended": True},
            },
        },
        "Tracking": {
            "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Properties": {
                "PolicyName": "Invocations",
                "PolicyType": "TargetTrackingScaling",
                "ScalingTargetId": {"Ref": "Target"},
                "TargetTrackingScalingPolicyConfiguration": {
                    "CustomizedMetricSpecification": {
                        "Dimensions": [
                            {"Name": "EndpointName", "Value": {"Fn::GetAtt": ["Endpoint", "EndpointName"]}},
                            {"Name": "VariantName", "Value": "AllTraffic"},
                        ],
                        "MetricName": "CPUUtilization",
                        "Namespace": "/aws/sagemaker/Endpoints",
                        "Statistic": "Average",
                    },
                    "TargetValue": 200,
                },
            },
        },
        "Upper": {
            "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Properties": {
                "PolicyName": "Upper",
                "PolicyType": "StepScaling",
                "ScalingTargetId": {"Ref": "Target"},
                "StepScalingPolicyConfiguration": {
                    "AdjustmentType": "ChangeInCapacity",
                    "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 2}],
                },
            },
        },
        "UpperAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmActions": [{"Ref": "Upper"}],
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "EvaluationPeriods": 3,
                "MetricName": "CPUUtilization",
                "Namespace": "/aws/sagemaker/Endpoints",
                "Period": 60,
                "Statistic": "Average",
                "Threshold": 320,
            },
        },
    }
}

#: What the deployed stack gives: pseudo parameters, Ref values and Fn::GetAtt attributes.
VALUES: dict[str, Any] = {
    **pseudo_parameters(STACK_ID),
    "Endpoint": ENDPOINT_ARN,
    "Endpoint.EndpointName": "MmeScalingExample-Endpoint-ABC",
}
RESOURCE_ID = "endpoint/MmeScalingExample-Endpoint-ABC/variant/AllTraffic"
WHERE = {
    "ServiceNamespace": "sagemaker",
    "ResourceId": RESOURCE_ID,
    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
}


def failure_lines(error: pytest.ExceptionInfo[RedeployError]) -> list[str]:
    return [error.value.what, *error.value.findings]


# --- Deployed values ------------------------------------------------------------------------


def test_pseudo_parameters_come_from_the_stack_arn() -> None:
    assert pseudo_parameters(STACK_ID) == {
        "AWS::Partition": "aws",
        "AWS::Region": "us-east-1",
        "AWS::AccountId": "123456789012",
        "AWS::StackName": "MmeScalingExample",
        "AWS::StackId": STACK_ID,
        "AWS::URLSuffix": "amazonaws.com",
    }


def test_pseudo_parameters_reject_what_is_not_a_stack_arn() -> None:
    with pytest.raises(RedeployError) as error:
        pseudo_parameters("MmeScalingExample")
    assert failure_lines(error) == ["stack id", "got 'MmeScalingExample'; allowed: a CloudFormation stack ARN"]


def test_name_from_arn_is_the_part_after_the_resource_type() -> None:
    assert name_from_arn(ENDPOINT_ARN) == "MmeScalingExample-Endpoint-ABC"
    with pytest.raises(RedeployError) as error:
        name_from_arn("MmeScalingExample-Endpoint-ABC")
    assert failure_lines(error) == ["ARN", "got 'MmeScalingExample-Endpoint-ABC'; allowed: an ARN ending in type/name"]


# --- Resolving the template -----------------------------------------------------------------


def test_resolve_evaluates_the_functions_the_construct_writes() -> None:
    properties = TEMPLATE["Resources"]["Target"]["Properties"]
    resolved = resolve(properties, VALUES)
    assert resolved["ResourceId"] == RESOURCE_ID
    assert resolved["RoleARN"] == "arn:aws:iam::123456789012:role/aws-service-role/x"
    assert resolved["ScheduledActions"] == properties["ScheduledActions"]


def test_resolve_sub_with_variables_literals_select_and_split() -> None:
    value = {
        "Sub": {"Fn::Sub": ["${Name}-${!Literal}-${AWS::Region}", {"Name": {"Ref": "Endpoint"}}]},
        "Select": {"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::GetAtt": "Endpoint.EndpointName"}]}]},
        "SelectList": {"Fn::Select": ["0", ["a", "b"]]},
    }
    assert resolve(value, {**VALUES, "Endpoint.EndpointName": "x/y"}) == {
        "Sub": f"{ENDPOINT_ARN}-${{Literal}}-us-east-1",
        "Select": "y",
        "SelectList": "a",
    }


def test_resolve_leaves_out_no_value_properties_and_items() -> None:
    value = {"Keep": 1, "Drop": {"Ref": "AWS::NoValue"}, "List": ["a", {"Ref": "AWS::NoValue"}, "b"]}
    assert resolve(value, VALUES) == {"Keep": 1, "List": ["a", "b"]}


def test_resolve_lists_every_value_it_cannot_find_or_evaluate() -> None:
    value = {
        "Name": {"Fn::GetAtt": ["Missing", "Arn"]},
        "Imported": {"Fn::ImportValue": "Shared"},
        "Joined": {"Fn::Join": ["", [{"Ref": "Gone"}, "x"]]},
    }
    with pytest.raises(RedeployError) as error:
        resolve(value, VALUES, "Resources.X.Properties")
    assert failure_lines(error) == [
        "cannot resolve the template with the deployed values:",
        "Resources.X.Properties.Name.Fn::GetAtt: no deployed value for 'Missing.Arn'",
        "Resources.X.Properties.Imported.Fn::ImportValue: cannot evaluate 'Shared'",
        "Resources.X.Properties.Joined.Fn::Join[1][0].Ref: no deployed value for 'Gone'",
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(alphabet="ab:-${}.!", max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["A", "B", "C"]), inner),
        max_leaves=12,
    )
)
def test_values_without_functions_resolve_to_themselves_and_match_themselves(value: Any) -> None:
    assert resolve(value, VALUES) == value
    assert differences(value, value) == []


# --- Filling the exported calls --------------------------------------------------------------


def test_fill_keeps_numbers_and_replaces_text_placeholders() -> None:
    params = {
        "ResourceId": "endpoint/${Endpoint.EndpointName}/variant/AllTraffic",
        "MinCapacity": "${MinCapacity}",
        "Flag": "enabled=${Flag}",
        "AlarmActions": [ShellVariable("$policy_arn_Upper")],
    }
    filled = fill(params, {**VALUES, "MinCapacity": 3, "Flag": True}, {"policy_arn_Upper": "arn:policy"})
    assert filled == {
        "ResourceId": RESOURCE_ID,
        "MinCapacity": 3,
        "Flag": "enabled=true",
        "AlarmActions": ["arn:policy"],
    }


def test_fill_lists_every_placeholder_and_variable_without_a_value() -> None:
    params = {"A": "${ImportValue(Shared)}", "B": ["x-${Gone.Arn}"], "C": [ShellVariable("$policy_arn_Lower")]}
    with pytest.raises(RedeployError) as error:
        fill(params, VALUES, {}, "cloudwatch PutMetricAlarm")
    assert failure_lines(error) == [
        "cannot fill the exported scaling calls:",
        "cloudwatch PutMetricAlarm.A: no deployed value for placeholder '${ImportValue(Shared)}'",
        "cloudwatch PutMetricAlarm.B[0]: no deployed value for placeholder '${Gone.Arn}'",
        "cloudwatch PutMetricAlarm.C[0]: no value for shell variable '$policy_arn_Lower'",
    ]


# --- Comparing ------------------------------------------------------------------------------


def test_differences_ignore_what_the_emulator_adds() -> None:
    expected = {"ModelName": "m", "PrimaryContainer": {"Mode": "MultiModel"}}
    actual = {"ModelName": "m", "ModelArn": "arn", "PrimaryContainer": {"Mode": "MultiModel", "Image": "i"}}
    assert differences(expected, actual) == []


def test_differences_name_the_path_of_each_mismatch() -> None:
    expected = {
        "ProductionVariants": [{"InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 2}],
        "Tags": [1, 2],
        "KmsKeyId": "key",
    }
    actual = {"ProductionVariants": [{"InstanceType": "ml.g4dn.xlarge", "InitialInstanceCount": 2.0}], "Tags": [1]}
    assert differences(expected, actual, "Config") == [
        "Config.ProductionVariants[0].InstanceType: expected 'ml.g5.xlarge', the emulator reports 'ml.g4dn.xlarge'",
        "Config.Tags: expected 2 items [1, 2], the emulator reports [1]",
        "Config.KmsKeyId: expected 'key', the emulator reports nothing",
    ]


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (2, 2.0),
        ("2", 2),
        (1.5, "1.5"),
        ("true", True),
        (False, "False"),
        ("2027-01-01T00:00:00Z", datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)),
        ("2027-01-01T01:00:00+01:00", datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)),
    ],
)
def test_scalars_compare_as_cloudformation_reads_them(expected: Any, actual: Any) -> None:
    assert differences(expected, actual) == []


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        (1, True),
        (True, 1),
        ("2", 3),
        ("x", None),
        ("2027-01-01T00:00:00Z", datetime.datetime(2027, 1, 1, 0, 0, 1, tzinfo=datetime.UTC)),
        ("not a time", datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)),
        ({"A": 1}, [1]),
        ([1], {"A": 1}),
    ],
)
def test_different_scalars_and_shapes_are_reported(expected: Any, actual: Any) -> None:
    assert differences(expected, actual) == [
        f"value: expected {'an object' if isinstance(expected, dict) else 'a list'}, the emulator reports {actual!r}"
        if isinstance(expected, (dict, list))
        else f"value: expected {expected!r}, the emulator reports {actual!r}"
    ]


def test_split_compared_sets_aside_what_no_describe_call_returns() -> None:
    compared, not_compared = split_compared(
        "AWS::SageMaker::Endpoint", {"EndpointConfigName": "c", "RetainAllVariantProperties": True}
    )
    assert compared == {"EndpointConfigName": "c"}
    assert not_compared == {
        "RetainAllVariantProperties": "a CloudFormation update option; DescribeEndpoint has no such field"
    }


def test_tag_differences_find_missing_and_changed_tags() -> None:
    expected = [{"Key": "team", "Value": "ml"}, {"Key": "env", "Value": "prod"}, {"Key": "cost", "Value": "1"}]
    actual = [{"Key": "team", "Value": "ml"}, {"Key": "env", "Value": "dev"}, {"Key": "extra", "Value": "x"}]
    assert tag_differences(expected, actual, "Model.Tags") == [
        "Model.Tags: expected tag 'env'='prod', the emulator reports 'dev'",
        "Model.Tags: expected tag 'cost'='1', the emulator reports none",
    ]


# --- The scaling the emulator's CloudFormation skips ----------------------------------------


def test_missing_resources_are_accounted_for_by_the_export_or_reported() -> None:
    resources = TEMPLATE["Resources"]
    exported = exported_logical_ids(scaling_in_template(TEMPLATE))
    assert exported == {"Target", "Tracking", "Upper", "UpperAlarm"}
    assert missing_resources(resources, {"Endpoint"}, exported) == (["Target", "Tracking", "Upper", "UpperAlarm"], [])
    assert missing_resources(resources, set(), exported) == (
        ["Target", "Tracking", "Upper", "UpperAlarm"],
        ["Endpoint (AWS::SageMaker::Endpoint)"],
    )


def test_filled_export_calls_carry_what_the_template_resolves_to() -> None:
    """The export's placeholders, filled, agree with the template's functions, evaluated."""
    resources = TEMPLATE["Resources"]
    (target,) = scaling_in_template(TEMPLATE)
    where = target_where(target, VALUES, {})
    assert where == WHERE
    variables = {"policy_arn_Upper": "arn:aws:autoscaling:policy/Upper"}
    calls = {call.operation + str(call.params.get("PolicyName", "")): call for call in api_calls([target])}
    assert sorted(calls) == [
        "PutMetricAlarm",
        "PutScalingPolicyInvocations",
        "PutScalingPolicyUpper",
        "PutScheduledAction",
        "RegisterScalableTarget",
    ]

    target_properties = resolve(resources["Target"]["Properties"], VALUES)
    expected, not_compared = expected_target(target_properties, where)
    registered = fill(calls["RegisterScalableTarget"].params, VALUES, variables)
    assert differences(expected, registered) == []
    assert set(not_compared) == {"RoleARN", "ScheduledActions"}

    schedules = expected_scheduled_actions(target_properties, where)
    assert schedules == {
        "business-hours": {
            "ScheduledActionName": "business-hours",
            "Schedule": "cron(0 8 ? * MON-FRI *)",
            "ScalableTargetAction": {"MinCapacity": 4, "MaxCapacity": 6},
            "StartTime": "2027-01-01T00:00:00Z",
            **WHERE,
        }
    }
    scheduled = fill(calls["PutScheduledAction"].params, VALUES, variables)
    assert differences(schedules["business-hours"], scheduled) == []

    for logical_id, name in (("Tracking", "Invocations"), ("Upper", "Upper")):
        properties = resolve(resources[logical_id]["Properties"], {**VALUES, "Target": "t"})
        put = fill(calls[f"PutScalingPolicy{name}"].params, VALUES, variables)
        assert differences(expected_policy(properties, name, where), put) == []

    alarm = resolve(resources["UpperAlarm"]["Properties"], {**VALUES, "Upper": "arn:aws:autoscaling:policy/Upper"})
    put_alarm = fill(calls["PutMetricAlarm"].params, VALUES, variables)
    assert differences({**alarm, "AlarmName": "UpperAlarm"}, put_alarm) == []


def test_a_changed_template_value_is_caught_against_the_applied_call() -> None:
    (target,) = scaling_in_template(TEMPLATE)
    where = target_where(target, VALUES, {})
    properties = resolve({**TEMPLATE["Resources"]["Target"]["Properties"], "MaxCapacity": 8}, VALUES)
    expected, _ = expected_target(properties, where)
    registered = fill(api_calls([target])[0].params, VALUES, {})
    assert differences(expected, registered, "Target") == ["Target.MaxCapacity: expected 8, the emulator reports 6"]


# --- The CLI's environment and the time limit ------------------------------------------------


def test_cli_environment_points_at_the_emulator_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.example")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    env = cli_environment("http://127.0.0.1:5123", tmp_path)
    assert "AWS_PROFILE" not in env
    assert "AWS_ENDPOINT_URL_S3" not in env
    assert "HTTPS_PROXY" not in env
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5123"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["CI"] == "true"
    assert env["CDK_DISABLE_VERSION_CHECK"] == env["CDK_DISABLE_CLI_TELEMETRY"] == "true"
    assert env["CDK_HOME"] == str(tmp_path / "cdk-home")


def test_deadline_refuses_a_step_once_the_limit_has_passed() -> None:
    assert Deadline(60).left("cdk deploy") > 50
    with pytest.raises(RehearsalFailure) as error:
        Deadline(0).left("cdk deploy")
    assert failure_lines(error) == ["time limit of 0 s reached before cdk deploy"]


def test_report_lists_only_properties_that_are_not_compared_elsewhere() -> None:
    report = Report()
    report.skip("Target", {"RoleARN": "no service-linked role", "ScheduledActions": "compared with X"})
    assert report.not_compared == ["Target.RoleARN: no service-linked role"]


# --- The template the emulator deploys ------------------------------------------------------


def test_endpoint_arn_attributes_become_refs_for_the_emulator() -> None:
    template = {
        "Resources": {
            "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {}},
            "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {}},
            "Policy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "Resources": [
                        {"Fn::GetAtt": ["Endpoint", "EndpointArn"]},
                        {"Fn::GetAtt": "Endpoint.EndpointArn"},
                        {"Fn::GetAtt": ["Endpoint", "EndpointName"]},
                        {"Fn::GetAtt": ["Config", "EndpointArn"]},
                        {"Fn::Sub": "${Endpoint.EndpointArn}/${!Endpoint.EndpointArn}"},
                        {"Fn::Sub": ["${Endpoint.EndpointArn}-${Other}", {"Endpoint.EndpointArn": "kept"}]},
                    ]
                },
            },
        },
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Endpoint", "EndpointArn"]}}},
    }
    original = json.dumps(template, sort_keys=True)
    rewritten, count = without_endpoint_arn(template)
    assert count == 4
    assert rewritten["Resources"]["Policy"]["Properties"]["Resources"] == [
        {"Ref": "Endpoint"},
        {"Ref": "Endpoint"},
        {"Fn::GetAtt": ["Endpoint", "EndpointName"]},
        {"Fn::GetAtt": ["Config", "EndpointArn"]},
        {"Fn::Sub": "${Endpoint}/${!Endpoint.EndpointArn}"},
        {"Fn::Sub": ["${Endpoint.EndpointArn}-${Other}", {"Endpoint.EndpointArn": "kept"}]},
    ]
    assert rewritten["Outputs"] == {"Arn": {"Value": {"Ref": "Endpoint"}}}
    assert json.dumps(template, sort_keys=True) == original


def test_the_ref_and_the_attribute_resolve_to_the_same_arn() -> None:
    values = {**VALUES, "Endpoint.EndpointArn": ENDPOINT_ARN}
    value = {"Fn::Sub": "${Endpoint.EndpointArn}/*"}
    rewritten, _ = without_endpoint_arn({"Resources": TEMPLATE["Resources"], "Outputs": {"O": value}})
    assert resolve(rewritten["Outputs"]["O"], values) == resolve(value, values) == f"{ENDPOINT_ARN}/*"

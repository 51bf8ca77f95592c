"""cdk-nag and cfn-lint on what the constructs synthesize."""

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from cdk_nag import AwsSolutionsChecks

from app import MultiModelEndpointsStack
from tests.conftest import assert_lints_clean, lint_errors

#: Every cdk-nag AwsSolutions finding on the example app, each a wildcard that AWS leaves no
#: narrower way to write (see the README's "Security" section).
EXPECTED_NAG_FINDINGS = {
    # s3:GetObject on the objects under the model prefix.
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::my-model-bucket/cpu-models/*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::my-model-bucket/gpu-models/*]",
    # Log streams of endpoints whose names CloudFormation generates.
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
    "log-group:/aws/sagemaker/Endpoints/*]",
    # ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level permissions.
    "AwsSolutions-IAM5[Resource::*]",
}


def nag_findings(tmp_path: Path) -> set[str]:
    app = cdk.App(outdir=str(tmp_path))
    MultiModelEndpointsStack(app, "Example")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        app.synth()
    except RuntimeError as error:
        assert "ValidationFailed" in str(error)
    assert_lints_clean(tmp_path / "Example.template.json")
    report = json.loads((tmp_path / "validation-report.json").read_text())
    return {violation["ruleName"] for plugin in report["pluginReports"] for violation in plugin["violations"]}


def test_cdk_nag_finds_only_the_documented_wildcards(tmp_path):
    assert nag_findings(tmp_path) == EXPECTED_NAG_FINDINGS


def test_example_app_lints_clean(synth):
    stack = MultiModelEndpointsStack(cdk.App(), "Example")
    template = synth(stack)
    template.resource_count_is("AWS::SageMaker::Endpoint", 2)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 4)


@pytest.mark.parametrize(
    ("configuration", "rule"),
    [
        (
            {"TargetValue": 70.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "InvocationsPerInstance"}},
            "E3030",
        ),
        (
            {"PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}},
            "E3003",
        ),
    ],
)
def test_the_lint_check_catches_invalid_policies(configuration, rule):
    template = {
        "Resources": {
            "Policy": {
                "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
                "Properties": {
                    "PolicyName": "p",
                    "PolicyType": "TargetTrackingScaling",
                    "ScalingTargetId": "endpoint/e/variant/v|sagemaker:variant:DesiredInstanceCount|sagemaker",
                    "TargetTrackingScalingPolicyConfiguration": configuration,
                },
            }
        }
    }
    assert any(error.startswith(f"[{rule}") for error in lint_errors(template))

"""cdk-nag and cfn-lint on what the constructs synthesize."""

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks

from app import MultiModelEndpointsStack
from mme_scaling_constructs import MultiModelEndpoint
from mme_scaling_constructs.execution_role import model_access_statements
from tests.conftest import assert_lints_clean, lint_errors

#: The wildcard findings the execution role would have: each is as narrow as AWS allows, and
#: the construct acknowledges it with a reason (see the README's "Security" section).
ACKNOWLEDGED_WILDCARDS = {
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::my-model-bucket/cpu-models/*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::my-model-bucket/gpu-models/*]",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
    "log-group:/aws/sagemaker/Endpoints/*]",
    "AwsSolutions-IAM5[Resource::*]",
}


def nag_findings(app: cdk.App, outdir: Path, packs: tuple[type, ...] = (AwsSolutionsChecks,)) -> set[str]:
    """Run cdk-nag's packs (AwsSolutions unless given) on ``app``; return the rules they report."""
    cdk.Validations.of(app).add_plugins(*(pack(app) for pack in packs))
    try:
        app.synth()
    except RuntimeError as error:
        assert "ValidationFailed" in str(error)
    for template in outdir.glob("*.template.json"):
        assert_lints_clean(template)
    report_file = outdir / "validation-report.json"
    if not report_file.exists():
        return set()
    report = json.loads(report_file.read_text())
    return {violation["ruleName"] for plugin in report["pluginReports"] for violation in plugin["violations"]}


def test_example_app_passes_cdk_nag(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    MultiModelEndpointsStack(app, "Example")
    assert nag_findings(app, tmp_path) == set()


def test_the_acknowledged_findings_are_real(tmp_path):
    """With a role of the same permissions that carries no acknowledgment, cdk-nag reports them all."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Unacknowledged")
    for name in ("cpu", "gpu"):
        iam.Role(
            stack,
            f"{name}Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            inline_policies={
                "ServeModels": iam.PolicyDocument(
                    statements=model_access_statements(
                        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1",
                        model_data_url=f"s3://my-model-bucket/{name}-models/",
                    )
                )
            },
        )
    assert nag_findings(app, tmp_path) == ACKNOWLEDGED_WILDCARDS


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


def test_a_given_role_is_not_acknowledged(tmp_path):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "GivenRole")
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    MultiModelEndpoint(
        stack,
        "Mme",
        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1",
        model_data_url="s3://my-model-bucket/cpu-models/",
        instance_type="ml.c5.xlarge",
        role=role,
    )
    assert "AwsSolutions-IAM5[Resource::*]" in nag_findings(app, tmp_path)


@pytest.mark.parametrize(
    ("with_key", "expected"),
    [
        (
            False,
            {
                "HIPAA.Security-IAMNoInlinePolicy",
                "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
                "NIST.800.53.R5-IAMNoInlinePolicy",
                "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
            },
        ),
        (True, {"HIPAA.Security-IAMNoInlinePolicy", "NIST.800.53.R5-IAMNoInlinePolicy"}),
    ],
    ids=["no-key", "key"],
)
def test_what_the_hipaa_and_nist_packs_report_today(tmp_path, with_key, expected):
    """Pinned, to be driven to nothing: the key finding is the user's choice (encryption_key); the
    inline-policy finding goes once the execution role's policy becomes a customer-managed one."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Packs")
    key = cdk.aws_kms.Key(stack, "Key", enable_key_rotation=True) if with_key else None
    MultiModelEndpoint(
        stack,
        "Mme",
        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1",
        model_data_url="s3://my-model-bucket/cpu-models/",
        instance_type="ml.c5.xlarge",
        encryption_key=key,
    )
    packs = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks)
    assert nag_findings(app, tmp_path, packs) == expected

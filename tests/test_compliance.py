"""cdk-nag and cfn-lint on what the constructs synthesize."""

import itertools
import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks
from constructs import Construct

from app import MultiModelEndpointsStack
from mme_scaling_constructs import MultiModelEndpoint
from mme_scaling_constructs.execution_role import acknowledge_required_wildcards, model_access_statements
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
        app.synth(force=True)  # an app synthesized before (Template.from_stack) would not run the packs
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


def test_a_given_role_gets_the_same_acknowledged_policy(tmp_path):
    """The wildcards live in the construct's own managed policy, whichever role it is attached to."""
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
    assert nag_findings(app, tmp_path) == set()


#: The packs of the compliance matrix.
PACKS = (AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks)
#: What the packs report when the endpoint config has no ``encryption_key``: the user's choice.
NO_STORAGE_KEY_FINDINGS = {
    "HIPAA.Security-SageMakerEndpointConfigurationKMSKeyConfigured",
    "NIST.800.53.R5-SageMakerEndpointConfigurationKMSKeyConfigured",
}
MATRIX = list(itertools.product(("cpu", "gpu"), (False, True), (False, True), (False, True), (False, True)))


def matrix_stack_name(device, vpc, keys, given_role, own_bucket):
    flags = {"Vpc": vpc, "Keys": keys, "GivenRole": given_role, "OwnBucket": own_bucket}
    return device.capitalize() + "".join(name if on else f"No{name}" for name, on in flags.items())


def matrix_endpoint(app, device, vpc, keys, given_role, own_bucket):
    """One configuration of the matrix in its own stack; the user's resources sit beside the endpoint."""
    stack = cdk.Stack(app, matrix_stack_name(device, vpc, keys, given_role, own_bucket))
    options = {}
    if vpc:
        options["vpc"] = ec2.Vpc(stack, "Vpc", max_azs=2)
    if keys:
        options["model_data_key"] = kms.Key(stack, "ModelKey", enable_key_rotation=True)
        options["encryption_key"] = kms.Key(stack, "StorageKey", enable_key_rotation=True)
    if given_role:
        options["role"] = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    bucket = s3.Bucket(stack, "Models", enforce_ssl=True).bucket_name if own_bucket else "my-model-bucket"
    image, instance_type = (
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1", "ml.c5.xlarge")
        if device == "cpu"
        else ("123456789012.dkr.ecr.us-east-1.amazonaws.com/triton:1", "ml.g5.xlarge")
    )
    MultiModelEndpoint(
        stack,
        "Mme",
        image_uri=image,
        model_data_url=f"s3://{bucket}/models/",
        instance_type=instance_type,
        **options,
    )
    return stack


@pytest.fixture(scope="module")
def matrix_report(tmp_path_factory):
    """cdk-nag's three packs on every configuration of the matrix, synthesized as one app."""
    outdir = tmp_path_factory.mktemp("matrix")
    app = cdk.App(outdir=str(outdir))
    for configuration in MATRIX:
        matrix_endpoint(app, *configuration)
    cdk.Validations.of(app).add_plugins(*(pack(app) for pack in PACKS))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    for template in outdir.glob("*.template.json"):
        assert_lints_clean(template)
    report = json.loads((outdir / "validation-report.json").read_text())
    return [
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    ]


@pytest.mark.parametrize("configuration", MATRIX, ids=[matrix_stack_name(*configuration) for configuration in MATRIX])
def test_the_compliance_packs_report_only_the_users_choices(matrix_report, configuration):
    """AwsSolutions, HIPAA Security and NIST 800-53 rev 5 on the construct's own resources.

    Every finding the construct cannot avoid is acknowledged in it; the one left is the user's
    choice: an endpoint config without ``encryption_key``. The user's resources (VPC, keys,
    role, bucket) are theirs to make compliant and are not counted.
    """
    prefix = f"{matrix_stack_name(*configuration)}/Mme/"
    found = {rule for rule, path in matrix_report if path.startswith(prefix)}
    keys = configuration[2]
    assert found == (set() if keys else NO_STORAGE_KEY_FINDINGS)
    assert all(path == f"{prefix}EndpointConfig" for rule, path in matrix_report if path.startswith(prefix))


def test_the_matrix_sees_findings_of_the_users_resources(matrix_report):
    """The packs did run on every stack: the user's VPC without flow logs is reported."""
    vpc_stacks = {matrix_stack_name(*c) for c in MATRIX if c[1]}
    reported = {path.split("/")[0] for rule, path in matrix_report if rule == "NIST.800.53.R5-VPCFlowLogsEnabled"}
    assert reported == vpc_stacks


@pytest.mark.parametrize(
    ("model_data_url", "in_vpc"),
    [
        ("s3://my-model-bucket/models/", False),
        ("s3://my-model-bucket/models/", True),
        ("s3://my-model-bucket/odd[prefix/", False),
        ("s3://my-model-bucket/", False),
        ("s3://my-model-bucket/my models/", False),
        ("s3://my-model-bucket/a]::[b/", False),
    ],
)
def test_the_acknowledgments_are_what_validations_acknowledge_records(model_data_url, in_vpc):
    """One metadata entry with the ids and reasons ``Validations.acknowledge`` would record one by one."""
    stack = cdk.Stack(cdk.App(), "Acknowledged")
    ours, theirs = Construct(stack, "Ours"), Construct(stack, "Theirs")
    acknowledge_required_wildcards(ours, stack=stack, model_data_url=model_data_url, in_vpc=in_vpc)
    [entry] = ours.node.metadata
    assert entry.type == cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    assert len(entry.data) == 2 + in_vpc + 1
    cdk.Validations.of(theirs).acknowledge(
        *(cdk.Acknowledgment(id=rule, reason=reason) for rule, reason in entry.data.items())
    )
    recorded = {}
    for their_entry in theirs.node.metadata:
        assert their_entry.type == entry.type
        recorded.update(their_entry.data)
    assert recorded == entry.data

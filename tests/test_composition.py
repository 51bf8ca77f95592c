"""Composing the constructs: scaling on or off, one scalable target per variant, dependencies."""

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.assertions import Match, Template

from mme_scaling_constructs import (
    GPU_UTILIZATION,
    ConfigurationError,
    EndpointScaling,
    InvocationsPerInstancePolicy,
    ScalingPreset,
    UtilizationPolicy,
)
from tests.conftest import GPU_IMAGE, cpu_endpoint
from tests.test_compliance import nag_findings

SCALING_TYPES = (
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
)


def test_auto_scaling_off_creates_no_scaling(stack, synth):
    mme = cpu_endpoint(stack, auto_scaling=False)
    template = synth(stack)
    assert mme.scaling is None
    for resource_type in SCALING_TYPES:
        template.resource_count_is(resource_type, 0)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"InitialInstanceCount": 2, "InstanceType": "ml.c5.xlarge"})]},
    )


def test_auto_scaling_off_then_scaled_separately(stack, synth):
    mme = cpu_endpoint(stack, auto_scaling=False, instance_type="ml.g5.xlarge", image_uri=GPU_IMAGE)
    EndpointScaling(stack, "LaterScaling", endpoint_name=mme.endpoint_name, instance_type="ml.g5.xlarge")
    synth(stack).resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)


def test_auto_scaling_off_allows_a_burstable_type(stack, synth):
    cpu_endpoint(stack, auto_scaling=False, instance_type="ml.t2.medium")
    synth(stack).resource_count_is("AWS::SageMaker::Endpoint", 1)


def test_auto_scaling_off_refuses_a_preset(stack):
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, auto_scaling=False, scaling=ScalingPreset.cpu())
    assert str(raised.value).endswith(
        "scaling: got " + repr(ScalingPreset.cpu()) + "; allowed: None when auto_scaling is False"
    )


def test_auto_scaling_must_be_a_bool(stack):
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, auto_scaling="yes")
    assert str(raised.value).endswith("auto_scaling: got 'yes'; allowed: True or False")


def test_two_scalings_of_one_endpoint_are_refused(stack):
    mme = cpu_endpoint(stack)
    with pytest.raises(ConfigurationError) as raised:
        EndpointScaling(stack, "Again", endpoint_name=mme.endpoint_name, instance_type="ml.c5.xlarge")
    message = str(raised.value)
    assert "TestStack/Mme/Scaling already scales variant 'AllTraffic' of this endpoint" in message
    assert message.startswith("Invalid EndpointScaling configuration (1 problem):\n  - endpoint_name: got '${Token[")
    assert [child.node.id for child in stack.node.children] == ["Mme"]


def test_two_scalings_of_a_named_endpoint_are_refused(stack):
    EndpointScaling(stack, "First", endpoint_name="shared", instance_type="ml.c5.xlarge")
    with pytest.raises(ConfigurationError) as raised:
        EndpointScaling(stack, "Second", endpoint_name="shared", instance_type="ml.c5.xlarge")
    assert str(raised.value) == (
        "Invalid EndpointScaling configuration (1 problem):\n"
        "  - endpoint_name: got 'shared'; allowed: an endpoint variant no other construct scales: TestStack/First "
        "already scales variant 'AllTraffic' of this endpoint, and Application Auto Scaling allows one scalable "
        "target per variant"
    )


def test_another_variant_of_the_same_endpoint_may_be_scaled(stack, synth):
    EndpointScaling(stack, "Blue", endpoint_name="shared", instance_type="ml.c5.xlarge", variant_name="Blue")
    EndpointScaling(stack, "Green", endpoint_name="shared", instance_type="ml.c5.xlarge", variant_name="Green")
    synth(stack).resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 2)


def test_stacks_of_one_environment_share_scalable_targets():
    app = cdk.App()
    env = cdk.Environment(account="123456789012", region="us-east-1")
    EndpointScaling(cdk.Stack(app, "A", env=env), "S", endpoint_name="shared", instance_type="ml.c5.xlarge")
    with pytest.raises(ConfigurationError, match="A/S already scales variant 'AllTraffic'"):
        EndpointScaling(cdk.Stack(app, "B", env=env), "S", endpoint_name="shared", instance_type="ml.c5.xlarge")
    other_region = cdk.Environment(account="123456789012", region="eu-west-1")
    EndpointScaling(cdk.Stack(app, "C", env=other_region), "S", endpoint_name="shared", instance_type="ml.c5.xlarge")


def test_environment_agnostic_stacks_may_each_scale_a_name():
    """Two environment-agnostic stacks usually deploy to different accounts: only a stack is compared with itself."""
    app = cdk.App()
    for name in ("Staging", "Production"):
        EndpointScaling(cdk.Stack(app, name), "S", endpoint_name="shared", instance_type="ml.c5.xlarge")


def test_separate_apps_do_not_interfere():
    for _ in range(2):
        EndpointScaling(cdk.Stack(cdk.App(), "S"), "S", endpoint_name="shared", instance_type="ml.c5.xlarge")


def test_a_literal_endpoint_name_in_the_same_stack_gets_a_dependency(stack, synth):
    EndpointScaling(stack, "Scaling", endpoint_name="named-endpoint", instance_type="ml.c5.xlarge")
    # The endpoint is defined after the scaling: the dependency is found at synthesis.
    cfn_endpoint = sagemaker.CfnEndpoint(
        stack, "Endpoint", endpoint_config_name="config", endpoint_name="named-endpoint"
    )
    template = synth(stack)
    logical_id = stack.get_logical_id(cfn_endpoint)
    template.has_resource("AWS::ApplicationAutoScaling::ScalableTarget", {"DependsOn": Match.array_with([logical_id])})


def test_a_literal_name_of_an_endpoint_elsewhere_gets_no_dependency(stack, synth):
    EndpointScaling(stack, "Scaling", endpoint_name="named-endpoint", instance_type="ml.c5.xlarge")
    sagemaker.CfnEndpoint(stack, "Other", endpoint_config_name="config", endpoint_name="other-endpoint")
    template = synth(stack)
    assert all("DependsOn" not in r for r in template.find_resources(SCALING_TYPES[0]).values())


def test_custom_preset_takes_its_device_from_the_instance_type(stack, warnings_of):
    preset = ScalingPreset.custom(
        InvocationsPerInstancePolicy(), UtilizationPolicy(metric=GPU_UTILIZATION, target_percent=60)
    )
    assert preset.device is None
    cpu_endpoint(stack, image_uri=GPU_IMAGE, instance_type="ml.g5.xlarge", scaling=preset)
    assert warnings_of(stack, "use ScalingPreset.gpu") == []


def test_an_image_from_another_region_warns(warnings_of):
    stack = cdk.Stack(cdk.App(), "Regional", env=cdk.Environment(region="eu-west-1"))
    cpu_endpoint(stack)
    warnings = warnings_of(stack, "image_uri is in us-east-1 but the stack deploys to eu-west-1")
    assert len(warnings) == 1
    assert warnings[0].id.endswith("Mme")


def test_an_image_of_the_stack_region_does_not_warn(warnings_of):
    stack = cdk.Stack(cdk.App(), "Regional", env=cdk.Environment(region="us-east-1"))
    cpu_endpoint(stack)
    assert warnings_of(stack, "image_uri is in") == []


def test_a_bucket_of_the_stack_keeps_grants_scoped_and_passes_cdk_nag(tmp_path, warnings_of):
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "WithBucket")
    bucket = s3.Bucket(stack, "ModelBucket", enforce_ssl=True)
    cpu_endpoint(stack, model_data_url=f"s3://{bucket.bucket_name}/models/")
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Sid": "ListModelArchives", "Condition": {"StringLike": {"s3:prefix": ["models/*"]}}}
                        )
                    ]
                )
            },
        },
    )
    assert warnings_of(stack, "model_data_url is a token") == []
    assert {finding for finding in nag_findings(app, tmp_path) if "IAM5" in finding} == set()


def test_a_token_prefix_still_warns(stack, warnings_of):
    prefix = cdk.CfnParameter(stack, "Prefix").value_as_string
    cpu_endpoint(stack, model_data_url=prefix)
    assert len(warnings_of(stack, "model_data_url is a token")) == 1


@pytest.mark.parametrize(
    ("prefix", "granted"),
    [
        ("models(1/", "models?1/"),
        ("models)/", "models?/"),
        ("a]b/", "a?b/"),
        ("x[y/", "x[y/"),
        ("(balanced)/", "(balanced)/"),
        ("a]::[b/", "a?::?b/"),
        ("a]::x::[b/", "a?::x::?b/"),
        ("my models/", "my models/"),
    ],
)
def test_prefixes_with_brackets_pass_cdk_nag(tmp_path, prefix, granted):
    """S3 keys may hold brackets and spaces; the finding ids stay acknowledged.

    Unmatched brackets, and brackets around a ``::`` (CDK's namespace separator), become the
    ``?`` wildcard, so that CDK can parse the finding id; spaces are stored as CDK stores ids.
    """
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Brackets")
    cpu_endpoint(stack, model_data_url=f"s3://model-bucket/{prefix}")
    assert nag_findings(app, tmp_path) == set()  # synthesizes first: a second synth would not run cdk-nag
    resources = json.loads((tmp_path / "Brackets.template.json").read_text())["Resources"]
    policy = next(r for r in resources.values() if r["Type"] == "AWS::IAM::ManagedPolicy")
    read = next(s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "ReadModelArchives")
    assert read["Resource"] == {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::model-bucket/{granted}*"]]}


def test_a_literal_endpoint_name_is_claimed_by_its_endpoint_too(stack):
    cpu_endpoint(stack, endpoint_name="named")
    with pytest.raises(ConfigurationError, match="TestStack/Mme/Scaling already scales variant 'AllTraffic'"):
        EndpointScaling(stack, "Again", endpoint_name="named", instance_type="ml.c5.xlarge")


def test_an_endpoint_cannot_take_a_name_another_construct_scales(stack):
    EndpointScaling(stack, "First", endpoint_name="named", instance_type="ml.c5.xlarge")
    with pytest.raises(ConfigurationError, match="TestStack/First already scales variant 'AllTraffic'"):
        cpu_endpoint(stack, endpoint_name="named")
    assert [child.node.id for child in stack.node.children] == ["First"]


def test_an_unscaled_endpoint_leaves_its_name_free(stack, synth):
    cpu_endpoint(stack, endpoint_name="named", auto_scaling=False)
    EndpointScaling(stack, "Later", endpoint_name="named", instance_type="ml.c5.xlarge")
    synth(stack).resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)

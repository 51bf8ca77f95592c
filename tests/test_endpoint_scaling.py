"""EndpointScaling on an endpoint made elsewhere."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sagemaker as sagemaker

from mme_scaling_constructs import ConfigurationError, EndpointScaling, ScalingPreset


def test_scales_a_named_endpoint(stack, synth):
    scaling = EndpointScaling(
        stack,
        "Scaling",
        endpoint_name="existing-endpoint",
        instance_type="ml.c5.2xlarge",
        preset=ScalingPreset.cpu(min_capacity=2, max_capacity=6, cpu_utilization_percent=40),
        variant_name="Primary",
    )
    template = synth(stack)
    template.resource_count_is("AWS::IAM::Role", 0)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"ResourceId": "endpoint/existing-endpoint/variant/Primary", "MinCapacity": 2, "MaxCapacity": 6},
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 320,
                "CustomizedMetricSpecification": {
                    "MetricName": "CPUUtilization",
                    "Namespace": "/aws/sagemaker/Endpoints",
                    "Dimensions": [
                        {"Name": "EndpointName", "Value": "existing-endpoint"},
                        {"Name": "VariantName", "Value": "Primary"},
                    ],
                    "Statistic": "Average",
                    "Unit": "Percent",
                },
                "ScaleInCooldown": 600,
                "ScaleOutCooldown": 300,
                "DisableScaleIn": False,
            }
        },
    )
    assert len(scaling.scaling_policies) == 2
    assert scaling.scalable_target.node.id == "Target"


def test_endpoint_attribute_makes_the_target_depend_on_the_endpoint(stack, synth):
    endpoint = sagemaker.CfnEndpoint(stack, "Endpoint", endpoint_config_name="config")
    EndpointScaling(stack, "Scaling", endpoint_name=endpoint.attr_endpoint_name, instance_type="ml.g4dn.xlarge")
    template = synth(stack)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ResourceId": {
                "Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": ["Endpoint", "EndpointName"]}, "/variant/AllTraffic"]]
            }
        },
    )


def test_rejects_bad_input_before_creating_anything(stack):
    with pytest.raises(ConfigurationError) as raised:
        EndpointScaling(stack, "Scaling", endpoint_name="bad name", instance_type="ml.t2.medium", variant_name="")
    assert [problem.parameter for problem in raised.value.problems] == [
        "endpoint_name",
        "variant_name",
        "instance_type",
    ]
    assert stack.node.children == []


@pytest.mark.parametrize(
    "environment",
    [
        None,
        cdk.Environment(account="123456789012", region="eu-west-1"),
        cdk.Environment(account="123456789012"),
        cdk.Environment(region="eu-west-1"),
        cdk.Environment(account=cdk.Aws.ACCOUNT_ID, region="us-east-1"),
    ],
)
@pytest.mark.parametrize("in_stage", [False, True])
def test_the_environment_read_once_is_the_stacks(environment, in_stage):
    """``Stack.environment``, read once, gives the literal account and region, ``None`` for a token."""
    from mme_scaling_constructs.scaling import UNKNOWN_ACCOUNT, UNKNOWN_REGION, environment_of
    from mme_scaling_constructs.validation import is_token

    app = cdk.App()
    assert cdk.Stack(app, "Agnostic").environment == f"aws://{UNKNOWN_ACCOUNT}/{UNKNOWN_REGION}"
    if in_stage:
        stack = cdk.Stack(cdk.Stage(app, "Stage", env=environment), "Staged")
    else:
        stack = cdk.Stack(app, "Plain", env=environment)
    expected = tuple(None if is_token(value) else value for value in (stack.account, stack.region))
    assert environment_of(stack) == expected

"""Property-by-property assertions on what MultiModelEndpoint synthesizes."""

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match

from mme_scaling_constructs import MultiModelEndpoint, ScalingPreset
from tests.conftest import CPU_IMAGE, GPU_IMAGE, MODEL_DATA_URL, cpu_endpoint

SLR_ARN = {
    "Fn::Join": [
        "",
        [
            "arn:",
            {"Ref": "AWS::Partition"},
            ":iam::",
            {"Ref": "AWS::AccountId"},
            ":role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
            "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
        ],
    ]
}


def endpoint_name_of(template):
    (logical_id,) = template.find_resources("AWS::SageMaker::Endpoint")
    return {"Fn::GetAtt": [logical_id, "EndpointName"]}


def gpu_mme(stack, **kwargs):
    return MultiModelEndpoint(
        stack, "Mme", image_uri=GPU_IMAGE, model_data_url=MODEL_DATA_URL, instance_type="ml.g5.xlarge", **kwargs
    )


def test_model_is_multi_model_over_the_prefix(stack, synth):
    cpu_endpoint(stack, environment={"SAGEMAKER_MULTI_MODEL": "true"})
    template = synth(stack)
    template.resource_count_is("AWS::SageMaker::Model", 1)
    template.has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "PrimaryContainer": {
                "Image": CPU_IMAGE,
                "Mode": "MultiModel",
                "ModelDataUrl": MODEL_DATA_URL,
                "Environment": {"SAGEMAKER_MULTI_MODEL": "true"},
                "MultiModelConfig": {"ModelCacheSetting": "Enabled"},
            },
            "ExecutionRoleArn": {"Fn::GetAtt": [Match.string_like_regexp("MmeExecutionRole"), "Arn"]},
            "ModelName": Match.absent(),
        },
    )


def test_model_cache_can_be_disabled(stack, synth):
    cpu_endpoint(stack, model_cache=False)
    synth(stack).has_resource_properties(
        "AWS::SageMaker::Model",
        {"PrimaryContainer": {"MultiModelConfig": {"ModelCacheSetting": "Disabled"}, "Environment": Match.absent()}},
    )


def test_endpoint_config_has_one_variant(stack, synth):
    cpu_endpoint(stack)
    template = synth(stack)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "InstanceType": "ml.c5.xlarge",
                    "InitialInstanceCount": 2,
                    "InitialVariantWeight": 1,
                    "ModelName": {"Fn::GetAtt": [Match.string_like_regexp("MmeModel"), "ModelName"]},
                }
            ],
            "EndpointConfigName": Match.absent(),
            "KmsKeyId": Match.absent(),
        },
    )


def test_initial_count_and_names_are_configurable(stack, synth):
    cpu_endpoint(
        stack,
        scaling=ScalingPreset.cpu(min_capacity=2, max_capacity=6),
        initial_instance_count=3,
        variant_name="Blue",
        endpoint_name="fraud-models",
    )
    template = synth(stack)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"VariantName": "Blue", "InitialInstanceCount": 3})]},
    )
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": "fraud-models"})
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {"ResourceId": {"Fn::Join": ["", ["endpoint/", endpoint_name_of(template), "/variant/Blue"]]}},
    )


def test_endpoint_retains_variant_properties(stack, synth):
    cpu_endpoint(stack)
    synth(stack).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "RetainAllVariantProperties": True,
            "EndpointConfigName": {"Fn::GetAtt": [Match.string_like_regexp("MmeEndpointConfig"), "EndpointConfigName"]},
            "EndpointName": Match.absent(),
        },
    )


def test_scalable_target_uses_the_service_linked_role(stack, synth):
    cpu_endpoint(stack, scaling=ScalingPreset.cpu(min_capacity=2, max_capacity=6))
    template = synth(stack)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ServiceNamespace": "sagemaker",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "ResourceId": {"Fn::Join": ["", ["endpoint/", endpoint_name_of(template), "/variant/AllTraffic"]]},
            "MinCapacity": 2,
            "MaxCapacity": 6,
            "RoleARN": SLR_ARN,
        },
    )


def test_only_the_execution_role_and_its_managed_policy_are_created(stack, synth):
    cpu_endpoint(stack)
    template = synth(stack)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.resource_count_is("AWS::IAM::Policy", 0)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 1)
    (role_id,) = template.find_resources("AWS::IAM::Role")
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
                ]
            },
            "ManagedPolicyArns": Match.absent(),
            "Policies": Match.absent(),
        },
    )
    template.has_resource_properties("AWS::IAM::ManagedPolicy", {"Roles": [{"Ref": role_id}]})
    (policy_id,) = template.find_resources("AWS::IAM::ManagedPolicy")
    (model,) = template.find_resources("AWS::SageMaker::Model").values()
    assert model["DependsOn"] == [policy_id]


def statements_of(template):
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    return {statement["Sid"]: statement for statement in policy["Properties"]["PolicyDocument"]["Statement"]}


def partition_arn(suffix):
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, suffix]]}


def test_execution_role_is_least_privilege(stack, synth):
    cpu_endpoint(stack)
    statements = statements_of(synth(stack))
    assert set(statements) == {
        "ReadModelArchives",
        "ListModelArchives",
        "PullServingImage",
        "AuthenticateToEcr",
        "WriteEndpointLogs",
        "PutEndpointMetrics",
    }
    assert statements["ReadModelArchives"]["Action"] == "s3:GetObject"
    assert statements["ReadModelArchives"]["Resource"] == partition_arn(":s3:::model-bucket/models/*")
    assert statements["ListModelArchives"]["Action"] == "s3:ListBucket"
    assert statements["ListModelArchives"]["Resource"] == partition_arn(":s3:::model-bucket")
    assert statements["ListModelArchives"]["Condition"] == {"StringLike": {"s3:prefix": ["models/*"]}}
    assert statements["PullServingImage"]["Action"] == [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ]
    assert statements["PullServingImage"]["Resource"] == partition_arn(":ecr:us-east-1:123456789012:repository/mms-cpu")
    assert statements["AuthenticateToEcr"] == {
        "Sid": "AuthenticateToEcr",
        "Action": "ecr:GetAuthorizationToken",
        "Effect": "Allow",
        "Resource": "*",
    }
    assert statements["PutEndpointMetrics"]["Condition"] == {
        "StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}
    }
    log_resource = statements["WriteEndpointLogs"]["Resource"]["Fn::Join"][1]
    assert log_resource[-1] == ":log-group:/aws/sagemaker/Endpoints/*"
    every_action = [
        a for s in statements.values() for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert not [action for action in every_action if action.endswith("*")]


def test_cross_account_image_is_scoped_to_its_repository(stack, synth):
    gpu_mme(stack)
    statements = statements_of(synth(stack))
    assert statements["PullServingImage"]["Resource"] == partition_arn(
        ":ecr:us-east-1:785573368785:repository/sagemaker-tritonserver"
    )


def test_given_role_receives_the_grants(stack, synth):
    role = iam.Role(stack, "MyRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    mme = cpu_endpoint(stack, role=role)
    template = synth(stack)
    assert mme.role is role
    template.resource_count_is("AWS::IAM::Role", 1)
    template.resource_count_is("AWS::IAM::Policy", 0)
    (policy_id,) = template.find_resources(
        "AWS::IAM::ManagedPolicy",
        {
            "Properties": {
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Sid": "ReadModelArchives", "Action": "s3:GetObject"})]
                    )
                }
            }
        },
    )
    # CDK's own add_managed_policy: the role lists the policy.
    template.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": [{"Ref": policy_id}]})
    assert policy_id == stack.get_logical_id(mme.execution_policy)
    (model,) = template.find_resources("AWS::SageMaker::Model").values()
    assert model["DependsOn"] == [policy_id]


def test_an_imported_role_gets_the_policy_by_name(stack, synth):
    role = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::123456789012:role/serving")
    cpu_endpoint(stack, role=role)
    template = synth(stack)
    template.resource_count_is("AWS::IAM::Role", 0)
    template.has_resource_properties("AWS::IAM::ManagedPolicy", {"Roles": ["serving"]})
    template.has_resource_properties(
        "AWS::SageMaker::Model", {"ExecutionRoleArn": "arn:aws:iam::123456789012:role/serving"}
    )


def test_invocations_policy_uses_the_valid_predefined_metric(stack, synth):
    cpu_endpoint(stack)
    synth(stack).has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": Match.string_like_regexp("MmeScalingTarget")},
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
                "TargetValue": 70,
                "ScaleInCooldown": 600,
                "ScaleOutCooldown": 300,
                "DisableScaleIn": False,
            },
        },
    )


def utilization_policy(template, metric_name):
    policies = template.find_resources(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "Properties": {
                "TargetTrackingScalingPolicyConfiguration": {
                    "CustomizedMetricSpecification": {"MetricName": metric_name}
                }
            }
        },
    )
    (policy,) = policies.values()
    return policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]


@pytest.mark.parametrize(
    ("instance_type", "percent", "target"),
    [("ml.c5.xlarge", 50, 200), ("ml.m5.4xlarge", 60, 960), ("ml.c5.large", 75, 150)],
)
def test_cpu_target_is_multiplied_by_vcpus(stack, synth, instance_type, percent, target):
    cpu_endpoint(stack, instance_type=instance_type, scaling=ScalingPreset.cpu(cpu_utilization_percent=percent))
    template = synth(stack)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2)
    configuration = utilization_policy(template, "CPUUtilization")
    assert configuration["TargetValue"] == target
    assert configuration["CustomizedMetricSpecification"] == {
        "MetricName": "CPUUtilization",
        "Namespace": "/aws/sagemaker/Endpoints",
        "Dimensions": [
            {"Name": "EndpointName", "Value": endpoint_name_of(template)},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ],
        "Statistic": "Average",
        "Unit": "Percent",
    }
    assert (configuration["ScaleInCooldown"], configuration["ScaleOutCooldown"]) == (600, 300)


def test_gpu_preset_tracks_gpu_utilization_per_gpu(stack, synth):
    gpu_mme(stack, scaling=ScalingPreset.gpu(gpu_utilization_percent=65, invocations_per_instance=120))
    template = synth(stack)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2)
    configuration = utilization_policy(template, "GPUUtilization")
    assert configuration["TargetValue"] == 65
    dimension_names = [d["Name"] for d in configuration["CustomizedMetricSpecification"]["Dimensions"]]
    assert dimension_names == ["EndpointName", "VariantName"]
    assert configuration["CustomizedMetricSpecification"]["Namespace"] == "/aws/sagemaker/Endpoints"
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": 120})},
    )


def test_default_preset_follows_the_instance_type(stack, synth):
    gpu_mme(stack)
    template = synth(stack)
    assert utilization_policy(template, "GPUUtilization")["TargetValue"] == 50
    assert (
        template.find_resources(
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            {
                "Properties": {
                    "TargetTrackingScalingPolicyConfiguration": {
                        "CustomizedMetricSpecification": {"MetricName": "CPUUtilization"}
                    }
                }
            },
        )
        == {}
    )


def test_cooldowns_apply_to_every_policy(stack, synth):
    cpu_endpoint(
        stack, scaling=ScalingPreset.cpu(scale_in_cooldown=Duration.minutes(20), scale_out_cooldown=Duration.minutes(2))
    )
    policies = synth(stack).find_resources("AWS::ApplicationAutoScaling::ScalingPolicy")
    assert len(policies) == 2
    for policy in policies.values():
        configuration = policy["Properties"]["TargetTrackingScalingPolicyConfiguration"]
        assert (configuration["ScaleInCooldown"], configuration["ScaleOutCooldown"]) == (1200, 120)


def test_policy_names_are_unique_and_stable(stack, synth):
    cpu_endpoint(stack)
    names = [
        p["Properties"]["PolicyName"]
        for p in synth(stack).find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    ]
    assert len(set(names)) == 2
    other = cdk.Stack(cdk.App(), "TestStack")
    cpu_endpoint(other)
    assert names == [
        p["Properties"]["PolicyName"]
        for p in synth(other).find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    ]


def test_escape_hatches_are_the_l1_resources(stack):
    mme = cpu_endpoint(stack)
    assert mme.model.cfn_resource_type == "AWS::SageMaker::Model"
    assert mme.endpoint_config.cfn_resource_type == "AWS::SageMaker::EndpointConfig"
    assert mme.endpoint.cfn_resource_type == "AWS::SageMaker::Endpoint"
    assert mme.endpoint_name == mme.endpoint.attr_endpoint_name
    assert mme.variant_name == "AllTraffic"
    assert len(mme.scaling.scaling_policies) == 2
    assert mme.scaling.preset == ScalingPreset.for_instance_type("ml.c5.xlarge")


def test_min_capacity_one_is_a_warning(stack, warnings_of):
    cpu_endpoint(stack, scaling=ScalingPreset.cpu(min_capacity=1, max_capacity=2))
    assert len(warnings_of(stack, "min_capacity is 1: a single instance gives no redundancy")) == 1


def test_default_capacity_raises_no_warning(stack, warnings_of):
    cpu_endpoint(stack)
    assert warnings_of(stack) == []


def test_cpu_preset_on_a_gpu_type_is_a_warning(stack, warnings_of):
    gpu_mme(stack, scaling=ScalingPreset.cpu())
    assert len(warnings_of(stack, "ml.g5.xlarge has a GPU but the preset is the CPU one")) == 1


def test_grant_invoke_is_scoped_to_the_endpoint(stack, synth):
    mme = cpu_endpoint(stack)
    caller = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    mme.grant_invoke(caller)
    template = synth(stack)
    (logical_id,) = template.find_resources("AWS::SageMaker::Endpoint")
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sagemaker:InvokeEndpoint",
                        "Effect": "Allow",
                        "Resource": {"Fn::GetAtt": [logical_id, "EndpointArn"]},
                    }
                ]
            },
            "Roles": [{"Ref": Match.string_like_regexp("Caller")}],
        },
    )


def test_metric_helper_uses_the_variant_dimensions(stack, synth):
    mme = cpu_endpoint(stack)
    cloudwatch.Alarm(
        stack,
        "LoadWait",
        metric=mme.metric("ModelLoadingWaitTime", statistic="Maximum"),
        threshold=5_000_000,
        evaluation_periods=3,
    )
    template = synth(stack)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ModelLoadingWaitTime",
            "Namespace": "AWS/SageMaker",
            "Statistic": "Maximum",
            "Period": 60,
            "Dimensions": [
                {"Name": "EndpointName", "Value": endpoint_name_of(template)},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
        },
    )


def test_warnings_can_be_acknowledged(stack, warnings_of):
    mme = cpu_endpoint(stack, scaling=ScalingPreset.cpu(min_capacity=1, max_capacity=2))
    cdk.Annotations.of(mme).acknowledge_warning("mme-scaling:minCapacityOne", "development endpoint")
    assert warnings_of(stack) == []

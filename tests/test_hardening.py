"""Encryption, network isolation, VPC placement and retained variant properties."""

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match

from mme_scaling_constructs import CapacitySize, ConfigurationError, DeploymentConfig
from tests.conftest import GPU_IMAGE, cpu_endpoint


def statements_of(template, resource_type):
    return [
        statement
        for resource in template.find_resources(resource_type).values()
        for document in (
            [policy["PolicyDocument"] for policy in resource["Properties"].get("Policies", [])]
            + ([resource["Properties"]["PolicyDocument"]] if "PolicyDocument" in resource["Properties"] else [])
        )
        for statement in document["Statement"]
    ]


def test_the_model_bucket_key_decrypts_only_through_s3_in_the_region(stack, synth):
    key = kms.Key(stack, "ModelKey", enable_key_rotation=True)
    mme = cpu_endpoint(stack, model_data_key=key)
    template = synth(stack)
    (decrypt,) = [s for s in statements_of(template, "AWS::IAM::ManagedPolicy") if s["Action"] == "kms:Decrypt"]
    assert decrypt["Resource"] == {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}}
    }
    # The model waits for the policy, so SageMaker can read the archives when it creates the model.
    model_id = stack.get_logical_id(mme.model)
    depends_on = template.to_json()["Resources"][model_id].get("DependsOn", [])
    assert depends_on == [stack.get_logical_id(mme.execution_policy)]
    template.resource_count_is("AWS::IAM::Policy", 0)


def test_imported_keys_and_security_groups_are_accepted(stack, synth):
    """jsii returns imported resources as proxies of their interfaces: they are valid arguments."""
    key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key = kms.Key.from_key_arn(stack, "ImportedKey", key_arn)
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2)
    group = ec2.SecurityGroup.from_security_group_id(stack, "ImportedGroup", "sg-0123456789abcdef0")
    cpu_endpoint(stack, model_data_key=key, encryption_key=key, vpc=vpc, security_groups=[group])
    template = synth(stack)
    template.has_resource_properties("AWS::SageMaker::EndpointConfig", {"KmsKeyId": key_arn})
    (decrypt,) = [s for s in statements_of(template, "AWS::IAM::ManagedPolicy") if s["Action"] == "kms:Decrypt"]
    assert decrypt["Resource"] == key_arn


def test_the_storage_key_is_the_endpoint_configs(stack, synth, warnings_of):
    key = kms.Key(stack, "StorageKey", enable_key_rotation=True)
    cpu_endpoint(stack, encryption_key=key)
    synth(stack).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"KmsKeyId": {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}},
    )
    assert warnings_of(stack, "NVMe instance storage") == []


def test_a_storage_key_on_an_nvme_type_warns(stack, warnings_of):
    cpu_endpoint(
        stack,
        image_uri=GPU_IMAGE,
        instance_type="ml.g5.xlarge",
        encryption_key=kms.Key(stack, "Key", enable_key_rotation=True),
    )
    assert len(warnings_of(stack, "ml.g5.xlarge stores models on NVMe instance storage")) == 1


def test_network_isolation(stack, synth):
    cpu_endpoint(stack, network_isolation=True)
    synth(stack).has_resource_properties("AWS::SageMaker::Model", {"EnableNetworkIsolation": True})


def test_no_isolation_by_default(stack, synth):
    cpu_endpoint(stack)
    model = next(iter(synth(stack).find_resources("AWS::SageMaker::Model").values()))
    assert "EnableNetworkIsolation" not in model["Properties"]


def test_a_vpc_places_the_model_in_private_subnets_with_a_closed_security_group(stack, synth):
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    mme = cpu_endpoint(stack, vpc=vpc)
    template = synth(stack)
    private = [subnet.subnet_id for subnet in vpc.private_subnets]
    template.has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "VpcConfig": {
                "SecurityGroupIds": [{"Fn::GetAtt": [Match.string_like_regexp("MmeSecurityGroup"), "GroupId"]}],
                "Subnets": [stack.resolve(subnet) for subnet in private],
            }
        },
    )
    (group,) = template.find_resources("AWS::EC2::SecurityGroup").values()
    assert "SecurityGroupIngress" not in group["Properties"]
    assert mme.connections is not None
    assert len(mme.connections.security_groups) == 1
    actions = {
        action
        for statement in statements_of(template, "AWS::IAM::ManagedPolicy")
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert {
        "ec2:CreateNetworkInterface",
        "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterface",
        "ec2:DeleteNetworkInterfacePermission",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeVpcs",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    } <= actions


def test_creating_interfaces_is_scoped_to_the_subnets_and_groups(stack, synth):
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    group = ec2.SecurityGroup(stack, "Group", vpc=vpc)
    cpu_endpoint(
        stack,
        vpc=vpc,
        security_groups=[group],
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
    )
    template = synth(stack)
    (create,) = [
        s for s in statements_of(template, "AWS::IAM::ManagedPolicy") if s["Action"] == "ec2:CreateNetworkInterface"
    ]
    resources = [str(resource) for resource in create["Resource"]]
    assert len(resources) == 1 + 2 + 1  # interfaces, two subnets, one group
    assert all("*" not in resource or "network-interface/*" in resource for resource in resources)
    template.resource_count_is("AWS::EC2::SecurityGroup", 1)  # the given one only


def test_no_connections_without_a_vpc(stack):
    assert cpu_endpoint(stack).connections is None


def test_excluded_retained_variant_properties(stack, synth):
    cpu_endpoint(stack, exclude_retained_variant_properties=["DesiredWeight"])
    synth(stack).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "RetainAllVariantProperties": True,
            "ExcludeRetainedVariantProperties": [{"VariantPropertyType": "DesiredWeight"}],
        },
    )


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"exclude_retained_variant_properties": ["DataCaptureConfig"]},
            "exclude_retained_variant_properties: got ['DataCaptureConfig']; allowed: a list of distinct names "
            "from DesiredInstanceCount, DesiredWeight, or None",
        ),
        (
            {"exclude_retained_variant_properties": "DesiredWeight"},
            "exclude_retained_variant_properties: got "
            "'DesiredWeight'; allowed: a list of distinct names from DesiredInstanceCount, DesiredWeight, or None",
        ),
        ({"network_isolation": "yes"}, "network_isolation: got 'yes'; allowed: True or False"),
        ({"model_data_key": "alias/models"}, "model_data_key: got 'alias/models'; allowed: an aws_kms.IKey or None"),
        ({"vpc": "vpc-123"}, "vpc: got 'vpc-123'; allowed: an aws_ec2.IVpc or None"),
        (
            {"security_groups": []},
            "security_groups: got []; allowed: a non-empty list of aws_ec2.ISecurityGroup, or None",
        ),
    ],
)
def test_bad_hardening_options_are_named(stack, overrides, problem):
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, **overrides)
    assert any(str(p).startswith(problem) for p in raised.value.problems), raised.value
    assert stack.node.children == []


def test_subnets_without_a_vpc_are_refused(stack):
    selection = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, vpc_subnets=selection)
    assert [str(p).split("; allowed: ")[1] for p in raised.value.problems] == ["None when no vpc is given"]


def test_canary_deployment_with_rollback_alarms(stack, synth):
    alarm = cdk.aws_cloudwatch.Alarm(
        stack,
        "Errors",
        metric=cdk.aws_cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="Invocation5XXErrors"),
        threshold=1,
        evaluation_periods=1,
    )
    config = DeploymentConfig.canary(
        CapacitySize.percent(20),
        wait=cdk.Duration.minutes(10),
        timeout=cdk.Duration.hours(1),
        termination_wait=cdk.Duration.minutes(5),
        rollback_alarms=[alarm],
    )
    cpu_endpoint(stack, deployment_config=config)
    synth(stack).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "DeploymentConfig": {
                "AutoRollbackConfiguration": {
                    "Alarms": [{"AlarmName": {"Ref": stack.get_logical_id(alarm.node.default_child)}}]
                },
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 20},
                        "WaitIntervalInSeconds": 600,
                    },
                    "MaximumExecutionTimeoutInSeconds": 3600,
                    "TerminationWaitInSeconds": 300,
                },
            }
        },
    )


def test_rolling_deployment(stack, synth):
    config = DeploymentConfig.rolling(
        CapacitySize.percent(25), wait=cdk.Duration.minutes(5), rollback_batch=CapacitySize.instances(2)
    )
    cpu_endpoint(stack, deployment_config=config)
    synth(stack).has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "DeploymentConfig": {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                    "WaitIntervalInSeconds": 300,
                    "RollbackMaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
                }
            }
        },
    )


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (
            lambda d, c: d.canary(c.percent(60), wait=cdk.Duration.minutes(1)),
            "size: got 60; allowed: CapacitySize.percent(p) with p from 1 to 50",
        ),
        (
            lambda d, c: d.linear(c.percent(5), wait=cdk.Duration.minutes(1)),
            "size: got 5; allowed: CapacitySize.percent(p) with p from 10 to 50",
        ),
        (
            lambda d, c: d.rolling(c.percent(60), wait=cdk.Duration.minutes(1)),
            "size: got 60; allowed: CapacitySize.percent(p) with p from 5 to 50",
        ),
        (
            lambda d, c: d.all_at_once(wait=cdk.Duration.hours(2)),
            "wait: got '2 hours'; allowed: whole seconds from 0 to 3600",
        ),
        (
            lambda d, c: d.all_at_once(wait=cdk.Duration.minutes(1), timeout=cdk.Duration.minutes(5)),
            "timeout: got '5 minutes'; allowed: whole seconds from 600 to 28800",
        ),
        (
            lambda d, c: d.all_at_once(
                wait=cdk.Duration.minutes(50),
                timeout=cdk.Duration.minutes(30),
                termination_wait=cdk.Duration.minutes(20),
            ),
            "timeout: got '30 minutes'; allowed: longer than wait and termination_wait together",
        ),
        (
            lambda d, c: d.all_at_once(wait=cdk.Duration.minutes(1), rollback_alarms=["alarm"]),
            "rollback_alarms: got ('alarm',); allowed: at most 10 aws_cloudwatch.IAlarm (e.g. ScalingAlarms.alarms)",
        ),
    ],
)
def test_deployment_ranges_are_checked(build, problem):
    with pytest.raises(ConfigurationError) as raised:
        build(DeploymentConfig, CapacitySize)
    assert [str(p) for p in raised.value.problems] == [problem]


def test_a_wrong_deployment_config_is_refused(stack):
    with pytest.raises(
        ConfigurationError, match="deployment_config: got 'canary'; allowed: a DeploymentConfig or None"
    ):
        cpu_endpoint(stack, deployment_config="canary")


def test_deleting_the_stack_removes_scaling_before_the_endpoint(stack, synth):
    """CloudFormation deletes a resource after those that reference it: the target names the endpoint."""
    mme = cpu_endpoint(stack)
    target = next(iter(synth(stack).find_resources("AWS::ApplicationAutoScaling::ScalableTarget").values()))
    endpoint_id = stack.get_logical_id(mme.endpoint)
    assert {"Fn::GetAtt": [endpoint_id, "EndpointName"]} in target["Properties"]["ResourceId"]["Fn::Join"][1]


def test_a_vpc_endpoint_passes_cdk_nag_on_its_own_resources(tmp_path):
    """AwsSolutions reports nothing on the endpoint's resources; the VPC's own findings are the VPC's."""
    from tests.test_compliance import nag_findings

    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "InVpc")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    cpu_endpoint(stack, vpc=vpc, model_data_key=key, encryption_key=key, network_isolation=True)
    assert nag_findings(app, tmp_path) == {"AwsSolutions-VPC7"}  # flow logs: a property of the given VPC


# --- Roles CDK does not let a construct modify -------------------------------------------------


def test_an_immutable_role_gets_nothing_attached_and_a_warning(stack, synth, warnings_of):
    from aws_cdk import aws_iam as iam

    role = iam.Role.from_role_arn(stack, "Owned", "arn:aws:iam::123456789012:role/platform-owned", mutable=False)
    cpu_endpoint(stack, role=role)
    template = synth(stack)
    (policy,) = template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert "Roles" not in policy["Properties"]
    (warning,) = warnings_of(stack, "cannot be modified")
    assert warning.entry.data.startswith(
        "The given role cannot be modified (imported with mutable=False, without_policy_updates(), or of another "
        "account): the execution policy is attached to no role. The role must already grant: ReadModelArchives, "
        "ListModelArchives, PullServingImage, AuthenticateToEcr, WriteEndpointLogs, PutEndpointMetrics"
    )


def test_a_role_without_policy_updates_is_left_alone(stack, synth, warnings_of):
    from aws_cdk import aws_iam as iam

    own = iam.Role(stack, "Own", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    cpu_endpoint(stack, role=own.without_policy_updates())
    template = synth(stack)
    template.has_resource_properties("AWS::IAM::Role", {"ManagedPolicyArns": Match.absent()})
    assert len(warnings_of(stack, "cannot be modified")) == 1


def test_an_imported_mutable_role_gets_the_policy_by_name(stack, synth, warnings_of):
    from aws_cdk import aws_iam as iam

    role = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::123456789012:role/serving")
    cpu_endpoint(stack, role=role)
    synth(stack).has_resource_properties("AWS::IAM::ManagedPolicy", {"Roles": ["serving"]})
    assert warnings_of(stack, "cannot be modified") == []


@pytest.mark.parametrize("customized", ["app", "stack"])
@pytest.mark.parametrize("precreated", ["platform-serving-role", None])
def test_customized_roles_synthesize_no_iam_resource_and_report_the_permissions(tmp_path, customized, precreated):
    """Wherever ``customize_roles`` is applied, named or not, the permissions go to CDK's report."""
    from aws_cdk import aws_iam as iam

    app = cdk.App(outdir=str(tmp_path))
    roles = None if precreated is None else {"Customized/Mme/ExecutionRole": precreated}
    if customized == "app":
        iam.Role.customize_roles(app, use_precreated_roles=roles)
    stack = cdk.Stack(app, "Customized")
    if customized == "stack":
        iam.Role.customize_roles(stack, use_precreated_roles=roles)
    mme = cpu_endpoint(stack)
    resources = app.synth().get_stack_by_name("Customized").template["Resources"]
    assert not [r for r in resources.values() if r["Type"].startswith("AWS::IAM::")]
    assert mme.execution_policy is None
    report = (tmp_path / "iam-policy-report.txt").read_text()
    assert f"<{precreated or 'missing role'}> (Customized/Mme/ExecutionRole)" in report
    assert "ReadModelArchives" in report


def test_a_role_of_another_account_is_refused(synth):
    from aws_cdk import aws_iam as iam

    stack = cdk.Stack(cdk.App(), "Pinned", env=cdk.Environment(account="123456789012", region="us-east-1"))
    role = iam.Role.from_role_arn(stack, "Foreign", "arn:aws:iam::999999999999:role/serving")
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, role=role)
    assert [str(p) for p in raised.value.problems] == [
        "role: got 'arn:aws:iam::999999999999:role/serving'; allowed: a role of the stack's account 123456789012 "
        "(IAM passes a role only to a service of its own account)"
    ]
    assert "Mme" not in [child.node.id for child in stack.node.children]


# --- Keys --------------------------------------------------------------------------------------


def test_an_alias_of_the_app_decrypts_with_its_key(stack, synth):
    key = kms.Key(stack, "ModelKey", enable_key_rotation=True)
    alias = kms.Alias(stack, "ModelAlias", alias_name="alias/models", target_key=key)
    cpu_endpoint(stack, model_data_key=alias)
    template = synth(stack)
    (decrypt,) = [s for s in statements_of(template, "AWS::IAM::ManagedPolicy") if s["Action"] == "kms:Decrypt"]
    assert decrypt["Resource"] == {"Fn::GetAtt": [stack.get_logical_id(key.node.default_child), "Arn"]}


def test_an_alias_imported_by_name_is_refused(stack):
    alias = kms.Alias.from_alias_name(stack, "Imported", "alias/models")
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, model_data_key=alias)
    (problem,) = raised.value.problems
    assert str(problem).endswith(
        "allowed: a KMS key, or an alias of a key of this app: an IAM policy cannot grant kms:Decrypt through an "
        "alias (KMS ignores aliases in a policy's Resource)"
    )


# --- Subnets and security groups ---------------------------------------------------------------


def isolated_vpc(stack, azs=2):
    return ec2.Vpc(
        stack,
        "Isolated",
        max_azs=azs,
        subnet_configuration=[ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )


def test_an_isolated_only_vpc_places_the_model_in_its_isolated_subnets(stack, synth):
    vpc = isolated_vpc(stack)
    cpu_endpoint(stack, vpc=vpc)
    subnets = [{"Ref": stack.get_logical_id(s.node.default_child)} for s in vpc.isolated_subnets]
    synth(stack).has_resource_properties("AWS::SageMaker::Model", {"VpcConfig": {"Subnets": subnets}})


@pytest.mark.parametrize(
    ("selection", "problem"),
    [
        (
            ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            "a selection of subnets the VPC has (CDK: There are no 'Public' subnet groups in this VPC. "
            "Available types: Isolated,Deprecated_Isolated)",
        ),
        (
            ec2.SubnetSelection(subnet_group_name="nope"),
            "a selection of subnets the VPC has (CDK: There are no subnet groups with name 'nope' in this VPC. "
            "Available names: Private)",
        ),
        (
            ec2.SubnetSelection(availability_zones=["eu-west-3c"]),
            "1 to 16 subnets (SageMaker's VpcConfig.Subnets)",
        ),
    ],
    ids=["missing type", "unknown group", "no subnet"],
)
def test_a_selection_the_vpc_cannot_give_is_named(stack, selection, problem):
    vpc = isolated_vpc(stack)
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, vpc=vpc, vpc_subnets=selection)
    (found,) = raised.value.problems
    assert found.parameter == "vpc_subnets"
    assert found.allowed.startswith(problem)
    assert [child.node.id for child in stack.node.children] == ["Isolated"]


def test_a_vpc_with_only_public_subnets_is_refused(stack):
    vpc = ec2.Vpc(
        stack,
        "Public",
        max_azs=2,
        subnet_configuration=[ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, vpc=vpc)
    (found,) = raised.value.problems
    assert (found.parameter, found.allowed) == (
        "vpc",
        "a VPC with private subnets (with egress or isolated), or vpc_subnets",
    )


def test_seventeen_subnets_and_six_security_groups_are_refused(stack):
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Big",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a"],
        private_subnet_ids=[f"subnet-{n:017x}" for n in range(17)],
    )
    groups = [ec2.SecurityGroup.from_security_group_id(stack, f"G{n}", f"sg-{n:017x}") for n in range(6)]
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, vpc=vpc, security_groups=groups)
    assert [str(p) for p in raised.value.problems] == [
        "security_groups: got '6 security groups'; allowed: 1 to 5 security groups "
        "(SageMaker's VpcConfig.SecurityGroupIds)"
    ]
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, vpc=vpc, security_groups=groups[:5])
    assert [str(p) for p in raised.value.problems] == [
        "vpc_subnets: got '17 subnets'; allowed: 1 to 16 subnets (SageMaker's VpcConfig.Subnets)"
    ]


def test_subnets_in_one_zone_warn(stack, warnings_of):
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "OneZone",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["us-east-1a"],
        private_subnet_ids=["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    )
    cpu_endpoint(stack, vpc=vpc)
    (warning,) = warnings_of(stack, "Availability Zones")
    assert warning.entry.data == (
        "Every subnet of the endpoint is in us-east-1a: SageMaker asks for subnets in at least two Availability "
        "Zones, even for one instance (https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html). "
        "[ack: mme-scaling:singleAzSubnets]"
    )


def test_a_token_network_isolation_is_refused(stack):
    """A token string is always true in Python, and jsii takes no string token for a boolean."""
    isolation = cdk.CfnParameter(stack, "Isolation", type="String", allowed_values=["true", "false"])
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, network_isolation=isolation.value_as_string)
    assert [p.allowed for p in raised.value.problems] == ["True or False"]


@pytest.mark.parametrize("prefix", ["line\nbreak/", "del\x7f/", "\u4e2d\u6587/", "${aws:username}/"])
def test_prefixes_iam_cannot_name_are_refused(stack, prefix):
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, model_data_url=f"s3://model-bucket/{prefix}")
    assert [(p.parameter, p.allowed) for p in raised.value.problems] == [
        (
            "model_data_url",
            "a prefix an IAM policy can name: no control characters, no characters past U+00FF, no '${' "
            "(a policy variable)",
        )
    ]


def test_latin_1_prefixes_are_granted(stack, synth):
    cpu_endpoint(stack, model_data_url="s3://model-bucket/caf\u00e9/")
    statements = statements_of(synth(stack), "AWS::IAM::ManagedPolicy")
    (listing,) = [s for s in statements if s["Sid"] == "ListModelArchives"]
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["caf\u00e9/*"]}}


def test_the_nvme_warning_follows_the_sagemaker_model():
    """botocore's CreateEndpointConfig documents that KmsKeyId leaves local storage unencrypted (no
    refusal): the construct warns rather than refuses. Should the model say the call fails, refuse."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    documentation = model.operation_model("CreateEndpointConfig").input_shape.members["KmsKeyId"].documentation
    assert "the <code>KmsKeyId</code> parameter does not encrypt instance local storage" in documentation
    assert "fails" not in documentation

"""``MultiModelEndpoint``: a SageMaker multi-model endpoint with auto scaling."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from aws_cdk import Annotations, Aws, CfnResource, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from mme_scaling_constructs.constants import (
    DEFAULT_STATISTIC,
    DEFAULT_VARIANT_NAME,
    ENDPOINT_NAME_DIMENSION,
    INVOCATION_NAMESPACE,
    SAGEMAKER_SERVICE_PRINCIPAL,
    VARIANT_NAME_DIMENSION,
    WARNING_PREFIX,
)
from mme_scaling_constructs.deployment import DeploymentConfig
from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.execution_role import (
    ECR_IMAGE_RULE,
    S3_PREFIX_RULE,
    UNGRANTABLE_PREFIX_RULE,
    EcrImage,
    ModelLocation,
    add_execution_policy,
    is_grantable_prefix,
    is_s3_prefix,
    model_access_policy,
    statement,
)
from mme_scaling_constructs.instance_catalogue import InstanceSpec
from mme_scaling_constructs.network import MAX_SECURITY_GROUPS, network_interface_statements, select_subnets
from mme_scaling_constructs.observability.metrics import VariantMetrics, metric_period
from mme_scaling_constructs.presets import DEFAULT_MIN_CAPACITY, ScalingPreset
from mme_scaling_constructs.scaling import (
    EndpointScaling,
    claim_variant,
    environment_of,
    record_variant,
    remember_stack,
    resolve_instance_type,
    scaling_problems,
    stack_of,
)
from mme_scaling_constructs.validation import (
    MIN_CAPACITY_RULE,
    check_bool,
    check_instance_of,
    check_sagemaker_name,
    check_whole_number,
    has_interface,
    is_string_token,
    is_token,
)

#: Container environment variable names. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
ENVIRONMENT_KEY_PATTERN: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]{0,1023}")
ENVIRONMENT_MAX_ENTRIES: Final = 100


class MultiModelEndpoint(Construct, VariantMetrics):
    """A SageMaker multi-model endpoint (MME) over an S3 prefix, auto scaled.

    Synthesizes an ``AWS::SageMaker::Model`` in ``MultiModel`` mode, an
    ``AWS::SageMaker::EndpointConfig`` with one production variant, an
    ``AWS::SageMaker::Endpoint`` with ``RetainAllVariantProperties`` so that a config
    change keeps the instance count auto scaling set, and an :class:`EndpointScaling`.
    Physical names of the model and config are left to CloudFormation so that
    replacements never collide.

    Args:
        scope: the parent construct.
        construct_id: the construct id.
        image_uri: the serving container's Amazon ECR image URI.
        model_data_url: the S3 prefix holding the model archives, ending in ``/``.
        instance_type: the ``ml.*`` instance type of the variant.
        scaling: defaults to ``ScalingPreset.for_instance_type(instance_type)``.
        variant_name: defaults to ``"AllTraffic"``.
        endpoint_name: defaults to ``None``: CloudFormation generates the name.
        initial_instance_count: defaults to ``None``: the preset's ``min_capacity``.
        role: the execution role; defaults to ``None``: a role is created with only the
            permissions the endpoint needs. A given role also receives those permissions.
        environment: container environment variables; defaults to ``None`` (none).
        model_cache: whether SageMaker caches loaded models; defaults to ``True``. Turn it
            off for many rarely invoked models.
        auto_scaling: whether to scale the endpoint; defaults to ``True``. With ``False``,
            ``scaling`` is ``None`` and no scaling resource is created (add an
            :class:`EndpointScaling` later, or scale it elsewhere).
        vpc: the VPC to run the containers in; defaults to ``None``: SageMaker's own network.
        vpc_subnets: defaults to the VPC's private subnets with egress.
        security_groups: defaults to one security group created with no ingress rule.
        network_isolation: defaults to ``False``. With ``True`` the containers make no
            outbound network call (SageMaker still downloads the model archives).
        model_data_key: the customer-managed KMS key of the model bucket (SSE-KMS); defaults
            to ``None``. The role may decrypt with it only through S3 in the stack's region.
        encryption_key: KMS key of the endpoint's storage volumes (``KmsKeyId``); defaults
            to ``None`` (AWS-managed encryption). It does not encrypt NVMe instance storage,
            which AWS encrypts with a hardware key: a warning says so on such types.
        exclude_retained_variant_properties: variant properties a config change takes from
            the new config although ``RetainAllVariantProperties`` is on:
            ``"DesiredInstanceCount"``, ``"DesiredWeight"``; defaults to ``None`` (none).
        deployment_config: deployment guardrails for config updates, a
            :class:`DeploymentConfig`; defaults to ``None``: SageMaker's blue/green all at once.

    ``instance_type`` may also be an :class:`InstanceSpec` stating the vCPUs and GPUs of a
    type the catalogue does not know yet.

    Raises:
        ConfigurationError: before anything is created, listing every invalid argument.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        image_uri: str,
        model_data_url: str,
        instance_type: str | InstanceSpec,
        scaling: ScalingPreset | None = None,
        variant_name: str = DEFAULT_VARIANT_NAME,
        endpoint_name: str | None = None,
        initial_instance_count: int | None = None,
        role: iam.IRole | None = None,
        environment: Mapping[str, str] | None = None,
        model_cache: bool = True,
        auto_scaling: bool = True,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] | None = None,
        network_isolation: bool = False,
        model_data_key: kms.IKey | None = None,
        encryption_key: kms.IKey | None = None,
        exclude_retained_variant_properties: Sequence[str] | None = None,
        deployment_config: DeploymentConfig | None = None,
    ) -> None:
        _validate(
            scope=scope,
            image_uri=image_uri,
            model_data_url=model_data_url,
            instance_type=instance_type,
            scaling=scaling,
            variant_name=variant_name,
            endpoint_name=endpoint_name,
            initial_instance_count=initial_instance_count,
            role=role,
            environment=environment,
            model_cache=model_cache,
            auto_scaling=auto_scaling,
        )
        subnets = _validate_hardening(
            vpc=vpc,
            vpc_subnets=vpc_subnets,
            security_groups=security_groups,
            network_isolation=network_isolation,
            model_data_key=model_data_key,
            encryption_key=encryption_key,
            exclude_retained_variant_properties=exclude_retained_variant_properties,
            deployment_config=deployment_config,
        )
        stack = stack_of(scope)
        if role is not None:
            _check_role_account(role, environment_of(stack)[0])
        # A literal endpoint name is scaled by this construct too: no other construct may scale it.
        literal_key = (
            claim_variant(stack, endpoint_name, variant_name)
            if auto_scaling and endpoint_name is not None and not is_token(endpoint_name)
            else None
        )
        super().__init__(scope, construct_id)
        remember_stack(self, stack)
        instance = resolve_instance_type(instance_type)
        instance_name = instance_type.instance_type if isinstance(instance_type, InstanceSpec) else instance_type
        preset = _default_preset(instance, instance_type, scaling) if auto_scaling else None
        initial_count = initial_instance_count
        if initial_count is None:
            initial_count = DEFAULT_MIN_CAPACITY if preset is None else preset.min_capacity
        self._warn_about_tokens(image_uri=image_uri, model_data_url=model_data_url)
        self._warn_about_region(image_uri, environment_of(stack)[1])

        statements = model_access_policy(image_uri=image_uri, model_data_url=model_data_url)
        vpc_config = None
        #: The endpoint's network connections (its security groups), or ``None`` without a VPC.
        self.connections: ec2.Connections | None = None
        if vpc is not None:
            groups = list(security_groups) if security_groups is not None else [self._security_group(vpc)]
            statements += network_interface_statements(stack, subnets, groups)
            self._warn_about_zones(subnets)
            vpc_config = sagemaker.CfnModel.VpcConfigProperty(
                security_group_ids=[group.security_group_id for group in groups],
                subnets=[subnet.subnet_id for subnet in subnets],
            )
            self.connections = ec2.Connections(security_groups=groups)
        if model_data_key is not None:
            statements.append(_decrypt_statement(model_data_key))
        role_is_given = role is not None
        if role is None:
            role = iam.Role(
                self,
                "ExecutionRole",
                assumed_by=_sagemaker_principal(),
                description="Serves the models of a SageMaker multi-model endpoint",
            )
        #: The execution role SageMaker assumes.
        self.role: iam.IRole = role
        policy = add_execution_policy(
            self,
            stack=stack,
            role=role,
            role_is_given=role_is_given,
            statements=statements,
            model_data_url=model_data_url,
            in_vpc=vpc is not None,
        )
        #: The customer-managed ``AWS::IAM::ManagedPolicy`` with the endpoint's permissions,
        #: attached to the role (escape hatch); ``None`` under ``iam.Role.customize_roles``,
        #: which reports the statements instead.
        self.execution_policy: iam.CfnManagedPolicy | None = policy.resource

        #: The ``AWS::SageMaker::Model`` (escape hatch).
        self.model = sagemaker.CfnModel(
            self,
            "Model",
            execution_role_arn=role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=image_uri,
                mode="MultiModel",
                model_data_url=model_data_url,
                environment=dict(environment) if environment is not None else None,
                multi_model_config=sagemaker.CfnModel.MultiModelConfigProperty(
                    model_cache_setting="Enabled" if model_cache else "Disabled"
                ),
            ),
            vpc_config=vpc_config,
            enable_network_isolation=True if network_isolation else None,
        )
        # SageMaker checks the role's permissions when it creates the model: wait for the policy.
        # (One jsii call on the resource where ``node.add_dependency`` makes two.)
        if isinstance(policy.dependable, CfnResource):
            self.model.add_resource_dependency(policy.dependable)
        else:
            self.model.node.add_dependency(policy.dependable)

        #: The variant's name.
        self.variant_name = variant_name
        #: The ``AWS::SageMaker::EndpointConfig`` (escape hatch).
        self.endpoint_config = sagemaker.CfnEndpointConfig(
            self,
            "EndpointConfig",
            production_variants=[
                sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                    variant_name=variant_name,
                    model_name=self.model.attr_model_name,
                    instance_type=instance_name,
                    initial_instance_count=initial_count,
                    initial_variant_weight=1.0,
                )
            ],
            kms_key_id=None if encryption_key is None else encryption_key.key_arn,
        )
        if encryption_key is not None and instance is not None and instance.local_nvme:
            Annotations.of(self).add_warning_v2(
                f"{WARNING_PREFIX}:kmsKeyOnNvmeInstance",
                f"{instance.instance_type} stores models on NVMe instance storage, which encryption_key does not "
                "encrypt (AWS encrypts it with a hardware key); the key covers the endpoint's other storage.",
            )
        #: The ``AWS::SageMaker::Endpoint`` (escape hatch).
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            endpoint_name=endpoint_name,
            retain_all_variant_properties=True,
            deployment_config=None if deployment_config is None else deployment_config.to_cfn(),
            exclude_retained_variant_properties=None
            if exclude_retained_variant_properties is None
            else [
                sagemaker.CfnEndpoint.VariantPropertyProperty(variant_property_type=name)
                for name in exclude_retained_variant_properties
            ],
        )
        #: The endpoint's name (a token resolving to the ``EndpointName`` attribute).
        self.endpoint_name: str = self.endpoint.attr_endpoint_name
        #: The auto scaling of the variant, or ``None`` when ``auto_scaling`` is ``False``.
        self.scaling: EndpointScaling | None = (
            EndpointScaling(
                self,
                "Scaling",
                endpoint_name=self.endpoint_name,
                instance_type=instance_type,
                preset=preset,
                variant_name=variant_name,
            )
            if preset is not None
            else None
        )
        if literal_key is not None and self.scaling is not None:
            record_variant(stack, literal_key, self.scaling)

    @property
    def endpoint_arn(self) -> str:
        """The endpoint's ARN (a token resolving to the ``EndpointArn`` attribute)."""
        return self.endpoint.attr_endpoint_arn

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` invoke the endpoint (``sagemaker:InvokeEndpoint`` on its ARN only).

        Args:
            grantee: e.g. the Lambda function or role that calls the endpoint.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["sagemaker:InvokeEndpoint"], resource_arns=[self.endpoint_arn]
        )

    def metric(
        self,
        metric_name: str,
        *,
        namespace: str = INVOCATION_NAMESPACE,
        statistic: str = DEFAULT_STATISTIC,
        period: Duration | None = None,
    ) -> cloudwatch.Metric:
        """A CloudWatch metric of the variant, for alarms and dashboards.

        Dimensions are ``EndpointName`` and ``VariantName``; MMEs publish no per-model metrics.

        Args:
            metric_name: e.g. ``"ModelLatency"``, ``"Invocation5XXErrors"``, ``"ModelLoadingWaitTime"``,
                ``"ModelCacheHit"``, or an instance metric such as ``"CPUUtilization"``.
            namespace: defaults to ``AWS/SageMaker`` (invocation and model-loading metrics); use
                ``/aws/sagemaker/Endpoints`` for instance metrics.
            statistic: defaults to ``"Average"``.
            period: defaults to one minute, the granularity of MME metrics.
        """
        return cloudwatch.Metric(
            namespace=namespace,
            metric_name=metric_name,
            dimensions_map={ENDPOINT_NAME_DIMENSION: self.endpoint_name, VARIANT_NAME_DIMENSION: self.variant_name},
            statistic=statistic,
            period=metric_period() if period is None else period,
        )

    def _warn_about_tokens(self, *, image_uri: str, model_data_url: str) -> None:
        if is_token(image_uri):
            Annotations.of(self).add_warning_v2(
                f"{WARNING_PREFIX}:imageUriToken",
                "image_uri is a token: image pulls are allowed from every ECR repository of this stack's "
                "account and region. Pass a literal URI to scope them to one repository.",
            )
        if is_token(model_data_url) and ModelLocation.parse(model_data_url) is None:
            Annotations.of(self).add_warning_v2(
                f"{WARNING_PREFIX}:modelDataUrlToken",
                "model_data_url is a token: listing is allowed on the whole bucket. Pass "
                "s3://<bucket>/<literal prefix>/ (the bucket may be a token) to scope it to the prefix.",
            )

    def _warn_about_zones(self, subnets: list[ec2.ISubnet]) -> None:
        zones = {subnet.availability_zone for subnet in subnets}
        if len(zones) == 1 and not any(is_token(zone) for zone in zones):
            Annotations.of(self).add_warning_v2(
                f"{WARNING_PREFIX}:singleAzSubnets",
                f"Every subnet of the endpoint is in {zones.pop()}: SageMaker asks for subnets in at least two "
                "Availability Zones, even for one instance (https://docs.aws.amazon.com/sagemaker/latest/dg/"
                "host-vpc.html).",
            )

    def _security_group(self, vpc: ec2.IVpc) -> ec2.SecurityGroup:
        return ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Multi-model endpoint instances: no inbound traffic; outbound to S3, ECR and your services",
            allow_all_outbound=True,
        )

    def _warn_about_region(self, image_uri: str, region: str | None) -> None:
        image = None if is_token(image_uri) else EcrImage.parse(image_uri)
        if image is not None and region is not None and image.region != region:
            Annotations.of(self).add_warning_v2(
                f"{WARNING_PREFIX}:imageRegion",
                f"image_uri is in {image.region} but the stack deploys to {region}: SageMaker pulls the serving "
                "image from the endpoint's own region. Use the image's copy in that region.",
            )


def _validate(
    *,
    scope: Any,
    image_uri: Any,
    model_data_url: Any,
    instance_type: Any,
    scaling: Any,
    variant_name: Any,
    endpoint_name: Any,
    initial_instance_count: Any,
    role: Any,
    environment: Any,
    model_cache: Any,
    auto_scaling: Any,
) -> None:
    problems = Problems("MultiModelEndpoint")
    check_instance_of(problems, "scope", scope, Construct, "a construct (e.g. a Stack)")
    if not is_string_token(image_uri) and not (isinstance(image_uri, str) and EcrImage.parse(image_uri)):
        problems.add("image_uri", image_uri, ECR_IMAGE_RULE)
    if not is_string_token(model_data_url) and not (isinstance(model_data_url, str) and is_s3_prefix(model_data_url)):
        problems.add("model_data_url", model_data_url, S3_PREFIX_RULE)
    elif isinstance(model_data_url, str):
        location = ModelLocation.parse(model_data_url)
        if location is not None and not is_grantable_prefix(location.prefix):
            problems.add("model_data_url", model_data_url, UNGRANTABLE_PREFIX_RULE)
    check_sagemaker_name(problems, "endpoint_name", endpoint_name)
    if role is not None and not has_interface(role, "role_arn", "add_to_principal_policy"):
        problems.add("role", role, "an aws_iam.IRole or None")
    if environment is not None:
        _check_environment(problems, environment)
    check_bool(problems, "model_cache", model_cache)
    scaled = check_bool(problems, "auto_scaling", auto_scaling) and auto_scaling is not False
    if not scaled and scaling is not None:
        problems.add("scaling", scaling, "None when auto_scaling is False")
    scaling_found = scaling_problems(
        instance_type=instance_type,
        preset=scaling,
        variant_name=variant_name,
        preset_parameter="scaling",
        scaled=scaled,
    )
    problems.extend(scaling_found)
    if initial_instance_count is not None:
        preset = None
        if scaled and not scaling_found:
            preset = _default_preset(resolve_instance_type(instance_type), instance_type, scaling)
        _check_initial_count(problems, initial_instance_count, preset)
    problems.raise_if_any()


#: Variant properties ``ExcludeRetainedVariantProperties`` takes from a new config (CloudFormation
#: also lists ``DataCaptureConfig``, documented as not supported yet).
EXCLUDABLE_VARIANT_PROPERTIES: Final = ("DesiredInstanceCount", "DesiredWeight")


def _validate_hardening(
    *,
    vpc: Any,
    vpc_subnets: Any,
    security_groups: Any,
    network_isolation: Any,
    model_data_key: Any,
    encryption_key: Any,
    exclude_retained_variant_properties: Any,
    deployment_config: Any,
) -> list[ec2.ISubnet]:
    """Record every invalid hardening argument; return the subnets selected (none without a VPC)."""
    problems = Problems("MultiModelEndpoint")
    if deployment_config is not None:
        check_instance_of(
            problems, "deployment_config", deployment_config, DeploymentConfig, "a DeploymentConfig or None"
        )
    if vpc is not None and not has_interface(vpc, "vpc_id", "select_subnets"):
        problems.add("vpc", vpc, "an aws_ec2.IVpc or None")
    if vpc_subnets is not None and not isinstance(vpc_subnets, ec2.SubnetSelection):
        problems.add("vpc_subnets", vpc_subnets, "an aws_ec2.SubnetSelection or None")
    if security_groups is not None and not (
        isinstance(security_groups, (list, tuple))
        and security_groups
        and all(has_interface(group, "security_group_id") for group in security_groups)
    ):
        problems.add("security_groups", security_groups, "a non-empty list of aws_ec2.ISecurityGroup, or None")
    elif security_groups is not None and len(security_groups) > MAX_SECURITY_GROUPS:
        problems.add(
            "security_groups",
            f"{len(security_groups)} security groups",
            f"1 to {MAX_SECURITY_GROUPS} security groups (SageMaker's VpcConfig.SecurityGroupIds)",
        )
    if vpc is None:
        for name, value in (("vpc_subnets", vpc_subnets), ("security_groups", security_groups)):
            if value is not None:
                problems.add(name, value, "None when no vpc is given")
    check_bool(problems, "network_isolation", network_isolation)
    for name, key in (("model_data_key", model_data_key), ("encryption_key", encryption_key)):
        if key is not None and not has_interface(key, "key_arn", "grant"):
            problems.add(name, key, "an aws_kms.IKey or None")
    if model_data_key is not None and has_interface(model_data_key, "alias_name"):
        try:
            _ = model_data_key.alias_target_key
        except RuntimeError:  # an alias imported by name: its key is unknown
            problems.add(
                "model_data_key",
                model_data_key,
                "a KMS key, or an alias of a key of this app: an IAM policy cannot grant kms:Decrypt through an "
                "alias (KMS ignores aliases in a policy's Resource)",
            )
    excluded = exclude_retained_variant_properties
    if excluded is not None and not (
        isinstance(excluded, (list, tuple))
        and all(name in EXCLUDABLE_VARIANT_PROPERTIES for name in excluded)
        and len(set(excluded)) == len(excluded)
    ):
        problems.add(
            "exclude_retained_variant_properties",
            excluded,
            f"a list of distinct names from {', '.join(EXCLUDABLE_VARIANT_PROPERTIES)}, or None",
        )
    subnets = select_subnets(problems, vpc, vpc_subnets) if vpc is not None and not problems.found else []
    problems.raise_if_any()
    return subnets


@functools.cache
def _sagemaker_principal() -> iam.ServicePrincipal:
    """``sagemaker.amazonaws.com``: one principal object serves every role (it belongs to no scope)."""
    return iam.ServicePrincipal(SAGEMAKER_SERVICE_PRINCIPAL)


def _decrypt_statement(key: kms.IKey) -> dict[str, Any]:
    """``kms:Decrypt`` on ``key`` (an alias's target key), only through S3 in the stack's region."""
    target = key.alias_target_key if has_interface(key, "alias_name") else key  # type: ignore[attr-defined]
    return statement(
        "DecryptModelArchives",
        ["kms:Decrypt"],
        target.key_arn,
        condition={"StringEquals": {"kms:ViaService": f"s3.{Aws.REGION}.amazonaws.com"}},
    )


def _default_preset(instance: InstanceSpec | None, instance_type: Any, scaling: ScalingPreset | None) -> ScalingPreset:
    """The preset in force: the given one, else the instance type's default."""
    if scaling is not None:
        return scaling
    return ScalingPreset.for_instance_type(instance if instance is not None else instance_type)


#: The account in a role ARN.
ROLE_ARN_ACCOUNT: Final = re.compile(r"arn:[a-z-]+:iam::(?P<account>\d{12}):role/.+")


def _check_role_account(role: iam.IRole, stack_account: str | None) -> None:
    """Refuse a role of another account than the stack's: SageMaker can be passed only its own account's roles."""
    arn = role.role_arn
    match = None if is_token(arn) else ROLE_ARN_ACCOUNT.fullmatch(arn)
    if match is None or stack_account is None or match["account"] == stack_account:
        return
    problems = Problems("MultiModelEndpoint")
    problems.add(
        "role",
        arn,
        f"a role of the stack's account {stack_account} (IAM passes a role only to a service of its own account)",
    )
    problems.raise_if_any()


def _check_initial_count(problems: Problems, count: Any, scaling: ScalingPreset | None) -> None:
    if not check_whole_number(problems, "initial_instance_count", count, MIN_CAPACITY_RULE):
        return
    if scaling is None:
        return
    low, high = scaling.min_capacity, scaling.max_capacity
    if is_token(low) or is_token(high):
        return
    if not low <= count <= high:
        problems.add(
            "initial_instance_count",
            count,
            f"a whole number from min_capacity ({low}) to max_capacity ({high})",
        )


def _check_environment(problems: Problems, environment: Any) -> None:
    if is_token(environment) or not isinstance(environment, Mapping):
        problems.add(
            "environment",
            environment,
            "a mapping of literal variable names to strings (CloudFormation map keys cannot be tokens), or None",
        )
        return
    if len(environment) > ENVIRONMENT_MAX_ENTRIES:
        problems.add("environment", f"{len(environment)} entries", f"at most {ENVIRONMENT_MAX_ENTRIES} entries")
    for key, value in environment.items():
        if is_token(key):
            problems.add(
                "environment",
                key,
                "literal variable names: CloudFormation map keys cannot be tokens (a token value is fine)",
            )
        elif not (isinstance(key, str) and ENVIRONMENT_KEY_PATTERN.fullmatch(key)):
            problems.add(
                f"environment[{key!r}]",
                key,
                "a variable name of letters, digits and underscores, not starting with a digit",
            )
        if not is_token(value) and not (isinstance(value, str) and len(value) <= 1024):
            problems.add(f"environment[{key!r}]", value, "a string of at most 1024 characters")

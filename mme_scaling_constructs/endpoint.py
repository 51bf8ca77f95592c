"""``MultiModelEndpoint``: a SageMaker multi-model endpoint with auto scaling."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from aws_cdk import Annotations, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
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
from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.execution_role import (
    ECR_IMAGE_RULE,
    S3_PREFIX_RULE,
    EcrImage,
    acknowledge_required_wildcards,
    is_s3_prefix,
    model_access_statements,
)
from mme_scaling_constructs.presets import ScalingPreset
from mme_scaling_constructs.scaling import EndpointScaling, scaling_problems
from mme_scaling_constructs.validation import MIN_CAPACITY_RULE, check_sagemaker_name, check_whole_number, is_token

#: Container environment variable names. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
ENVIRONMENT_KEY_PATTERN: Final = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]{0,1023}$")
ENVIRONMENT_MAX_ENTRIES: Final = 100
#: MME metrics are published at one-minute granularity.
METRIC_PERIOD: Final = Duration.minutes(1)


class MultiModelEndpoint(Construct):
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
        instance_type: str,
        scaling: ScalingPreset | None = None,
        variant_name: str = DEFAULT_VARIANT_NAME,
        endpoint_name: str | None = None,
        initial_instance_count: int | None = None,
        role: iam.IRole | None = None,
        environment: Mapping[str, str] | None = None,
        model_cache: bool = True,
    ) -> None:
        _validate(
            image_uri=image_uri,
            model_data_url=model_data_url,
            instance_type=instance_type,
            scaling=scaling,
            variant_name=variant_name,
            endpoint_name=endpoint_name,
            initial_instance_count=initial_instance_count,
            environment=environment,
        )
        super().__init__(scope, construct_id)
        preset = ScalingPreset.for_instance_type(instance_type) if scaling is None else scaling
        self._warn_about_tokens(image_uri=image_uri, model_data_url=model_data_url)

        statements = model_access_statements(image_uri=image_uri, model_data_url=model_data_url)
        role_is_given = role is not None
        if role is None:
            role = iam.Role(
                self,
                "ExecutionRole",
                assumed_by=iam.ServicePrincipal(SAGEMAKER_SERVICE_PRINCIPAL),
                description="Serves the models of a SageMaker multi-model endpoint",
                inline_policies={"ServeModels": iam.PolicyDocument(statements=statements)},
            )
            acknowledge_required_wildcards(role, model_data_url=model_data_url)
        else:
            for statement in statements:
                role.add_to_principal_policy(statement)
        #: The execution role SageMaker assumes.
        self.role: iam.IRole = role

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
        )
        if role_is_given:
            # A given role's grants live in a separate policy resource: wait for it.
            self.model.node.add_dependency(role)

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
                    instance_type=instance_type,
                    initial_instance_count=(
                        preset.min_capacity if initial_instance_count is None else initial_instance_count
                    ),
                    initial_variant_weight=1.0,
                )
            ],
        )
        #: The ``AWS::SageMaker::Endpoint`` (escape hatch).
        self.endpoint = sagemaker.CfnEndpoint(
            self,
            "Endpoint",
            endpoint_config_name=self.endpoint_config.attr_endpoint_config_name,
            endpoint_name=endpoint_name,
            retain_all_variant_properties=True,
        )
        #: The endpoint's name (a token resolving to the ``EndpointName`` attribute).
        self.endpoint_name: str = self.endpoint.attr_endpoint_name
        #: The endpoint's ARN.
        self.endpoint_arn: str = self.endpoint.attr_endpoint_arn
        #: The auto scaling of the variant.
        self.scaling = EndpointScaling(
            self,
            "Scaling",
            endpoint_name=self.endpoint_name,
            instance_type=instance_type,
            preset=preset,
            variant_name=variant_name,
        )

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
        period: Duration = METRIC_PERIOD,
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
            period=period,
        )

    def _warn_about_tokens(self, *, image_uri: str, model_data_url: str) -> None:
        annotations = Annotations.of(self)
        if is_token(image_uri):
            annotations.add_warning_v2(
                f"{WARNING_PREFIX}:imageUriToken",
                "image_uri is a token: image pulls are allowed from every ECR repository of this stack's "
                "account and region. Pass a literal URI to scope them to one repository.",
            )
        if is_token(model_data_url):
            annotations.add_warning_v2(
                f"{WARNING_PREFIX}:modelDataUrlToken",
                "model_data_url is a token: listing is allowed on the whole bucket. Pass a literal "
                "s3://bucket/prefix/ to scope it to the prefix.",
            )


def _validate(
    *,
    image_uri: Any,
    model_data_url: Any,
    instance_type: Any,
    scaling: ScalingPreset | None,
    variant_name: Any,
    endpoint_name: Any,
    initial_instance_count: Any,
    environment: Mapping[str, str] | None,
) -> None:
    problems = Problems("MultiModelEndpoint")
    if not is_token(image_uri) and not (isinstance(image_uri, str) and EcrImage.parse(image_uri)):
        problems.add("image_uri", image_uri, ECR_IMAGE_RULE)
    if not is_token(model_data_url) and not (isinstance(model_data_url, str) and is_s3_prefix(model_data_url)):
        problems.add("model_data_url", model_data_url, S3_PREFIX_RULE)
    check_sagemaker_name(problems, "endpoint_name", endpoint_name)
    if initial_instance_count is not None:
        if scaling is None and not is_token(instance_type):
            scaling = ScalingPreset.for_instance_type(instance_type)
        _check_initial_count(problems, initial_instance_count, scaling)
    if environment is not None:
        _check_environment(problems, environment)
    problems.extend(
        scaling_problems(
            instance_type=instance_type, preset=scaling, variant_name=variant_name, preset_parameter="scaling"
        )
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


def _check_environment(problems: Problems, environment: Mapping[str, str]) -> None:
    if is_token(environment):
        return
    if len(environment) > ENVIRONMENT_MAX_ENTRIES:
        problems.add("environment", f"{len(environment)} entries", f"at most {ENVIRONMENT_MAX_ENTRIES} entries")
    for key, value in environment.items():
        if not is_token(key) and not (isinstance(key, str) and ENVIRONMENT_KEY_PATTERN.match(key)):
            problems.add(
                f"environment[{key!r}]",
                key,
                "a variable name of letters, digits and underscores, not starting with a digit",
            )
        if not is_token(value) and not (isinstance(value, str) and len(value) <= 1024):
            problems.add(f"environment[{key!r}]", value, "a string of at most 1024 characters")

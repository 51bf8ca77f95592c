"""The least-privilege permissions a multi-model endpoint's execution role needs.

SageMaker assumes the role to pull the serving image, read model archives under the S3
prefix, and write the endpoint's logs and metrics; nothing else is granted.
https://docs.aws.amazon.com/sagemaker/latest/dg/sagemaker-roles.html#sagemaker-roles-createmodel-perms
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Annotations, Aws, Fn, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from mme_scaling_constructs.constants import ENDPOINT_INSTANCE_NAMESPACE, WARNING_PREFIX
from mme_scaling_constructs.validation import is_token

#: ``<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag|@digest]``.
ECR_IMAGE_PATTERN: Final = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>[a-z0-9]+(?:[._/-][a-z0-9]+)*)(?::[\w][\w.-]{0,127}|@sha256:[0-9a-f]{64})?"
)
ECR_IMAGE_RULE: Final = "an Amazon ECR image URI: <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]"

#: ``s3://<bucket>/<prefix>/``, the prefix possibly empty; always ending in ``/``.
S3_PREFIX_PATTERN: Final = re.compile(r"s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<prefix>(?:[^/]+/)*)")
S3_PREFIX_RULE: Final = "an S3 prefix of the form s3://<bucket>/<prefix>/, ending in '/', at most 1024 characters"
MODEL_DATA_URL_MAX_LENGTH: Final = 1024

_ECR_PULL_ACTIONS: Final = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
_LOG_ACTIONS: Final = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]


@dataclass(frozen=True, kw_only=True)
class EcrImage:
    """An image in an Amazon ECR repository.

    Args:
        account: the repository's account id (AWS-owned for Deep Learning Containers).
        region: the repository's region.
        repository: the repository name.
    """

    account: str
    region: str
    repository: str

    @classmethod
    def parse(cls, image_uri: str) -> EcrImage | None:
        """The image named by ``image_uri``, or ``None`` if it is not an ECR image URI."""
        match = ECR_IMAGE_PATTERN.fullmatch(image_uri)
        if match is None:
            return None
        return cls(account=match["account"], region=match["region"], repository=match["repository"])

    @property
    def repository_arn(self) -> str:
        """The repository ARN, in the stack's partition."""
        return f"arn:{_pseudo().partition}:ecr:{self.region}:{self.account}:repository/{self.repository}"


#: ``s3://<token>/<prefix>/``: a bucket from the app (``bucket.bucket_name``) under a literal prefix.
TOKEN_BUCKET_PREFIX_PATTERN: Final = re.compile(r"s3://(?P<bucket>\$\{Token\[[^\]]+\]\})/(?P<prefix>(?:[^/]+/)*)")


@dataclass(frozen=True, kw_only=True)
class ModelLocation:
    """The bucket and prefix of a ``model_data_url`` whose prefix is literal.

    Args:
        bucket: the bucket name, a literal or a string token (a bucket of the app).
        prefix: the key prefix, ending in ``/`` (or empty).
    """

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, model_data_url: str) -> ModelLocation | None:
        """The location, or ``None`` if the URL is not ``s3://bucket/prefix/`` with a literal prefix."""
        if len(model_data_url) > MODEL_DATA_URL_MAX_LENGTH:
            return None
        match = S3_PREFIX_PATTERN.fullmatch(model_data_url) or TOKEN_BUCKET_PREFIX_PATTERN.fullmatch(model_data_url)
        if match is None or is_token(match["prefix"]):
            return None
        return cls(bucket=match["bucket"], prefix=match["prefix"])

    @property
    def policy_prefix(self) -> str:
        """The prefix as IAM resources and conditions carry it.

        A prefix with an unmatched bracket (legal in S3 keys), or with ``::`` outside its
        brackets, has each bracket written as the single-character wildcard ``?``: CDK's
        validation framework, which cdk-nag reports through, cannot parse such a finding id.
        """
        if _is_valid_validation_id(f"[{self.prefix}*]"):
            return self.prefix
        return re.sub(r"[][(){}]", "?", self.prefix)


#: Characters an IAM policy cannot carry in a prefix: control characters, anything past U+00FF
#: (IAM's policy grammar), and ``${``, which IAM reads as a policy variable.
UNGRANTABLE_PREFIX: Final = re.compile(r"[\x00-\x1f\x7f\u0100-\U0010ffff]|\$\{")
UNGRANTABLE_PREFIX_RULE: Final = (
    "a prefix an IAM policy can name: no control characters, no characters past U+00FF, no '${' (a policy variable)"
)


def is_grantable_prefix(prefix: str) -> bool:
    """Whether an IAM policy can grant ``prefix`` as written (``*`` and ``?`` stay wildcards)."""
    return UNGRANTABLE_PREFIX.search(prefix) is None


def is_s3_prefix(model_data_url: str) -> bool:
    """Whether ``model_data_url`` is an ``s3://bucket/prefix/`` URL ending in ``/``."""
    return len(model_data_url) <= MODEL_DATA_URL_MAX_LENGTH and bool(S3_PREFIX_PATTERN.fullmatch(model_data_url))


def model_access_statements(*, image_uri: str, model_data_url: str) -> list[iam.PolicyStatement]:
    """Statements that let SageMaker serve the models under ``model_data_url`` with ``image_uri``.

    Literal arguments give statements scoped to the repository, the prefix's objects and a
    ``s3:prefix``-conditioned listing. A token image is scoped to the stack's account and
    region; a token prefix is scoped with ``Fn::Split`` to its objects and its bucket.
    """
    return [
        iam.PolicyStatement.from_json(statement)
        for statement in model_access_policy(image_uri=image_uri, model_data_url=model_data_url)
    ]


def model_access_policy(*, image_uri: str, model_data_url: str) -> list[dict[str, Any]]:
    """:func:`model_access_statements` as IAM policy JSON, built in Python (no jsii call)."""
    pseudo = _pseudo()
    return [
        *_s3_statements(model_data_url),
        *_ecr_statements(image_uri),
        statement(
            "WriteEndpointLogs",
            _LOG_ACTIONS,
            f"arn:{pseudo.partition}:logs:{pseudo.region}:{pseudo.account}:log-group:{ENDPOINT_INSTANCE_NAMESPACE}/*",
        ),
        statement(
            "PutEndpointMetrics",
            ["cloudwatch:PutMetricData"],
            "*",
            condition={"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}},
        ),
    ]


def statement(
    sid: str, actions: list[str], resources: str | list[str], *, condition: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An ``Allow`` statement as IAM policy JSON."""
    action: str | list[str] = actions[0] if len(actions) == 1 else actions
    document: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": action, "Resource": resources}
    if condition is not None:
        document["Condition"] = condition
    return document


def _s3_statements(model_data_url: str) -> list[dict[str, Any]]:
    partition = _pseudo().partition
    location = ModelLocation.parse(model_data_url)
    if location is None:
        bucket_and_prefix = Fn.select(1, Fn.split("s3://", model_data_url))
        bucket = Fn.select(0, Fn.split("/", bucket_and_prefix))
        return [
            statement(
                "ReadModelArchives", ["s3:GetObject"], Fn.join("", [f"arn:{partition}:s3:::", bucket_and_prefix, "*"])
            ),
            statement("ListModelArchives", ["s3:ListBucket"], Fn.join("", [f"arn:{partition}:s3:::", bucket])),
        ]
    bucket, prefix = location.bucket, location.policy_prefix
    return [
        statement("ReadModelArchives", ["s3:GetObject"], f"arn:{partition}:s3:::{bucket}/{prefix}*"),
        statement(
            "ListModelArchives",
            ["s3:ListBucket"],
            f"arn:{partition}:s3:::{bucket}",
            condition={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        ),
    ]


@dataclass(frozen=True)
class _Pseudo:
    partition: str
    region: str
    account: str


@functools.cache
def _pseudo() -> _Pseudo:
    """CDK's pseudo-parameter tokens, read from jsii once per process (they never change)."""
    return _Pseudo(partition=Aws.PARTITION, region=Aws.REGION, account=Aws.ACCOUNT_ID)


def _ecr_statements(image_uri: str) -> list[dict[str, Any]]:
    if is_token(image_uri):
        repository_arn = f"arn:{_pseudo().partition}:ecr:{_pseudo().region}:{_pseudo().account}:repository/*"
    else:
        image = EcrImage.parse(image_uri)
        assert image is not None, "validated by the construct"
        repository_arn = image.repository_arn
    return [
        statement("PullServingImage", _ECR_PULL_ACTIONS, repository_arn),
        # GetAuthorizationToken supports no resource-level permissions.
        statement("AuthenticateToEcr", ["ecr:GetAuthorizationToken"], "*"),
    ]


EXECUTION_POLICY_DESCRIPTION: Final = "Lets SageMaker serve the models of a multi-model endpoint"


@dataclass(frozen=True, kw_only=True)
class ExecutionPolicy:
    """The customer-managed policy holding an endpoint's permissions.

    Args:
        resource: the ``AWS::IAM::ManagedPolicy``, or ``None`` when CDK synthesizes none
            (``iam.Role.customize_roles`` lists the statements in its report instead).
        dependable: what the model waits for before SageMaker checks the role.
    """

    resource: iam.CfnManagedPolicy | None
    dependable: IConstruct


def add_execution_policy(
    scope: Construct,
    *,
    stack: Stack,
    role: iam.IRole,
    role_is_given: bool,
    statements: list[dict[str, Any]],
    model_data_url: str,
    in_vpc: bool,
) -> ExecutionPolicy:
    """Give ``role`` the endpoint's permissions as a customer-managed policy, ``scope/ExecutionPolicy``.

    The role the construct creates gets it attached through the policy's ``Roles``. A given
    role, or a role under ``iam.Role.customize_roles``, gets it through CDK's own
    ``role.add_managed_policy``, which respects what the role allows: nothing is attached to
    an immutable role (``mutable=False``, ``without_policy_updates()``, a role of another
    account), which then gets a warning listing what it must already grant.

    A created role is customized when its name is literal: CDK synthesizes a role under a
    token name (its ``Ref``), while ``customize_roles`` gives it the pre-created role's name.
    """
    document = {"Version": "2012-10-17", "Statement": statements}
    role_name = None if role_is_given else role.role_name
    if role_name is not None and is_token(role_name):
        resource = iam.CfnManagedPolicy(
            scope,
            "ExecutionPolicy",
            description=EXECUTION_POLICY_DESCRIPTION,
            policy_document=document,
            roles=[role_name],
        )
        acknowledge_required_wildcards(resource, stack=stack, model_data_url=model_data_url, in_vpc=in_vpc)
        return ExecutionPolicy(resource=resource, dependable=resource)
    policy = iam.ManagedPolicy(
        scope,
        "ExecutionPolicy",
        description=EXECUTION_POLICY_DESCRIPTION,
        document=iam.PolicyDocument.from_json(document),
    )
    role.add_managed_policy(policy)
    acknowledge_required_wildcards(policy, stack=stack, model_data_url=model_data_url, in_vpc=in_vpc)
    child = policy.node.default_child
    synthesized = child if isinstance(child, iam.CfnManagedPolicy) else None
    if synthesized is not None and not iam.Role.is_role(role) and not stack.resolve(synthesized.roles):
        Annotations.of(scope).add_warning_v2(
            f"{WARNING_PREFIX}:roleNotModified",
            "The given role cannot be modified (imported with mutable=False, without_policy_updates(), or of "
            "another account): the execution policy is attached to no role. The role must already grant: "
            + ", ".join(item["Sid"] for item in statements)
            + " (see the ExecutionPolicy resource's statements).",
        )
    return ExecutionPolicy(resource=synthesized, dependable=policy)


#: cdk-nag's rule for wildcard permissions, in the form CDK's validation framework acknowledges.
_NAG_WILDCARD_RULE: Final = "AwsSolutions::AwsSolutions-IAM5"
#: The metadata type ``aws_cdk.Validations.acknowledge`` records acknowledgments under
#: (``Validations.ACKNOWLEDGED_RULES_METADATA_KEY``), which CDK's validation report and cdk-nag read.
ACKNOWLEDGED_RULES_METADATA_TYPE: Final = "aws:cdk:acknowledged-rules"


def acknowledge_required_wildcards(
    policy: IConstruct, *, stack: Stack, model_data_url: str, in_vpc: bool = False
) -> None:
    """Acknowledge, with reasons, the cdk-nag wildcard findings :func:`model_access_statements` causes.

    ``stack`` is ``policy``'s stack. With ``in_vpc`` (defaults to ``False``), also the network
    interfaces SageMaker creates in the VPC, whose ids are not known in advance.

    Each wildcard is as narrow as AWS allows; acknowledging them on ``policy``, the construct
    holding the statements, keeps an app that runs cdk-nag's AwsSolutions pack clean. The
    prefix's objects are acknowledged when the prefix is literal (the bucket may be a bucket
    of the app); a token prefix's statement is rendered with intrinsics and stays reported.

    The acknowledgments are one metadata entry of the type ``Validations.acknowledge`` writes,
    with the same ids and reasons (``tests/test_compliance.py`` compares the two): that method
    records each id separately with a captured stack trace, which cost more than the rest of
    the endpoint's IAM resources together.
    """
    acknowledgments = {
        f"{_NAG_WILDCARD_RULE}[Resource::*]": (
            "ecr:GetAuthorizationToken, cloudwatch:PutMetricData and the EC2 Describe calls support no "
            "resource-level permissions; "
            "PutMetricData is limited to the /aws/sagemaker/* namespaces by a condition."
        ),
        f"{_NAG_WILDCARD_RULE}[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:"
        f"log-group:{ENDPOINT_INSTANCE_NAMESPACE}/*]": (
            "SageMaker writes to /aws/sagemaker/Endpoints/<endpoint name>; the name is generated by "
            "CloudFormation after the role, so the log group is scoped to the SageMaker endpoints prefix."
        ),
    }
    if in_vpc:
        acknowledgments[
            f"{_NAG_WILDCARD_RULE}[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:"
            "network-interface/*]"
        ] = (
            "SageMaker creates the endpoint's network interfaces in the VPC at deployment; their ids "
            "are not known in advance, so the interfaces are scoped to the stack's account and region."
        )
    location = ModelLocation.parse(model_data_url)
    if location is not None:
        bucket = _nag_reference(stack, location.bucket)
        if bucket is not None:
            acknowledgments[
                f"{_NAG_WILDCARD_RULE}[Resource::arn:<AWS::Partition>:s3:::{bucket}/{location.policy_prefix}*]"
            ] = "A multi-model endpoint loads any model archive under its S3 prefix on demand."
    # Stored as Validations.acknowledge stores ids, and as CDK looks violations up: spaces as '-'.
    policy.node.add_metadata(
        ACKNOWLEDGED_RULES_METADATA_TYPE,
        {rule.replace(" ", "-"): reason for rule, reason in acknowledgments.items()},
    )


def _nag_reference(stack: Stack, value: str) -> str | None:
    """``value`` as cdk-nag prints it in a finding: literal, ``<LogicalId>`` or ``<LogicalId.Attribute>``."""
    if not is_token(value):
        return value
    resolved = stack.resolve(value)
    if isinstance(resolved, dict) and set(resolved) == {"Ref"} and isinstance(resolved["Ref"], str):
        return f"<{resolved['Ref']}>"
    attribute = resolved.get("Fn::GetAtt") if isinstance(resolved, dict) and len(resolved) == 1 else None
    if isinstance(attribute, list) and len(attribute) == 2 and all(isinstance(part, str) for part in attribute):
        return f"<{attribute[0]}.{attribute[1]}>"
    return None


_CLOSING: Final = {")": "(", "]": "[", "}": "{"}


def _is_valid_validation_id(finding: str) -> bool:
    """Whether CDK parses ``finding``, a bracketed part of a validation id, as one rule id.

    Every closing bracket closes its own kind, and no ``::`` (CDK's namespace separator) is
    outside all brackets.
    """
    opened: list[str] = []
    for index, character in enumerate(finding):
        if character in "([{":
            opened.append(character)
        elif character in _CLOSING:
            if not opened or opened.pop() != _CLOSING[character]:
                return False
        elif not opened and finding.startswith("::", index):
            return False
    return True

"""Running a multi-model endpoint's containers in your VPC.

SageMaker attaches elastic network interfaces in the given subnets, with the given security
groups, to the endpoint's instances; the execution role needs the EC2 permissions to manage
them. https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import Aws, Stack
from aws_cdk import aws_ec2 as ec2

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.execution_role import statement

#: ``VpcConfig`` limits (botocore's SageMaker model; CloudFormation's ``AWS::SageMaker::Model``).
MAX_SUBNETS: Final = 16
MAX_SECURITY_GROUPS: Final = 5

#: EC2 calls SageMaker makes with the execution role to attach the endpoint to a VPC, from the
#: SageMaker VPC page. The Describe calls support no resource-level permissions.
DESCRIBE_ACTIONS: Final = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
NETWORK_INTERFACE_ACTIONS: Final = (
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)


def network_interface_statements(
    stack: Stack, subnets: Sequence[ec2.ISubnet], security_groups: Sequence[ec2.ISecurityGroup]
) -> list[dict[str, Any]]:
    """The EC2 permissions to manage the endpoint's network interfaces, scoped where EC2 allows.

    ``CreateNetworkInterface`` is limited to the given subnets and security groups (and
    interfaces of the stack's account and region); deleting and permitting to interfaces of
    that account and region; the Describe calls take no resource.
    """
    interfaces = f"arn:{Aws.PARTITION}:ec2:{Aws.REGION}:{Aws.ACCOUNT_ID}:network-interface/*"
    subnet_arns = [
        stack.format_arn(service="ec2", resource="subnet", resource_name=subnet.subnet_id) for subnet in subnets
    ]
    group_arns = [
        stack.format_arn(service="ec2", resource="security-group", resource_name=group.security_group_id)
        for group in security_groups
    ]
    return [
        statement(
            "CreateEndpointNetworkInterfaces", ["ec2:CreateNetworkInterface"], [interfaces, *subnet_arns, *group_arns]
        ),
        statement("ManageEndpointNetworkInterfaces", list(NETWORK_INTERFACE_ACTIONS), interfaces),
        statement("DescribeEndpointNetwork", list(DESCRIBE_ACTIONS), "*"),
    ]


def select_subnets(problems: Problems, vpc: ec2.IVpc, selection: ec2.SubnetSelection | None) -> list[ec2.ISubnet]:
    """The subnets ``selection`` picks in ``vpc``, recording a problem when CDK or SageMaker refuses them.

    Without a selection: the VPC's private subnets with egress, else its isolated ones (a VPC
    with only public subnets is refused: the endpoint's interfaces would get no private address).
    Returns an empty list when a problem was recorded.
    """
    try:
        if selection is None:
            subnet_type = (
                ec2.SubnetType.PRIVATE_WITH_EGRESS
                if vpc.private_subnets
                else ec2.SubnetType.PRIVATE_ISOLATED
                if vpc.isolated_subnets
                else None
            )
            if subnet_type is None:
                problems.add("vpc", vpc, "a VPC with private subnets (with egress or isolated), or vpc_subnets")
                return []
            subnets = vpc.select_subnets(subnet_type=subnet_type).subnets
        else:
            subnets = vpc.select_subnets(
                availability_zones=selection.availability_zones,
                one_per_az=selection.one_per_az,
                subnet_filters=selection.subnet_filters,
                subnet_group_name=selection.subnet_group_name,
                subnets=selection.subnets,
                subnet_type=selection.subnet_type,
            ).subnets
    except RuntimeError as error:  # CDK's own refusal, through jsii
        reason = re.sub(r"^\w+: ", "", str(error).splitlines()[0]) if str(error) else type(error).__name__
        problems.add("vpc_subnets", selection, f"a selection of subnets the VPC has (CDK: {reason})")
        return []
    if not 1 <= len(subnets) <= MAX_SUBNETS:
        problems.add(
            "vpc_subnets", f"{len(subnets)} subnets", f"1 to {MAX_SUBNETS} subnets (SageMaker's VpcConfig.Subnets)"
        )
        return []
    return list(subnets)

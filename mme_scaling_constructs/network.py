"""Running a multi-model endpoint's containers in your VPC.

SageMaker attaches elastic network interfaces in the given subnets, with the given security
groups, to the endpoint's instances; the execution role needs the EC2 permissions to manage
them. https://docs.aws.amazon.com/sagemaker/latest/dg/host-vpc.html
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from aws_cdk import Aws, Stack
from aws_cdk import aws_ec2 as ec2

from mme_scaling_constructs.execution_role import statement

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

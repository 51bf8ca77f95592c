"""A deployed CloudFormation stack read back: status, template, resources and their values."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

from mme_scaling_constructs.redeploy.clients import Clients
from mme_scaling_constructs.redeploy.errors import AwsCallError, RedeployError
from mme_scaling_constructs.redeploy.template_body import template_from_body
from mme_scaling_constructs.redeploy.values import name_from_arn, placeholder_names, pseudo_parameters

CLOUDFORMATION: Final = "cloudformation"
#: What CloudFormation shows instead of the value of a ``NoEcho`` parameter.
MASKED_PARAMETER: Final = "****"
_INTEGER: Final = re.compile(r"-?[0-9]+")


@dataclass(frozen=True, kw_only=True)
class DeployedStack:
    """A stack as CloudFormation reports it.

    Args:
        name: the stack's name.
        stack_id: its ARN.
        status: its ``StackStatus``, e.g. ``UPDATE_COMPLETE``.
        template: its current template (after a rollback, the template it rolled back to).
        resources: ``(resource type, physical id)`` of each resource it created, by logical id.
        parameters: each parameter's value by name: a number for ``Number`` parameters, the
            resolved value for SSM parameter types; ``NoEcho`` parameters are left out.
    """

    name: str
    stack_id: str
    status: str
    template: dict[str, Any]
    resources: Mapping[str, tuple[str, str]]
    parameters: Mapping[str, Any]


def read_stack(clients: Clients, stack_name: str) -> DeployedStack:
    """Read ``stack_name`` back with ``DescribeStacks``, ``GetTemplate`` and ``ListStackResources``.

    Raises:
        RedeployError: the stack does not exist, is in progress (``..._IN_PROGRESS``), its
            template is neither JSON nor YAML, or a call failed (:class:`AwsCallError`).
    """
    try:
        stacks = clients.call(CLOUDFORMATION, "DescribeStacks", StackName=stack_name)["Stacks"]
    except AwsCallError as error:
        if error.code == "ValidationError" and "does not exist" in " ".join(error.findings):
            raise RedeployError(f"stack {stack_name} does not exist in {clients.region}") from None
        raise
    stack = stacks[0]
    status = str(stack["StackStatus"])
    if status.endswith("_IN_PROGRESS"):
        raise RedeployError(f"stack {stack_name} is {status}; run again once CloudFormation has finished")
    body = clients.call(CLOUDFORMATION, "GetTemplate", StackName=stack_name)["TemplateBody"]
    template = template_from_body(body, f"the deployed template of stack {stack_name}")
    resources: dict[str, tuple[str, str]] = {}
    params: dict[str, Any] = {"StackName": stack_name}
    while True:
        page = clients.call(CLOUDFORMATION, "ListStackResources", **params)
        for summary in page.get("StackResourceSummaries", []):
            logical_id, physical_id = summary.get("LogicalResourceId"), summary.get("PhysicalResourceId")
            if logical_id and physical_id:
                resources[logical_id] = (summary["ResourceType"], physical_id)
        if not page.get("NextToken"):
            break
        params["NextToken"] = page["NextToken"]
    return DeployedStack(
        name=stack_name,
        stack_id=stack["StackId"],
        status=status,
        template=template,
        resources=resources,
        parameters=_parameters(stack.get("Parameters", []), template.get("Parameters")),
    )


def _parameters(reported: list[dict[str, Any]], declared: Any) -> dict[str, Any]:
    """Each reported parameter's value by name, typed as its declaration says."""
    declarations = declared if isinstance(declared, dict) else {}
    values: dict[str, Any] = {}
    for parameter in reported:
        key = parameter.get("ParameterKey")
        value = parameter.get("ResolvedValue", parameter.get("ParameterValue"))
        declaration = declarations.get(key)
        declaration = declaration if isinstance(declaration, dict) else {}
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        if str(declaration.get("NoEcho", "false")).lower() == "true" or value == MASKED_PARAMETER:
            continue
        values[key] = _number(value) if declaration.get("Type") == "Number" else value
    return values


def _number(text: str) -> int | float | str:
    """``text`` as an int or a finite float, or as it is when it is neither."""
    if _INTEGER.fullmatch(text.strip()):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def deployed_values(
    clients: Clients, stack: DeployedStack, logical_ids: Collection[str] | None = None
) -> dict[str, Any]:
    """The stack's values by ``Fn::Sub`` name, as :func:`~mme_scaling_constructs.redeploy.values.resolve` takes them.

    Pseudo parameters, parameters, each resource's physical id (what ``Ref`` returns), and the
    ``Fn::GetAtt`` attributes the template may use of IAM roles and SageMaker models,
    endpoint configs and endpoints (``Endpoint.EndpointName``, ``Endpoint.EndpointArn``...).

    Args:
        clients: the clients to read attributes with.
        stack: the stack, from :func:`read_stack`.
        logical_ids: the resources whose attributes to read; defaults to ``None`` (all of them).

    Raises:
        RedeployError: a physical id is not what its type returns, or a call failed.
    """
    values: dict[str, Any] = {**pseudo_parameters(stack.stack_id), **stack.parameters}
    for logical_id, (resource_type, physical_id) in stack.resources.items():
        values[logical_id] = physical_id
        if logical_ids is not None and logical_id not in logical_ids:
            continue
        for attribute, value in _attributes(clients, resource_type, physical_id).items():
            values[f"{logical_id}.{attribute}"] = value
    return values


def _attributes(clients: Clients, resource_type: str, physical_id: str) -> dict[str, Any]:
    """The ``Fn::GetAtt`` attributes of a deployed resource that a template of this package may use."""
    if resource_type == "AWS::IAM::Role":
        role = clients.call("iam", "GetRole", RoleName=physical_id)["Role"]
        return {"Arn": role["Arn"], "RoleId": role["RoleId"]}
    if resource_type == "AWS::SageMaker::Model":
        return {"ModelName": name_from_arn(physical_id)}
    if resource_type == "AWS::SageMaker::EndpointConfig":
        return {"EndpointConfigName": name_from_arn(physical_id)}
    if resource_type == "AWS::SageMaker::Endpoint":
        name = name_from_arn(physical_id)
        endpoint = clients.call("sagemaker", "DescribeEndpoint", EndpointName=name)
        return {"EndpointName": name, "EndpointArn": endpoint["EndpointArn"]}
    return {}


def referenced_logical_ids(value: Any) -> set[str]:
    """The logical ids whose attributes the placeholders of ``value`` use (``${Endpoint.EndpointName}``)."""
    return {name.partition(".")[0] for name in placeholder_names(value) if "." in name}

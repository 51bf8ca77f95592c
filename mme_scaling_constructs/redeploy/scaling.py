"""The exported scaling calls made against AWS, placeholders filled with a stack's values."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from mme_scaling_constructs.constants import APPLICATION_AUTOSCALING_CLI_SERVICE
from mme_scaling_constructs.export import ApiCall, ExportedTarget, api_calls
from mme_scaling_constructs.redeploy.clients import Clients
from mme_scaling_constructs.redeploy.values import fill

#: The parameter that names what each exported call creates or removes, by operation.
_SUBJECT: Final = {
    "RegisterScalableTarget": "ResourceId",
    "DeregisterScalableTarget": "ResourceId",
    "PutScheduledAction": "ScheduledActionName",
    "PutScalingPolicy": "PolicyName",
    "PutMetricAlarm": "AlarmName",
}


def target_where(target: ExportedTarget, values: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, str]:
    """The filled ``ServiceNamespace``, ``ResourceId`` and ``ScalableDimension`` of an exported target.

    Raises:
        RedeployError: a placeholder has no value.
    """
    where: dict[str, str] = fill(target.where, values, variables, f"target {target.resource_id}")
    return where


def call_subject(operation: str, params: Mapping[str, Any]) -> str:
    """What a call creates or removes, in words: ``PutScalingPolicy CPU on endpoint/ep/variant/AllTraffic``."""
    subject = str(params.get(_SUBJECT.get(operation, "ResourceId"), "?"))
    if operation in ("PutScheduledAction", "PutScalingPolicy"):
        subject = f"{subject} on {params.get('ResourceId', '?')}"
    return f"{operation} {subject}"


def is_registered(clients: Clients, where: Mapping[str, str]) -> bool:
    """Whether Application Auto Scaling has the scalable target ``where`` names (``DescribeScalableTargets``).

    Raises:
        AwsCallError: the call failed.
    """
    found = clients.call(
        APPLICATION_AUTOSCALING_CLI_SERVICE,
        "DescribeScalableTargets",
        ServiceNamespace=where["ServiceNamespace"],
        ResourceIds=[where["ResourceId"]],
        ScalableDimension=where["ScalableDimension"],
    )["ScalableTargets"]
    return any(target.get("ResourceId") == where["ResourceId"] for target in found)


def register_scaling(
    clients: Clients,
    targets: Sequence[ExportedTarget],
    values: Mapping[str, Any],
    *,
    before_call: Callable[[ApiCall, dict[str, Any]], None] | None = None,
) -> dict[str, str]:
    """Make the calls :func:`~mme_scaling_constructs.export.api_calls` builds for ``targets``, filled from ``values``.

    Each call creates or updates (``RegisterScalableTarget``, ``PutScheduledAction``,
    ``PutScalingPolicy``, ``PutMetricAlarm``), so making them again converges.

    Args:
        clients: the clients to call with.
        targets: the scaling, from :func:`~mme_scaling_constructs.export.scaling_in_template`.
        values: the deployed values, from :func:`~mme_scaling_constructs.redeploy.stack.deployed_values`.
        before_call: called with each call and its filled parameters before it is made;
            defaults to ``None``.

    Returns:
        The value of each shell variable: the ARN each step policy's ``PutScalingPolicy`` returned.

    Raises:
        RedeployError: a placeholder has no value, or a call failed (:class:`AwsCallError`).
    """
    variables: dict[str, str] = {}
    for call in api_calls(targets):
        params = fill(call.params, values, variables, f"{call.service} {call.operation}")
        if before_call is not None:
            before_call(call, params)
        response = clients.call(call.service, call.operation, **params)
        if call.result_variable is not None:
            variables[call.result_variable] = response["PolicyARN"]
    return variables


def named_as_deployed(
    targets: Sequence[ExportedTarget], template: Mapping[str, Any], resources: Mapping[str, tuple[str, str]]
) -> list[ExportedTarget]:
    """``targets`` with each alarm that the template leaves unnamed named as the deployed stack named it.

    The export names such an alarm by its logical id; CloudFormation gave the deployed one a
    generated name, its physical id. ``PutMetricAlarm`` with that name updates the stack's
    alarm (its actions then name the re-created policies) instead of adding a second one.
    """
    declared = template.get("Resources", {})

    def renamed(params: dict[str, Any], logical_id: str) -> dict[str, Any]:
        resource = declared.get(logical_id) if isinstance(declared, dict) else None
        properties = resource.get("Properties") if isinstance(resource, dict) else None
        named = isinstance(properties, dict) and "AlarmName" in properties
        if named or logical_id not in resources:
            return params
        return {**params, "AlarmName": resources[logical_id][1]}

    return [
        dataclasses.replace(
            target,
            policies=tuple(
                dataclasses.replace(
                    policy,
                    alarms=tuple(
                        dataclasses.replace(alarm, params=renamed(alarm.params, alarm.logical_id))
                        for alarm in policy.alarms
                    ),
                )
                for policy in target.policies
            ),
        )
        for target in targets
    ]

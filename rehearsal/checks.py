"""The pure parts of the deploy rehearsal: the template the emulator deploys, and comparison.

Nothing here talks to a server. The deployed stack's values, and template values and export
placeholders filled with them, come from :mod:`mme_scaling_constructs.redeploy`;
:func:`differences` lists where what the emulator reports differs from what the template asks for.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from mme_scaling_constructs.export import ExportedTarget
from mme_scaling_constructs.redeploy import SUB_VARIABLE, RedeployError

_NUMBER_TEXT: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")

#: Template properties that no describe call of the emulator returns, each with the reason.
#: They are reported as not compared rather than silently dropped.
NOT_READ_BACK: Final[Mapping[str, Mapping[str, str]]] = {
    "AWS::SageMaker::Endpoint": {
        "RetainAllVariantProperties": "a CloudFormation update option; DescribeEndpoint has no such field",
        "RetainDeploymentConfig": "a CloudFormation update option; DescribeEndpoint has no such field",
        "ExcludeRetainedVariantProperties": "a CloudFormation update option; DescribeEndpoint has no such field",
        "DeploymentConfig": "applies to updates; DescribeEndpoint reports only the last one used",
        "Tags": "compared with ListTags",
    },
    "AWS::SageMaker::EndpointConfig": {"Tags": "compared with ListTags"},
    "AWS::SageMaker::Model": {"Tags": "compared with ListTags"},
    "AWS::ApplicationAutoScaling::ScalableTarget": {
        "RoleARN": (
            "the export omits it (Application Auto Scaling then uses its service-linked role), "
            "and the emulator creates no service-linked role to report"
        ),
        "ScheduledActions": "compared with DescribeScheduledActions",
        "Tags": "the emulator's DescribeScalableTargets returns no tags",
    },
}


class RehearsalFailure(RedeployError):
    """A step of the rehearsal failed; the message lists every finding, one a line."""


# --- The template the emulator deploys -----------------------------------------------------

#: The ``Fn::GetAtt`` the emulator lacks, and the ``Ref`` that returns the same value in
#: CloudFormation: ``Ref`` of an ``AWS::SageMaker::Endpoint`` is its ARN.
ENDPOINT_TYPE: Final = "AWS::SageMaker::Endpoint"
ENDPOINT_ARN: Final = "EndpointArn"


def without_endpoint_arn(template: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """``template`` with each ``Fn::GetAtt`` of an endpoint's ``EndpointArn`` replaced by its ``Ref``.

    The emulator's CloudFormation has no ``EndpointArn`` attribute: a template whose resources use
    it (``grant_invoke`` does) fails to deploy. ``Ref`` returns the same ARN, in CloudFormation as
    in the emulator. ``Fn::Sub`` strings are rewritten too
    (``${Endpoint.EndpointArn}`` becomes ``${Endpoint}``) unless the name is one of their variables.

    Returns:
        The rewritten template (``template`` is not changed) and the number of replacements.
    """
    resources = template.get("Resources", {})
    endpoints = {
        logical_id
        for logical_id, resource in (resources.items() if isinstance(resources, dict) else ())
        if isinstance(resource, dict) and resource.get("Type") == ENDPOINT_TYPE
    }
    count = 0

    def endpoint_of(argument: Any) -> str | None:
        if isinstance(argument, list) and len(argument) == 2 and argument[1] == ENDPOINT_ARN:
            candidate = argument[0]
        elif isinstance(argument, str) and argument.endswith("." + ENDPOINT_ARN):
            candidate = argument.removesuffix("." + ENDPOINT_ARN)
        else:
            return None
        return candidate if isinstance(candidate, str) and candidate in endpoints else None

    def sub_text(text: str, local_names: Any) -> str:
        def replace(match: re.Match[str]) -> str:
            nonlocal count
            literal, key = match.groups()
            endpoint = None if literal or key in local_names else endpoint_of(key)
            if endpoint is None:
                return match[0]
            count += 1
            return "${" + endpoint + "}"

        return SUB_VARIABLE.sub(replace, text)

    def walk(value: Any) -> Any:
        nonlocal count
        if isinstance(value, dict):
            if len(value) == 1 and "Fn::GetAtt" in value:
                endpoint = endpoint_of(value["Fn::GetAtt"])
                if endpoint is not None:
                    count += 1
                    return {"Ref": endpoint}
            if len(value) == 1 and "Fn::Sub" in value:
                argument = value["Fn::Sub"]
                if isinstance(argument, str):
                    return {"Fn::Sub": sub_text(argument, ())}
                if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
                    names = argument[1] if isinstance(argument[1], dict) else {}
                    return {"Fn::Sub": [sub_text(argument[0], names), walk(argument[1])]}
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    rewritten: dict[str, Any] = walk(dict(template))
    return rewritten, count


# --- Comparison ----------------------------------------------------------------------------


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value):
        return float(value)
    return None


def _as_time(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


def _same_scalar(expected: Any, actual: Any) -> bool:
    """Equal as CloudFormation means it: ``"2"`` is 2, ``"true"`` is true, an ISO string is its time."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        texts = {True: "true", False: "false"}
        left = texts[expected] if isinstance(expected, bool) else expected
        right = texts[actual] if isinstance(actual, bool) else actual
        return isinstance(left, str) and isinstance(right, str) and left.lower() == right.lower()
    left_number, right_number = _as_number(expected), _as_number(actual)
    if left_number is not None and right_number is not None:
        return math.isclose(left_number, right_number, rel_tol=1e-12, abs_tol=0.0)
    if isinstance(expected, datetime.datetime) or isinstance(actual, datetime.datetime):
        left_time, right_time = _as_time(expected), _as_time(actual)
        return left_time is not None and left_time == right_time
    return bool(expected == actual)


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where ``actual`` (what the emulator reports) lacks or contradicts ``expected`` (the template).

    Objects compare key by key: every expected key must be reported with an equal value, and
    keys the emulator adds (ARNs, creation times, statuses) are ignored. Lists compare item by
    item and must have the same length. Scalars compare as in CloudFormation: a numeric string
    equals its number, ``"true"`` equals true, and an ISO 8601 string equals its time.

    Returns:
        One line per difference, naming its path; empty when ``actual`` has everything.
    """
    label = where or "value"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{label}: expected an object, the emulator reports {actual!r}"]
        found: list[str] = []
        for key, item in expected.items():
            path = f"{where}.{key}" if where else str(key)
            if key not in actual:
                found.append(f"{path}: expected {item!r}, the emulator reports nothing")
            else:
                found += differences(item, actual[key], path)
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{label}: expected a list, the emulator reports {actual!r}"]
        if len(expected) != len(actual):
            return [f"{label}: expected {len(expected)} items {expected!r}, the emulator reports {actual!r}"]
        found = []
        for index, (item, other) in enumerate(zip(expected, actual, strict=True)):
            found += differences(item, other, f"{where}[{index}]")
        return found
    if not _same_scalar(expected, actual):
        return [f"{label}: expected {expected!r}, the emulator reports {actual!r}"]
    return []


def split_compared(resource_type: str, properties: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The properties of a resource that a describe call reads back, and the others with the reason.

    Returns:
        ``(compared, not_compared)``: the properties to compare, and each property of
        :data:`NOT_READ_BACK` the resource has, with the reason it is not compared with them.
    """
    skipped = NOT_READ_BACK.get(resource_type, {})
    compared = {key: value for key, value in properties.items() if key not in skipped}
    not_compared = {key: skipped[key] for key in properties if key in skipped}
    return compared, not_compared


def tag_differences(expected: Any, actual: Sequence[Mapping[str, str]], where: str) -> list[str]:
    """Where the tags ``actual`` (``[{"Key": ..., "Value": ...}]``) lack a tag of ``expected`` (same shape)."""
    if not isinstance(expected, list):
        return [f"{where}: expected a list of tags, got {expected!r}"]
    reported = {tag.get("Key"): tag.get("Value") for tag in actual}
    found: list[str] = []
    for tag in expected:
        key, value = (tag.get("Key"), tag.get("Value")) if isinstance(tag, dict) else (None, None)
        if key not in reported:
            found.append(f"{where}: expected tag {key!r}={value!r}, the emulator reports none")
        elif reported[key] != value:
            found.append(f"{where}: expected tag {key!r}={value!r}, the emulator reports {reported[key]!r}")
    return found


# --- What the scaling should look like once applied ----------------------------------------


def exported_logical_ids(targets: Sequence[ExportedTarget]) -> set[str]:
    """The logical ids of the targets, policies and alarms the export applies."""
    found: set[str] = set()
    for target in targets:
        if target.logical_id is not None:
            found.add(target.logical_id)
        for policy in target.policies:
            found.add(policy.logical_id)
            found.update(alarm.logical_id for alarm in policy.alarms)
    return found


def missing_resources(
    resources: Mapping[str, Any], created: Sequence[str] | set[str], exported: set[str]
) -> tuple[list[str], list[str]]:
    """The template's resources the deployed stack lacks: ``(applied by the export, unaccounted for)``.

    The emulator's CloudFormation skips ``AWS::ApplicationAutoScaling::*`` resources and the alarms
    whose actions name the skipped policies; the rehearsal applies those with the exported calls.
    Any other missing resource is a failure, listed as ``"LogicalId (Type)"``.
    """
    missing = sorted(set(resources) - set(created))
    applied = [logical_id for logical_id in missing if logical_id in exported]
    unaccounted = [
        f"{logical_id} ({resources[logical_id].get('Type') if isinstance(resources[logical_id], dict) else None})"
        for logical_id in missing
        if logical_id not in exported
    ]
    return applied, unaccounted


def expected_target(properties: Mapping[str, Any], where: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """What ``DescribeScalableTargets`` should report for a resolved scalable target.

    Args:
        properties: the target's ``Properties``, resolved.
        where: the target's ``ServiceNamespace``, ``ResourceId`` and ``ScalableDimension``, filled.

    Returns:
        ``(expected, not_compared)`` as :func:`split_compared` returns them.
    """
    compared, not_compared = split_compared("AWS::ApplicationAutoScaling::ScalableTarget", properties)
    return {**compared, **where}, not_compared


def expected_policy(properties: Mapping[str, Any], policy_name: str, where: Mapping[str, str]) -> dict[str, Any]:
    """What ``DescribeScalingPolicies`` should report for a resolved scaling policy.

    Args:
        properties: the policy's ``Properties``, resolved (``ScalingTargetId`` is not reported).
        policy_name: its name as applied (``PolicyName``, or the logical id when it has none).
        where: its target's ``ServiceNamespace``, ``ResourceId`` and ``ScalableDimension``, filled.
    """
    configuration = {
        key: value
        for key, value in properties.items()
        if key in ("PolicyType", "TargetTrackingScalingPolicyConfiguration", "StepScalingPolicyConfiguration")
    }
    return {"PolicyName": policy_name, **where, **configuration}


def expected_scheduled_actions(properties: Mapping[str, Any], where: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """What ``DescribeScheduledActions`` should report for each of a resolved target's schedules, by name."""
    actions = properties.get("ScheduledActions", [])
    found: dict[str, dict[str, Any]] = {}
    for action in actions if isinstance(actions, list) else []:
        if isinstance(action, dict):
            found[str(action.get("ScheduledActionName"))] = {**action, **where}
    return found

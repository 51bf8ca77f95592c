"""The pure parts of the deploy rehearsal: deployed values, template resolution and comparison.

Nothing here talks to a server. :func:`resolve` evaluates a template value with the values of the
deployed stack (``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``, ``Fn::Select``, ``Fn::Split``),
:func:`fill` fills the ``${...}`` placeholders and shell variables of the calls
``mme_scaling_constructs.export`` builds, and :func:`differences` lists where what the emulator
reports differs from what the template asks for.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from mme_scaling_constructs.export import ExportedTarget, ShellVariable

#: ``${name}`` in an export placeholder or an ``Fn::Sub`` string; ``${!name}`` is a literal in ``Fn::Sub``.
_PLACEHOLDER: Final = re.compile(r"\$\{([^}]*)\}")
_SUB_VARIABLE: Final = re.compile(r"\$\{(!?)([^}]*)\}")
_NUMBER_TEXT: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_STACK_ARN: Final = re.compile(r"arn:([^:]+):cloudformation:([^:]+):([0-9]{12}):stack/([^/]+)/.+")

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


class RehearsalFailure(Exception):
    """A step of the rehearsal failed; the message lists every finding, one a line."""

    def __init__(self, what: str, findings: Sequence[str] = ()) -> None:
        self.what = what
        self.findings = tuple(findings)
        super().__init__("\n  ".join([what, *self.findings]))


class _Drop:
    """``Ref: AWS::NoValue``: the property or list item is left out."""


_DROP: Final = _Drop()


def pseudo_parameters(stack_id: str) -> dict[str, str]:
    """The pseudo parameters of the stack whose ARN is ``stack_id``.

    ``AWS::Partition``, ``AWS::Region``, ``AWS::AccountId``, ``AWS::StackName``, ``AWS::StackId``
    and ``AWS::URLSuffix``.

    Raises:
        RehearsalFailure: ``stack_id`` is not a CloudFormation stack ARN.
    """
    match = _STACK_ARN.fullmatch(stack_id)
    if match is None:
        raise RehearsalFailure("stack id", [f"got {stack_id!r}; allowed: a CloudFormation stack ARN"])
    partition, region, account, name = match.groups()
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {
        "AWS::Partition": partition,
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::StackName": name,
        "AWS::StackId": stack_id,
        "AWS::URLSuffix": suffix,
    }


def name_from_arn(arn: str) -> str:
    """The name at the end of a SageMaker ARN, e.g. ``my-endpoint`` of ``arn:aws:sagemaker:...:endpoint/my-endpoint``.

    Raises:
        RehearsalFailure: ``arn`` has no ``type/name`` resource part.
    """
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    kind, slash, name = resource.partition("/")
    if not (arn.startswith("arn:") and kind and slash and name):
        raise RehearsalFailure("ARN", [f"got {arn!r}; allowed: an ARN ending in type/name"])
    return name


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

        return _SUB_VARIABLE.sub(replace, text)

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


# --- Template values, resolved with the deployed stack's values ---------------------------


class _Resolver:
    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.problems: list[str] = []

    def lookup(self, key: str, path: str) -> Any:
        if key not in self.values:
            self.problems.append(f"{path}: no deployed value for {key!r}")
            return f"${{{key}}}"
        return self.values[key]

    def value(self, value: Any, path: str) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((name, argument),) = value.items()
                if name == "Ref" or (isinstance(name, str) and name.startswith("Fn::")):
                    return self.function(name, argument, path)
            resolved = {key: self.value(item, f"{path}.{key}") for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not _DROP}
        if isinstance(value, list):
            items = [self.value(item, f"{path}[{index}]") for index, item in enumerate(value)]
            return [item for item in items if item is not _DROP]
        return value

    def function(self, name: str, argument: Any, path: str) -> Any:
        where = f"{path}.{name}"
        if name == "Ref" and argument == "AWS::NoValue":
            return _DROP
        if name == "Ref" and isinstance(argument, str):
            return self.lookup(argument, where)
        if name == "Fn::GetAtt":
            if isinstance(argument, str) and "." in argument:
                return self.lookup(argument, where)
            if isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument):
                return self.lookup(f"{argument[0]}.{argument[1]}", where)
        if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            items = self.value(argument[1], f"{where}[1]")
            if isinstance(items, list):
                return argument[0].join(self.text(item, where) for item in items)
        if name == "Fn::Sub":
            return self.sub(argument, where)
        if name == "Fn::Select" and isinstance(argument, list) and len(argument) == 2:
            index, items = self.value(argument[0], f"{where}[0]"), self.value(argument[1], f"{where}[1]")
            literal = isinstance(index, (int, str)) and not isinstance(index, bool) and str(index).isdigit()
            if isinstance(items, list) and literal and int(index) < len(items):
                return items[int(index)]
        if name == "Fn::Split" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            text = self.value(argument[1], f"{where}[1]")
            if isinstance(text, str) and argument[0]:
                return text.split(argument[0])
        self.problems.append(f"{where}: cannot evaluate {argument!r}")
        return {name: argument}

    def sub(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            text, variables = argument[0], argument[1]
            if not isinstance(variables, dict):
                self.problems.append(f"{where}: cannot evaluate {argument!r}")
                return {"Fn::Sub": argument}
        else:
            self.problems.append(f"{where}: cannot evaluate {argument!r}")
            return {"Fn::Sub": argument}

        def substitute(match: re.Match[str]) -> str:
            literal, key = match.groups()
            if literal:
                return "${" + key + "}"
            if key in variables:
                return self.text(self.value(variables[key], f"{where}[1].{key}"), where)
            return self.text(self.lookup(key, where), where)

        return _SUB_VARIABLE.sub(substitute, text)

    def text(self, value: Any, where: str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        self.problems.append(f"{where}: cannot join {value!r} into a string")
        return str(value)


def resolve(value: Any, values: Mapping[str, Any], where: str = "") -> Any:
    """``value`` from a template with its intrinsic functions evaluated from ``values``.

    Args:
        value: a template value, e.g. a resource's ``Properties``.
        values: deployed values by ``Fn::Sub`` name: ``LogicalId`` (what ``Ref`` returns),
            ``LogicalId.Attribute`` (what ``Fn::GetAtt`` returns) and pseudo parameters such as
            ``AWS::Region``.
        where: the path of ``value``, used in findings; defaults to ``""``.

    ``Ref: AWS::NoValue`` leaves its property or list item out.

    Raises:
        RehearsalFailure: listing every function that names an unknown value or cannot be evaluated.
    """
    resolver = _Resolver(values)
    result = resolver.value(value, where)
    if resolver.problems:
        raise RehearsalFailure("cannot resolve the template with the deployed values:", resolver.problems)
    return None if result is _DROP else result


# --- Export placeholders, filled -----------------------------------------------------------


def fill(value: Any, values: Mapping[str, Any], variables: Mapping[str, str], where: str = "") -> Any:
    """``value`` of an exported call with its placeholders filled.

    Args:
        value: call parameters from ``mme_scaling_constructs.export.api_calls``.
        values: deployed values by placeholder name, as :func:`resolve` takes them. A string that
            is one placeholder becomes the value itself (a number stays a number); placeholders
            inside longer strings are replaced by the value's text.
        variables: the value of each shell variable (:class:`ShellVariable`) by name, e.g. the
            ARN ``PutScalingPolicy`` returned for ``policy_arn_Upper``.
        where: the path of ``value``, used in findings; defaults to ``""``.

    Raises:
        RehearsalFailure: listing every placeholder and shell variable that has no value.
    """
    problems: list[str] = []

    def text(match: re.Match[str], path: str) -> str:
        if match[1] not in values:
            problems.append(f"{path}: no deployed value for placeholder {match[0]!r}")
            return match[0]
        found = values[match[1]]
        return str(found).lower() if isinstance(found, bool) else str(found)

    def walk(item: Any, path: str) -> Any:
        if isinstance(item, ShellVariable):
            if item.name not in variables:
                problems.append(f"{path}: no value for shell variable {str(item)!r}")
                return str(item)
            return variables[item.name]
        if isinstance(item, str):
            whole = _PLACEHOLDER.fullmatch(item)
            if whole is not None and whole[1] in values:
                return values[whole[1]]
            return _PLACEHOLDER.sub(lambda match: text(match, path), item)
        if isinstance(item, dict):
            return {key: walk(member, f"{path}.{key}") for key, member in item.items()}
        if isinstance(item, list):
            return [walk(member, f"{path}[{index}]") for index, member in enumerate(item)]
        return item

    result = walk(value, where)
    if problems:
        raise RehearsalFailure("cannot fill the exported scaling calls:", problems)
    return result


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


def target_where(target: ExportedTarget, values: Mapping[str, Any], variables: Mapping[str, str]) -> dict[str, str]:
    """The filled ``ServiceNamespace``, ``ResourceId`` and ``ScalableDimension`` of an exported target."""
    where: dict[str, str] = fill(target.where, values, variables, f"target {target.resource_id}")
    return where

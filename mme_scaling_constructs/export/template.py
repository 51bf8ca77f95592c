"""Reading the scaling out of a synthesized template: targets, policies, schedules and alarms."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Final

from mme_scaling_constructs.constants import (
    ALARM_RESOURCE_TYPE,
    SCALABLE_TARGET_RESOURCE_TYPE,
    SCALING_POLICY_RESOURCE_TYPE,
)
from mme_scaling_constructs.errors import ConfigurationError, Problem
from mme_scaling_constructs.export.exported import ExportedAlarm, ExportedPolicy, ExportedTarget, ShellVariable
from mme_scaling_constructs.export.names import _UNSAFE_IN_VARIABLES, _Names
from mme_scaling_constructs.export.placeholders import _NOTHING, _Invalid, _Shown, is_intrinsic
from mme_scaling_constructs.export.shapes import (
    _ALARM,
    _CONFIGURATION_OF_TYPE,
    _SCALABLE_TARGET,
    _SCALING_POLICY,
    MAX_NAME_LENGTH,
    POLICY_NAME_PATTERN,
    POLICY_NAME_RULE,
)
from mme_scaling_constructs.export.values import _Reader

_ACTION_LISTS: Final = ("AlarmActions", "OKActions", "InsufficientDataActions")


def scaling_in_template(template: Any) -> list[ExportedTarget]:
    """Every scalable target in ``template`` with its policies, schedules and alarms.

    Policies that name their target by ``ResourceId``, ``ScalableDimension`` and
    ``ServiceNamespace`` join the template's target with those values, or a target with no
    logical id (registered elsewhere). Alarms are read when an action of theirs is a policy.

    Raises:
        ConfigurationError: listing every problem of the template, each naming the path of
            the offending value, e.g. ``Resources.Policy.Properties.PolicyType``.
    """
    reader = _Reader()
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        shown = _NOTHING if resources is None else _Shown(resources)
        raise ConfigurationError(
            "template", [Problem(parameter="Resources", value=shown, allowed="an object of resources")]
        )
    by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for logical_id, resource in resources.items():
        where = f"Resources.{logical_id}"
        if not isinstance(logical_id, str) or not logical_id:
            reader.add(where, logical_id, "a non-empty logical id")
            continue
        if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
            reader.add(where, resource, "an object with a Type string")
            continue
        if resource["Type"] not in (SCALABLE_TARGET_RESOURCE_TYPE, SCALING_POLICY_RESOURCE_TYPE, ALARM_RESOURCE_TYPE):
            continue
        properties = resource.get("Properties", {})
        if not isinstance(properties, dict):
            reader.add(f"{where}.Properties", properties, "an object")
            continue
        by_type.setdefault(resource["Type"], []).append((logical_id, properties))
    scaling = _Scaling(reader, resources)
    for logical_id, properties in by_type.get(SCALABLE_TARGET_RESOURCE_TYPE, []):
        scaling.add_target(logical_id, properties)
    policies = by_type.get(SCALING_POLICY_RESOURCE_TYPE, [])
    scaling.name_policies(logical_id for logical_id, _ in policies)
    for logical_id, properties in policies:
        scaling.add_policy(logical_id, properties)
    for logical_id, properties in by_type.get(ALARM_RESOURCE_TYPE, []):
        scaling.add_alarm(logical_id, properties)
    reader.problems.raise_if_any()
    return scaling.targets()


class _Scaling:
    """The targets, policies and alarms of a template as they are read."""

    def __init__(self, reader: _Reader, resources: Mapping[str, Any]) -> None:
        self.reader = reader
        self.resources = resources
        self.target_of_id: dict[str, ExportedTarget] = {}
        self.groups: dict[tuple[str, str, str], ExportedTarget] = {}
        self.policies: dict[tuple[str, str, str], list[ExportedPolicy]] = {}
        self.variables: dict[str, str] = {}
        self.alarms: dict[str, list[ExportedAlarm]] = {}

    def add_target(self, logical_id: str, properties: Mapping[str, Any]) -> None:
        where = f"Resources.{logical_id}.Properties"
        read = self.reader.read_object(properties, _SCALABLE_TARGET, where, 0)
        if isinstance(read, _Invalid):
            return
        tags = self._tag_map(read.get("Tags"), f"{where}.Tags")
        if isinstance(tags, _Invalid):
            return
        target = ExportedTarget(
            logical_id=logical_id,
            service_namespace=read["ServiceNamespace"],
            resource_id=read["ResourceId"],
            scalable_dimension=read["ScalableDimension"],
            min_capacity=read["MinCapacity"],
            max_capacity=read["MaxCapacity"],
            scheduled_actions=tuple(read.get("ScheduledActions", ())),
            suspended_state=read.get("SuspendedState"),
            tags=tags,
        )
        if _key(target) in self.groups:
            other = self.groups[_key(target)].logical_id
            self.reader.add(f"{where}.ResourceId", target.resource_id, f"a target other than {other}'s")
            return
        self.target_of_id[logical_id] = target
        self.groups[_key(target)] = target

    def _tag_map(self, tags: list[dict[str, str]] | None, where: str) -> dict[str, str] | _Invalid | None:
        if tags is None:
            return None
        result: dict[str, str] = {}
        for index, tag in enumerate(tags):
            if tag["Key"] in result:
                return self.reader.add(f"{where}[{index}].Key", tag["Key"], "a key no other tag has")
            result[tag["Key"]] = tag["Value"]
        return result

    def name_policies(self, logical_ids: Iterable[str]) -> None:
        names = _Names(_UNSAFE_IN_VARIABLES, "_")
        for logical_id in logical_ids:
            self.variables[logical_id] = "policy_arn_" + names.allocate(logical_id, "policy")

    def add_policy(self, logical_id: str, properties: Mapping[str, Any]) -> None:
        where = f"Resources.{logical_id}.Properties"
        read = self.reader.read_object(properties, _SCALING_POLICY, where, 0)
        if isinstance(read, _Invalid):
            return
        key = self._policy_target(properties, read, where)
        policy_type = read["PolicyType"]
        configuration_key = _CONFIGURATION_OF_TYPE.get(policy_type)
        if configuration_key is None:
            self.reader.add(f"{where}.PolicyType", policy_type, "TargetTrackingScaling or StepScaling")
            return
        for other in _CONFIGURATION_OF_TYPE.values():
            if other != configuration_key and other in read:
                self.reader.add(f"{where}.{other}", properties[other], f"nothing with PolicyType {policy_type}")
        if configuration_key not in read:
            self.reader.add(f"{where}.{configuration_key}", _NOTHING, f"an object (required with {policy_type})")
            return
        if "PolicyName" not in read and not _is_policy_name(logical_id):
            self.reader.add(
                f"{where}.PolicyName",
                _NOTHING,
                f"{POLICY_NAME_RULE} (required: the logical id, which export names a policy by otherwise, is not one)",
            )
            return
        if key is None:
            return
        policy = ExportedPolicy(
            logical_id=logical_id,
            policy_name=read.get("PolicyName", logical_id),
            policy_type=policy_type,
            configuration=read[configuration_key],
            arn_variable=self.variables[logical_id],
        )
        self.policies.setdefault(key, []).append(policy)
        if key not in self.groups:
            self.groups[key] = ExportedTarget(
                logical_id=None, service_namespace=key[0], resource_id=key[1], scalable_dimension=key[2]
            )

    def _policy_target(
        self, properties: Mapping[str, Any], read: Mapping[str, Any], where: str
    ) -> tuple[str, str, str] | None:
        """The (namespace, resource id, dimension) a policy scales, or ``None`` with a problem recorded."""
        named = [name for name in ("ServiceNamespace", "ResourceId", "ScalableDimension") if name in read]
        reference = properties.get("ScalingTargetId")
        if "ScalingTargetId" not in read:
            if len(named) == 3:
                return (read["ServiceNamespace"], read["ResourceId"], read["ScalableDimension"])
            self.reader.add(
                f"{where}.ScalingTargetId",
                _NOTHING,
                "a Ref to a scalable target, or else ResourceId, ScalableDimension and ServiceNamespace",
            )
            return None
        if named:
            self.reader.add(f"{where}.{named[0]}", read[named[0]], "nothing when ScalingTargetId is given")
            return None
        if isinstance(reference, dict) and set(reference) == {"Ref"} and reference["Ref"] in self.target_of_id:
            return _key(self.target_of_id[reference["Ref"]])
        if (
            isinstance(reference, dict)
            and set(reference) == {"Ref"}
            and _is_type(self.resources.get(reference["Ref"]), SCALABLE_TARGET_RESOURCE_TYPE)
        ):
            return None  # the target's own problems are reported
        if isinstance(reference, str) and reference.count("|") == 2 and all(reference.split("|")):
            resource_id, dimension, namespace = reference.split("|")
            return (namespace, resource_id, dimension)
        self.reader.add(
            f"{where}.ScalingTargetId",
            reference,
            "a Ref to a scalable target of the template, or its id 'resource-id|dimension|namespace'",
        )
        return None

    def add_alarm(self, logical_id: str, properties: Mapping[str, Any]) -> None:
        """Read an alarm whose actions include policies of the template; ignore any other alarm."""
        linked: list[str] = []
        copied = dict(properties)
        for name in _ACTION_LISTS:
            if name not in copied:
                continue
            actions = copied[name]
            if isinstance(actions, list):
                copied[name] = [self._action(action, linked) for action in actions]
            else:
                self._action(actions, linked)  # not a list: reported when the alarm is read
        if not linked:
            return
        where = f"Resources.{logical_id}.Properties"
        read = self.reader.read_object(copied, _ALARM, where, 0)
        if isinstance(read, _Invalid):
            return
        read.setdefault("AlarmName", logical_id)
        read = {"AlarmName": read.pop("AlarmName"), **read}
        policies = tuple(dict.fromkeys(linked))
        alarm = ExportedAlarm(logical_id=logical_id, params=read, policies=policies)
        for policy in policies:
            self.alarms.setdefault(policy, []).append(alarm)

    def _action(self, action: Any, linked: list[str]) -> Any:
        policy = self._policy_of(action)
        if policy is None:
            return action
        linked.append(policy)
        return ShellVariable("$" + self.variables[policy])

    def _policy_of(self, action: Any) -> str | None:
        """The policy an alarm action names by ``Ref`` or ``Fn::GetAtt [Policy, Arn]``, if any."""
        if not is_intrinsic(action):
            return None
        ((name, argument),) = action.items()
        if name == "Ref":
            candidate = argument
        elif name == "Fn::GetAtt" and isinstance(argument, list) and len(argument) == 2 and argument[1] == "Arn":
            candidate = argument[0]
        elif name == "Fn::GetAtt" and isinstance(argument, str) and argument.endswith(".Arn"):
            candidate = argument.removesuffix(".Arn")
        else:
            return None
        return candidate if isinstance(candidate, str) and candidate in self.variables else None

    def targets(self) -> list[ExportedTarget]:
        """Each target with its policies, each policy with the alarms among whose actions it is."""
        return [
            dataclasses.replace(
                group,
                policies=tuple(
                    dataclasses.replace(policy, alarms=tuple(self.alarms.get(policy.logical_id, ())))
                    for policy in self.policies.get(key, [])
                ),
            )
            for key, group in self.groups.items()
        ]


def _is_policy_name(name: str) -> bool:
    """Whether ``name`` is a ``PolicyName`` Application Auto Scaling accepts."""
    return len(name) <= MAX_NAME_LENGTH and POLICY_NAME_PATTERN.fullmatch(name) is not None


def _key(target: ExportedTarget) -> tuple[str, str, str]:
    return (target.service_namespace, target.resource_id, target.scalable_dimension)


def _is_type(resource: Any, resource_type: str) -> bool:
    return isinstance(resource, dict) and resource.get("Type") == resource_type

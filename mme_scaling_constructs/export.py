"""Read the scaling out of a synthesized template, and export it for the AWS CLI.

For teams that review or apply scaling outside CloudFormation: each scalable target becomes
a ``register-scalable-target`` command (with ``put-scheduled-action`` for its schedules), each
policy a configuration JSON file and a ``put-scaling-policy`` command, and each alarm of a
step policy a ``put-metric-alarm`` input JSON and command.
CloudFormation references that only resolve at deployment are written as ``${...}``
placeholders, e.g. ``${MmeEndpoint1234.EndpointName}``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mme_scaling_constructs.constants import TARGET_TRACKING_POLICY_TYPE

SCALABLE_TARGET_TYPE: Final = "AWS::ApplicationAutoScaling::ScalableTarget"
SCALING_POLICY_TYPE: Final = "AWS::ApplicationAutoScaling::ScalingPolicy"
ALARM_TYPE: Final = "AWS::CloudWatch::Alarm"


@dataclass(frozen=True, kw_only=True)
class ExportedPolicy:
    """A scaling policy of a template.

    Args:
        logical_id: the policy's logical id.
        policy_name: its ``PolicyName``, placeholders rendered.
        policy_type: ``TargetTrackingScaling`` or ``StepScaling``.
        configuration: its policy configuration, placeholders rendered.
        alarms: for a step policy, the CloudWatch alarms that trigger it, in the
            ``aws cloudwatch put-metric-alarm`` input format without ``AlarmActions``.
    """

    logical_id: str
    policy_name: str
    policy_type: str
    configuration: dict[str, Any]
    alarms: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, kw_only=True)
class ExportedTarget:
    """A scalable target of a template, with its policies.

    Args:
        logical_id: the target's logical id.
        service_namespace: e.g. ``sagemaker``.
        resource_id: e.g. ``endpoint/${Endpoint.EndpointName}/variant/AllTraffic``.
        scalable_dimension: e.g. ``sagemaker:variant:DesiredInstanceCount``.
        min_capacity: the lowest capacity.
        max_capacity: the highest capacity.
        policies: the policies attached to the target.
        scheduled_actions: the target's ``ScheduledActions``, placeholders rendered.
        suspended_state: the target's ``SuspendedState``, or ``None``.
    """

    logical_id: str
    service_namespace: str
    resource_id: str
    scalable_dimension: str
    min_capacity: Any
    max_capacity: Any
    policies: tuple[ExportedPolicy, ...]
    scheduled_actions: tuple[dict[str, Any], ...] = ()
    suspended_state: dict[str, Any] | None = None

    @property
    def endpoint_and_variant(self) -> tuple[str, str]:
        """Endpoint and variant names read from a SageMaker resource id."""
        parts = self.resource_id.split("/")
        if len(parts) == 4 and parts[0] == "endpoint" and parts[2] == "variant":
            return parts[1], parts[3]
        return self.resource_id, ""


def render(value: Any) -> Any:
    """``value`` with CloudFormation intrinsics replaced by readable ``${...}`` placeholders."""
    if isinstance(value, list):
        return [render(item) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return f"${{{value['Ref']}}}"
    if set(value) == {"Fn::GetAtt"}:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    if set(value) == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(str(render(part)) for part in parts)
    return {key: render(item) for key, item in value.items()}


def scaling_in_template(template: Mapping[str, Any]) -> list[ExportedTarget]:
    """Every scalable target in ``template`` with the policies attached to it.

    Raises:
        ValueError: if ``template`` has no ``Resources`` mapping.
    """
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        raise ValueError("the template has no Resources section")
    alarms = _alarms_by_policy(resources)
    policies: dict[str, list[ExportedPolicy]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != SCALING_POLICY_TYPE:
            continue
        properties = resource.get("Properties", {})
        target_ref = properties.get("ScalingTargetId", {})
        target_id = target_ref.get("Ref") if isinstance(target_ref, dict) else None
        configuration = properties.get("TargetTrackingScalingPolicyConfiguration") or properties.get(
            "StepScalingPolicyConfiguration", {}
        )
        policies.setdefault(str(target_id), []).append(
            ExportedPolicy(
                logical_id=logical_id,
                policy_name=str(render(properties.get("PolicyName", logical_id))),
                policy_type=properties.get("PolicyType", ""),
                configuration=render(configuration),
                alarms=tuple(alarms.get(logical_id, [])),
            )
        )
    return [
        ExportedTarget(
            logical_id=logical_id,
            service_namespace=properties.get("ServiceNamespace", ""),
            resource_id=str(render(properties.get("ResourceId", ""))),
            scalable_dimension=properties.get("ScalableDimension", ""),
            min_capacity=render(properties.get("MinCapacity")),
            max_capacity=render(properties.get("MaxCapacity")),
            policies=tuple(policies.get(logical_id, [])),
            scheduled_actions=tuple(render(properties.get("ScheduledActions", []))),
            suspended_state=render(properties.get("SuspendedState")),
        )
        for logical_id, resource in resources.items()
        if resource.get("Type") == SCALABLE_TARGET_TYPE
        for properties in [resource.get("Properties", {})]
    ]


def _alarms_by_policy(resources: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Alarm properties (named after their logical id) by the logical id of the policy they trigger."""
    found: dict[str, list[dict[str, Any]]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != ALARM_TYPE:
            continue
        properties = dict(resource.get("Properties", {}))
        actions = properties.pop("AlarmActions", [])
        properties.setdefault("AlarmName", logical_id)
        for action in actions:
            if isinstance(action, dict) and "Ref" in action:
                found.setdefault(action["Ref"], []).append(render(properties))
    return found


def cli_commands(target: ExportedTarget, files: Mapping[str, str]) -> list[str]:
    """The shell lines of AWS CLI commands that apply ``target``, its policies and their alarms.

    A step policy's ARN, printed by ``put-scaling-policy``, is kept in a shell variable and
    given to ``aws cloudwatch put-metric-alarm`` as the alarm action.

    Args:
        target: the scalable target.
        files: file name of each policy configuration and alarm JSON, by logical id (alarms
            by their ``AlarmName``).
    """
    where = [
        "--service-namespace",
        target.service_namespace,
        "--resource-id",
        target.resource_id,
        "--scalable-dimension",
        target.scalable_dimension,
    ]
    suspended = [] if target.suspended_state is None else ["--suspended-state", _compact(target.suspended_state)]
    commands = [
        _command(
            "register-scalable-target",
            *where,
            "--min-capacity",
            str(target.min_capacity),
            "--max-capacity",
            str(target.max_capacity),
            *suspended,
        )
    ]
    for action in target.scheduled_actions:
        optional = [
            (option, action[key])
            for option, key in (("--timezone", "Timezone"), ("--start-time", "StartTime"), ("--end-time", "EndTime"))
            if key in action
        ]
        commands.append(
            _command(
                "put-scheduled-action",
                *where,
                "--scheduled-action-name",
                action["ScheduledActionName"],
                "--schedule",
                action["Schedule"],
                "--scalable-target-action",
                _compact(action.get("ScalableTargetAction", {})),
                *(item for pair in optional for item in pair),
            )
        )
    for policy in target.policies:
        option = (
            "--target-tracking-scaling-policy-configuration"
            if policy.policy_type == TARGET_TRACKING_POLICY_TYPE
            else "--step-scaling-policy-configuration"
        )
        put = _command(
            "put-scaling-policy",
            "--policy-name",
            policy.policy_name,
            "--policy-type",
            policy.policy_type,
            *where,
            option,
            f"file://{files[policy.logical_id]}",
        )
        if not policy.alarms:
            commands.append(put)
            continue
        variable = f"policy_arn_{policy.logical_id}"
        commands.append(f"{variable}=$({put} --query PolicyARN --output text)")
        for alarm in policy.alarms:
            alarm_input = f"file://{files[alarm['AlarmName']]}"
            arguments = ["aws", "cloudwatch", "put-metric-alarm", "--cli-input-json", alarm_input, "--alarm-actions"]
            commands.append(f'{shlex.join(arguments)} "${variable}"')
    return commands


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _command(verb: str, *arguments: str) -> str:
    return shlex.join(["aws", "application-autoscaling", verb, *arguments])


def write_export(template: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Write each policy's JSON and one ``commands.sh`` into ``out_dir``; return the files.

    Raises:
        ValueError: if ``template`` has no ``Resources`` mapping.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    lines = [
        "#!/usr/bin/env bash",
        "# Applies the scaling of the template with the AWS CLI. Replace each ${...} placeholder first.",
        "set -euo pipefail",
    ]
    for target in scaling_in_template(template):
        documents = {policy.logical_id: policy.configuration for policy in target.policies}
        documents.update({alarm["AlarmName"]: alarm for policy in target.policies for alarm in policy.alarms})
        files = {}
        for name, document in documents.items():
            path = out_dir / f"{name}.json"
            path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
            files[name] = path.name
            written.append(path)
        lines.extend(cli_commands(target, files))
    script = out_dir / "commands.sh"
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    written.append(script)
    return written

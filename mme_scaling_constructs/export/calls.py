"""The AWS API calls that apply the scaling read from a template."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mme_scaling_constructs.constants import APPLICATION_AUTOSCALING_CLI_SERVICE, CLOUDWATCH_CLI_SERVICE
from mme_scaling_constructs.export.exported import ExportedTarget, ShellVariable
from mme_scaling_constructs.export.names import _UNSAFE_IN_FILE_NAMES, MANIFEST_NAME, _Names
from mme_scaling_constructs.export.shapes import _CONFIGURATION_OF_TYPE


@dataclass(frozen=True, kw_only=True)
class ApiCall:
    """One AWS API call of the export, and how ``commands.sh`` passes its parameters.

    Args:
        service: the AWS CLI service, ``application-autoscaling`` or ``cloudwatch``.
        operation: the API operation, e.g. ``PutScalingPolicy``.
        params: its parameters, as the API takes them.
        files: file name of each parameter passed as ``file://`` JSON; defaults to none.
        input_file: file name of the ``--cli-input-json`` document, which holds every
            parameter without a shell variable; defaults to ``None`` (no input file).
        result_variable: shell variable that keeps the ``PolicyARN`` the call prints;
            defaults to ``None``.
    """

    service: str
    operation: str
    params: dict[str, Any]
    files: Mapping[str, str] = field(default_factory=dict)
    input_file: str | None = None
    result_variable: str | None = None

    def documents(self) -> dict[str, Any]:
        """The JSON documents the call reads, by file name."""
        documents = {name: self.params[parameter] for parameter, name in self.files.items()}
        if self.input_file is not None:
            documents[self.input_file] = {
                name: value for name, value in self.params.items() if not _has_shell_variable(value)
            }
        return documents


def _has_shell_variable(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(item, ShellVariable) for item in value)


def api_calls(targets: Sequence[ExportedTarget]) -> list[ApiCall]:
    """The calls that apply ``targets``, in order: each target, its schedules, its policies.

    An alarm follows the last of the policies among its actions, whose ARNs it reads from
    shell variables.
    """
    files = _Names(_UNSAFE_IN_FILE_NAMES, "-", {MANIFEST_NAME.removesuffix(".json").lower()})
    calls: list[ApiCall] = []
    done_policies: set[str] = set()
    done_alarms: set[str] = set()
    for target in targets:
        if target.logical_id is not None:
            params: dict[str, Any] = {
                **target.where,
                "MinCapacity": target.min_capacity,
                "MaxCapacity": target.max_capacity,
            }
            if target.suspended_state is not None:
                params["SuspendedState"] = target.suspended_state
            if target.tags is not None:
                params["Tags"] = target.tags
            calls.append(
                ApiCall(service=APPLICATION_AUTOSCALING_CLI_SERVICE, operation="RegisterScalableTarget", params=params)
            )
        for action in target.scheduled_actions:
            order = ("ScheduledActionName", "Schedule", "ScalableTargetAction", "Timezone", "StartTime", "EndTime")
            params = {**target.where, **{key: action[key] for key in order if key in action}}
            calls.append(
                ApiCall(service=APPLICATION_AUTOSCALING_CLI_SERVICE, operation="PutScheduledAction", params=params)
            )
        for policy in target.policies:
            configuration_key = _CONFIGURATION_OF_TYPE[policy.policy_type]
            params = {
                "PolicyName": policy.policy_name,
                "PolicyType": policy.policy_type,
                **target.where,
                configuration_key: policy.configuration,
            }
            calls.append(
                ApiCall(
                    service=APPLICATION_AUTOSCALING_CLI_SERVICE,
                    operation="PutScalingPolicy",
                    params=params,
                    files={configuration_key: files.allocate(policy.logical_id, "policy") + ".json"},
                    result_variable=policy.arn_variable if policy.alarms else None,
                )
            )
            done_policies.add(policy.logical_id)
            for alarm in policy.alarms:
                if alarm.logical_id in done_alarms or not set(alarm.policies) <= done_policies:
                    continue
                done_alarms.add(alarm.logical_id)
                calls.append(
                    ApiCall(
                        service=CLOUDWATCH_CLI_SERVICE,
                        operation="PutMetricAlarm",
                        params=alarm.params,
                        input_file=files.allocate(alarm.params["AlarmName"], "alarm") + ".json",
                    )
                )
    return calls


def deregister_calls(targets: Sequence[ExportedTarget]) -> list[ApiCall]:
    """The calls that remove the scaling of ``targets``: ``DeregisterScalableTarget`` for each.

    Deregistering a target also deletes its scaling policies and scheduled actions. This is
    what SageMaker requires before the instance type of a scaled variant can change.
    """
    return [
        ApiCall(
            service=APPLICATION_AUTOSCALING_CLI_SERVICE, operation="DeregisterScalableTarget", params=dict(target.where)
        )
        for target in targets
        if target.logical_id is not None
    ]

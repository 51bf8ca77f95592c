"""What export reads from a template: scalable targets, their policies and their alarms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ShellVariable(str):
    """A parameter value the script reads from a shell variable, e.g. ``$policy_arn_Upper``.

    Step policies keep the ARN ``put-scaling-policy`` prints in a variable, and their alarms
    use it as an action.
    """

    @property
    def name(self) -> str:
        """The variable's name, without ``$``."""
        return self[1:]


@dataclass(frozen=True, kw_only=True)
class ExportedAlarm:
    """A CloudWatch alarm that triggers step policies.

    Args:
        logical_id: the alarm's logical id.
        params: its ``PutMetricAlarm`` parameters; each policy action is a :class:`ShellVariable`.
        policies: logical ids of the policies among its actions.
    """

    logical_id: str
    params: dict[str, Any]
    policies: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ExportedPolicy:
    """A scaling policy of a template.

    Args:
        logical_id: the policy's logical id.
        policy_name: its ``PolicyName`` (the logical id when it has none).
        policy_type: ``TargetTrackingScaling`` or ``StepScaling``.
        configuration: its policy configuration, placeholders rendered.
        arn_variable: the shell variable that keeps its ARN in ``commands.sh``.
        alarms: the CloudWatch alarms that trigger it; defaults to none.
    """

    logical_id: str
    policy_name: str
    policy_type: str
    configuration: dict[str, Any]
    arn_variable: str
    alarms: tuple[ExportedAlarm, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ExportedTarget:
    """A scalable target, with the policies and scheduled actions that apply to it.

    Args:
        logical_id: the target's logical id, or ``None`` when the template only has policies
            that name it by ``ResourceId``, ``ScalableDimension`` and ``ServiceNamespace``
            (it is registered elsewhere).
        service_namespace: e.g. ``sagemaker``.
        resource_id: e.g. ``endpoint/${Endpoint.EndpointName}/variant/AllTraffic``.
        scalable_dimension: e.g. ``sagemaker:variant:DesiredInstanceCount``.
        min_capacity: the lowest capacity, a number or a placeholder; ``None`` with no logical id.
        max_capacity: the highest capacity, likewise.
        policies: the policies attached to the target; defaults to none.
        scheduled_actions: its ``ScheduledActions``, placeholders rendered; defaults to none.
        suspended_state: its ``SuspendedState``; defaults to ``None``.
        tags: its tags as a map; defaults to ``None``.
    """

    logical_id: str | None
    service_namespace: str
    resource_id: str
    scalable_dimension: str
    min_capacity: int | str | None = None
    max_capacity: int | str | None = None
    policies: tuple[ExportedPolicy, ...] = ()
    scheduled_actions: tuple[dict[str, Any], ...] = ()
    suspended_state: dict[str, Any] | None = None
    tags: dict[str, str] | None = None

    @property
    def endpoint_and_variant(self) -> tuple[str, str]:
        """Endpoint and variant names read from a SageMaker resource id."""
        parts = self.resource_id.split("/")
        if len(parts) == 4 and parts[0] == "endpoint" and parts[2] == "variant":
            return parts[1], parts[3]
        return self.resource_id, ""

    @property
    def where(self) -> dict[str, str]:
        """The parameters that name the target in every Application Auto Scaling call."""
        return {
            "ServiceNamespace": self.service_namespace,
            "ResourceId": self.resource_id,
            "ScalableDimension": self.scalable_dimension,
        }

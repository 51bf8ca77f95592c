"""Read the scaling out of a synthesized template, and export it for the AWS CLI.

For teams that review or apply scaling outside CloudFormation. Each scalable target becomes a
``RegisterScalableTarget`` call (with ``PutScheduledAction`` for its schedules), each policy a
``PutScalingPolicy`` call whose configuration goes to a JSON file, and each alarm of a step
policy a CloudWatch ``PutMetricAlarm`` call whose input goes to a JSON file. The calls are
built as data (:class:`ApiCall`: service, operation, parameters) and rendered as AWS CLI
command lines in ``commands.sh``, which runs from any working directory. A target's ``RoleARN``
is not exported: Application Auto Scaling uses its service-linked role.

Values that CloudFormation only knows at deployment become ``${...}`` placeholder strings:

- ``Ref`` and ``Fn::GetAtt`` use the ``Fn::Sub`` syntax: ``${MinCapacityParameter}``,
  ``${AWS::Region}``, ``${Endpoint1234.EndpointName}``.
- ``Fn::Sub`` and ``Fn::Join`` become their text, with the placeholders of their parts.
- ``Fn::Select`` and ``Fn::Split`` are evaluated when their arguments are written in the
  template.
- Every other function becomes ``${Function(arguments)}``, e.g.
  ``${ImportValue(SharedEndpoint)}`` or ``${If(IsProduction, 4, 2)}``.

A placeholder can stand wherever a string, a number, a boolean or a timestamp goes; in a number
or boolean slot the user replaces it, quotes included in JSON files, before running the script.
An intrinsic function where an object or a list goes cannot be rendered and is reported.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import os
import re
import reprlib
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from mme_scaling_constructs.constants import STEP_SCALING_POLICY_TYPE, TARGET_TRACKING_POLICY_TYPE
from mme_scaling_constructs.errors import ConfigurationError, Problem, Problems

SCALABLE_TARGET_TYPE: Final = "AWS::ApplicationAutoScaling::ScalableTarget"
SCALING_POLICY_TYPE: Final = "AWS::ApplicationAutoScaling::ScalingPolicy"
ALARM_TYPE: Final = "AWS::CloudWatch::Alarm"

#: The AWS CLI services of the exported calls.
APPLICATION_AUTOSCALING: Final = "application-autoscaling"
CLOUDWATCH: Final = "cloudwatch"

#: The script ``export`` writes, and the manifest listing every file it wrote.
SCRIPT_NAME: Final = "commands.sh"
MANIFEST_NAME: Final = "mme-scaling-export.json"
MANIFEST_MARKER: Final = "mme-scaling export"
#: The shell variable ``commands.sh`` sets to its own directory.
HERE_VARIABLE: Final = "here"

#: Values nested deeper than this in a scaling resource are reported instead of read.
MAX_DEPTH: Final = 32
#: Capacities, cooldowns, periods and adjustments are 32-bit integers in AWS's APIs.
MIN_INT32: Final = -(2**31)
MAX_INT32: Final = 2**31 - 1
#: File names are cut to this many characters before ``.json``.
MAX_STEM_LENGTH: Final = 100

_CONFIGURATION_OF_TYPE: Final = {
    TARGET_TRACKING_POLICY_TYPE: "TargetTrackingScalingPolicyConfiguration",
    STEP_SCALING_POLICY_TYPE: "StepScalingPolicyConfiguration",
}
_ACTION_LISTS: Final = ("AlarmActions", "OKActions", "InsufficientDataActions")
_NO_VALUE: Final = {"Ref": "AWS::NoValue"}
_UNSAFE_IN_FILE_NAMES: Final = re.compile(r"[^A-Za-z0-9_-]+")
_UNSAFE_IN_VARIABLES: Final = re.compile(r"[^A-Za-z0-9_]+")
_SUB_VARIABLE: Final = re.compile(r"\$\{([^!}][^}]*)\}")
#: Arguments shown without quotes in a placeholder: no separators, brackets, quotes or outer spaces.
_BARE_ARGUMENT: Final = re.compile(r"[^\s,()\[\]{}\"]([^,()\[\]{}\"]*[^\s,()\[\]{}\"])?")
_INTEGER_TEXT: Final = re.compile(r"-?[0-9]+")
_NUMBER_TEXT: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CALENDAR_DATE: Final = re.compile(r"[0-9]{4}-?[0-9]{2}-?[0-9]{2}([T ].*)?")
_FIRST_CAP: Final = re.compile(r"(.)([A-Z][a-z]+)")
_END_CAP: Final = re.compile(r"([a-z0-9])([A-Z])")
_PLURAL_ACRONYM: Final = re.compile(r"[A-Z]{2,}s\Z")


class _Invalid:
    """A value that could not be read; its problem is already recorded."""


_INVALID: Final = _Invalid()


class _Nothing:
    def __repr__(self) -> str:
        return "nothing"


#: Shown as the value of a required field that is absent.
_NOTHING: Final = _Nothing()

_SHORT: Final = reprlib.Repr()
_SHORT.maxlevel = 3
_SHORT.maxstring = 80
_SHORT.maxother = 80


class _Shown:
    """A template value in a message, abbreviated so that the message stays one short line."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return _SHORT.repr(self.value)


class ShellVariable(str):
    """A parameter value the script reads from a shell variable, e.g. ``$policy_arn_Upper``.

    Step policies keep the ARN ``put-scaling-policy`` prints in a variable, and their alarms
    use it as an action.
    """

    @property
    def name(self) -> str:
        """The variable's name, without ``$``."""
        return self[1:]


class OutputConflict(Exception):
    """``export`` would overwrite or follow a file it did not write."""


# --- What is read: the scaling of a template ---------------------------------------------


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


# --- The shapes export reads ------------------------------------------------------------
# CloudFormation names these properties as the APIs name their parameters. Each shape follows
# botocore's model of the call (application-autoscaling RegisterScalableTarget, PutScalingPolicy,
# PutScheduledAction; cloudwatch PutMetricAlarm): strings are non-empty unless the model allows
# an empty one (descriptions, labels, tag values), counts start at 1 where the model says so,
# capacities and cooldowns at 0.


@dataclass(frozen=True)
class _Scalar:
    """A string, integer, double, boolean or timestamp; ``minimum``: least string length or integer."""

    kind: str
    minimum: int = 1

    def describe(self) -> str:
        if self.kind == "string":
            return "a non-empty string" if self.minimum else "a string"
        if self.kind == "integer":
            return f"a whole number from {max(self.minimum, MIN_INT32)} to {MAX_INT32}"
        if self.kind == "double":
            return "a finite number"
        if self.kind == "boolean":
            return "true or false"
        return "an ISO 8601 date and time, e.g. 2025-01-31T08:00:00Z"


@dataclass(frozen=True)
class _Object:
    """An object with these fields (no other), of which ``required`` must be present."""

    fields: Mapping[str, _Scalar | _Object | _List]
    required: tuple[str, ...] = ()

    def describe(self) -> str:
        return "an object"


@dataclass(frozen=True)
class _List:
    """A list of ``item``, at least ``min_items`` long."""

    item: _Scalar | _Object | _List
    min_items: int = 0

    def describe(self) -> str:
        return "a list" if not self.min_items else f"a list of at least {self.min_items}"


_Spec = _Scalar | _Object | _List

_STRING = _Scalar("string")
_TEXT = _Scalar("string", 0)
_INTEGER = _Scalar("integer", MIN_INT32)
_COUNT = _Scalar("integer", 1)
_NON_NEGATIVE = _Scalar("integer", 0)
_NUMBER = _Scalar("double")
_BOOLEAN = _Scalar("boolean")
_TIMESTAMP = _Scalar("timestamp")

_DIMENSIONS = _List(_Object({"Name": _STRING, "Value": _STRING}, ("Name", "Value")))
_TAGS = _List(_Object({"Key": _STRING, "Value": _TEXT}, ("Key", "Value")))
_METRIC = _Object({"Dimensions": _DIMENSIONS, "MetricName": _STRING, "Namespace": _STRING})

_SCALABLE_TARGET = _Object(
    {
        "ServiceNamespace": _STRING,
        "ResourceId": _STRING,
        "ScalableDimension": _STRING,
        "MinCapacity": _NON_NEGATIVE,
        "MaxCapacity": _NON_NEGATIVE,
        "RoleARN": _STRING,
        "ScheduledActions": _List(
            _Object(
                {
                    "ScheduledActionName": _STRING,
                    "Schedule": _STRING,
                    "Timezone": _STRING,
                    "StartTime": _TIMESTAMP,
                    "EndTime": _TIMESTAMP,
                    "ScalableTargetAction": _Object({"MinCapacity": _NON_NEGATIVE, "MaxCapacity": _NON_NEGATIVE}),
                },
                ("ScheduledActionName", "Schedule"),
            )
        ),
        "SuspendedState": _Object(
            {
                "DynamicScalingInSuspended": _BOOLEAN,
                "DynamicScalingOutSuspended": _BOOLEAN,
                "ScheduledScalingSuspended": _BOOLEAN,
            }
        ),
        "Tags": _TAGS,
    },
    ("ServiceNamespace", "ResourceId", "ScalableDimension", "MinCapacity", "MaxCapacity"),
)

_TARGET_TRACKING = _Object(
    {
        "TargetValue": _NUMBER,
        "PredefinedMetricSpecification": _Object(
            {"PredefinedMetricType": _STRING, "ResourceLabel": _STRING}, ("PredefinedMetricType",)
        ),
        "CustomizedMetricSpecification": _Object(
            {
                "MetricName": _STRING,
                "Namespace": _STRING,
                "Dimensions": _DIMENSIONS,
                "Statistic": _STRING,
                "Unit": _STRING,
                "Metrics": _List(
                    _Object(
                        {
                            "Id": _STRING,
                            "Expression": _STRING,
                            "Label": _TEXT,
                            "ReturnData": _BOOLEAN,
                            "MetricStat": _Object(
                                {"Metric": _METRIC, "Stat": _STRING, "Unit": _STRING}, ("Metric", "Stat")
                            ),
                        },
                        ("Id",),
                    )
                ),
            }
        ),
        "ScaleInCooldown": _NON_NEGATIVE,
        "ScaleOutCooldown": _NON_NEGATIVE,
        "DisableScaleIn": _BOOLEAN,
    },
    ("TargetValue",),
)

_STEP_SCALING = _Object(
    {
        "AdjustmentType": _STRING,
        "StepAdjustments": _List(
            _Object(
                {
                    "MetricIntervalLowerBound": _NUMBER,
                    "MetricIntervalUpperBound": _NUMBER,
                    "ScalingAdjustment": _INTEGER,
                },
                ("ScalingAdjustment",),
            )
        ),
        "MinAdjustmentMagnitude": _NON_NEGATIVE,
        "Cooldown": _NON_NEGATIVE,
        "MetricAggregationType": _STRING,
    }
)

_SCALING_POLICY = _Object(
    {
        "PolicyName": _STRING,
        "PolicyType": _STRING,
        "ScalingTargetId": _STRING,
        "ResourceId": _STRING,
        "ScalableDimension": _STRING,
        "ServiceNamespace": _STRING,
        "TargetTrackingScalingPolicyConfiguration": _TARGET_TRACKING,
        "StepScalingPolicyConfiguration": _STEP_SCALING,
    },
    ("PolicyType",),
)

_ALARM = _Object(
    {
        "AlarmName": _STRING,
        "AlarmDescription": _TEXT,
        "ActionsEnabled": _BOOLEAN,
        "OKActions": _List(_STRING),
        "AlarmActions": _List(_STRING),
        "InsufficientDataActions": _List(_STRING),
        "MetricName": _STRING,
        "Namespace": _STRING,
        "Statistic": _STRING,
        "ExtendedStatistic": _STRING,
        "Dimensions": _DIMENSIONS,
        "Period": _COUNT,
        "Unit": _STRING,
        "EvaluationPeriods": _COUNT,
        "DatapointsToAlarm": _COUNT,
        "Threshold": _NUMBER,
        "ComparisonOperator": _STRING,
        "TreatMissingData": _STRING,
        "EvaluateLowSampleCountPercentile": _STRING,
        "Metrics": _List(
            _Object(
                {
                    "Id": _STRING,
                    "MetricStat": _Object(
                        {"Metric": _METRIC, "Period": _COUNT, "Stat": _STRING, "Unit": _STRING},
                        ("Metric", "Period", "Stat"),
                    ),
                    "Expression": _STRING,
                    "Label": _TEXT,
                    "ReturnData": _BOOLEAN,
                    "Period": _COUNT,
                    "AccountId": _STRING,
                },
                ("Id",),
            )
        ),
        "Tags": _TAGS,
        "ThresholdMetricId": _STRING,
        "EvaluationWindow": _Object({"WallClockWindow": _Object({"Timezone": _STRING}), "SlidingWindow": _Object({})}),
        "WarmUpConfiguration": _Object(
            {"WarmUpPeriodDurationInMinutes": _COUNT, "OnlyStartEvaluatingAfterWarmUpPeriodEnds": _BOOLEAN},
            ("WarmUpPeriodDurationInMinutes",),
        ),
        "EvaluationCriteria": _Object(
            {
                "PromQLCriteria": _Object(
                    {"Query": _STRING, "PendingPeriod": _NON_NEGATIVE, "RecoveryPeriod": _NON_NEGATIVE}, ("Query",)
                )
            }
        ),
        "EvaluationInterval": _Scalar("integer", 10),
        "ActionConfiguration": _Object(
            {
                "AlarmTagsPropagation": _Object(
                    {"Enabled": _BOOLEAN, "IncludedTagKeys": _List(_STRING, 1), "ExcludedTagKeys": _List(_STRING, 1)},
                    ("Enabled",),
                )
            }
        ),
    }
)


# --- Reading -----------------------------------------------------------------------------


def is_intrinsic(value: Any) -> bool:
    """Whether ``value`` is a CloudFormation intrinsic function: ``{"Ref": ...}`` or ``{"Fn::...": ...}``."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (name,) = value
    return isinstance(name, str) and (name == "Ref" or name.startswith("Fn::"))


def _is_no_value(value: Any) -> bool:
    return bool(value == _NO_VALUE)


def _has_placeholder(value: str) -> bool:
    return "${" in value


class _Reader:
    """Reads template values into API values, recording every problem with its path."""

    def __init__(self) -> None:
        self.problems = Problems("template")

    def add(self, where: str, value: Any, allowed: str) -> _Invalid:
        self.problems.add(where, value if value is _NOTHING else _Shown(value), allowed)
        return _INVALID

    def too_deep(self, where: str, value: Any, depth: int) -> bool:
        if depth <= MAX_DEPTH:
            return False
        self.add(where, value, f"a value nested at most {MAX_DEPTH} levels deep")
        return True

    # Intrinsic functions as text.

    def text(self, value: Any, where: str, depth: int) -> str | _Invalid:
        """A string, or the text of an intrinsic function that yields one."""
        if self.too_deep(where, value, depth):
            return _INVALID
        if isinstance(value, str):
            return value
        if is_intrinsic(value):
            return self.function_text(value, where, depth)
        return self.add(where, value, "a string or an intrinsic function")

    def function_text(self, value: dict[str, Any], where: str, depth: int) -> str | _Invalid:
        """The text an intrinsic function renders as: its value when known, else a placeholder."""
        ((name, argument),) = value.items()
        path = f"{where}.{name}"
        if name == "Ref":
            if isinstance(argument, str) and argument:
                return "${" + argument + "}"
            return self.add(path, argument, "the name of a parameter, resource or pseudo parameter")
        if name == "Fn::GetAtt":
            return self._get_att(argument, path, depth)
        if name == "Fn::Sub":
            return self._sub(argument, path, depth)
        if name == "Fn::Join":
            return self._join(value, argument, path, depth)
        if name == "Fn::Select":
            return self._select(value, argument, path, depth)
        if name == "Fn::Split" and not (isinstance(argument, list) and len(argument) == 2):
            return self.add(path, argument, "[a delimiter string, a string to split]")
        return self.call_text(value, where, depth)

    def call_text(self, value: dict[str, Any], where: str, depth: int) -> str | _Invalid:
        """``${Function(arguments)}`` for an intrinsic function whose value is only known at deployment."""
        ((name, argument),) = value.items()
        arguments = argument if isinstance(argument, list) else [argument]
        parts = [self.argument_text(item, where, depth + 1) for item in arguments]
        if any(part is _INVALID for part in parts):
            return _INVALID
        return "${" + name.removeprefix("Fn::") + "(" + ", ".join(str(part) for part in parts) + ")}"

    def argument_text(self, value: Any, where: str, depth: int) -> str | _Invalid:
        """Any template value as text, for the arguments of a placeholder."""
        if self.too_deep(where, value, depth):
            return _INVALID
        if isinstance(value, str):
            return value if _BARE_ARGUMENT.fullmatch(value) else json.dumps(value)
        if is_intrinsic(value):
            return self.function_text(value, where, depth)
        if isinstance(value, list):
            items = [self.argument_text(item, where, depth + 1) for item in value]
            if any(item is _INVALID for item in items):
                return _INVALID
            return "[" + ", ".join(str(item) for item in items) + "]"
        if isinstance(value, dict):
            members = {key: self.argument_text(item, where, depth + 1) for key, item in value.items()}
            if any(item is _INVALID for item in members.values()):
                return _INVALID
            return "{" + ", ".join(f"{key}: {item}" for key, item in members.items()) + "}"
        return json.dumps(value)

    def _get_att(self, argument: Any, path: str, depth: int) -> str | _Invalid:
        allowed = "[a logical id, an attribute name] or 'LogicalId.Attribute'"
        if isinstance(argument, str):
            resource, dot, attribute = argument.partition(".")
            if resource and dot and attribute:
                return "${" + argument + "}"
            return self.add(path, argument, allowed)
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) and argument[0]:
            attribute_text = self.text(argument[1], path, depth + 1)
            if attribute_text is _INVALID:
                return _INVALID
            return "${" + argument[0] + "." + str(attribute_text) + "}"
        return self.add(path, argument, allowed)

    def _sub(self, argument: Any, path: str, depth: int) -> str | _Invalid:
        if isinstance(argument, str):
            return argument
        if (
            isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], dict)
        ):
            variables = {key: self.text(item, f"{path}[1].{key}", depth + 1) for key, item in argument[1].items()}
            if any(item is _INVALID for item in variables.values()):
                return _INVALID

            def substitute(match: re.Match[str]) -> str:
                return str(variables.get(match[1], match[0]))

            return _SUB_VARIABLE.sub(substitute, argument[0])
        return self.add(path, argument, "a string, or [a string, an object of variables]")

    def _join(self, value: dict[str, Any], argument: Any, path: str, depth: int) -> str | _Invalid:
        allowed = "[a delimiter string, a list of strings]"
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            return self.add(path, argument, allowed)
        items = self.literal_list(argument[1], f"{path}[1]", depth + 1)
        if items is None:
            return self.call_text(value, path, depth)
        if isinstance(items, _Invalid):
            return self.add(path, argument, allowed) if items is _NOT_A_LIST else _INVALID
        parts = [self.text(item, f"{path}[1][{index}]", depth + 1) for index, item in enumerate(items)]
        if any(part is _INVALID for part in parts):
            return _INVALID
        return argument[0].join(str(part) for part in parts)

    def _select(self, value: dict[str, Any], argument: Any, path: str, depth: int) -> str | _Invalid:
        allowed = "[an index, a list]"
        if not (isinstance(argument, list) and len(argument) == 2):
            return self.add(path, argument, allowed)
        index, source = argument
        items = self.literal_list(source, f"{path}[1]", depth + 1)
        if isinstance(items, _Invalid):
            return self.add(path, argument, allowed) if items is _NOT_A_LIST else _INVALID
        literal_index = _literal_index(index)
        if items is None or literal_index is None:
            if is_intrinsic(index) or literal_index is not None:
                return self.call_text(value, path, depth)
            return self.add(f"{path}[0]", index, "a whole number from 0, or an intrinsic function")
        if literal_index >= len(items):
            return self.add(f"{path}[0]", index, f"an index below {len(items)}, the length of the list")
        return self.text(items[literal_index], f"{path}[1][{literal_index}]", depth + 1)

    def literal_list(self, value: Any, where: str, depth: int) -> list[Any] | _Invalid | None:
        """The items of a list written in the template (or split from a written string).

        ``None`` when the list is only known at deployment; ``_NOT_A_LIST`` when ``value`` is
        no list at all (the caller reports it).
        """
        if self.too_deep(where, value, depth):
            return _INVALID
        if isinstance(value, list):
            return value
        if not is_intrinsic(value):
            return _NOT_A_LIST
        ((name, argument),) = value.items()
        if name != "Fn::Split":
            return None
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) and argument[0]):
            self.add(f"{where}.Fn::Split", argument, "[a non-empty delimiter string, a string to split]")
            return _INVALID
        delimiter, source = argument
        if isinstance(source, str):
            return source.split(delimiter)
        if is_intrinsic(source):
            return None
        self.add(f"{where}.Fn::Split[1]", source, "a string or an intrinsic function")
        return _INVALID

    # Typed values.

    def read(self, value: Any, spec: _Spec, where: str, depth: int) -> Any:
        """``value`` read as ``spec``: the API value, or ``_INVALID`` with its problem recorded."""
        if self.too_deep(where, value, depth):
            return _INVALID
        if isinstance(spec, _Scalar):
            return self._scalar(value, spec, where, depth)
        if isinstance(spec, _List):
            return self._list(value, spec, where, depth)
        return self.read_object(value, spec, where, depth)

    def _cannot_render(self, value: Any, spec: _Spec, where: str) -> _Invalid:
        return self.add(
            where,
            value,
            f"{spec.describe()} written in the template (an intrinsic function can stand only for a string, "
            "a number, a boolean or a timestamp)",
        )

    def read_object(self, value: Any, spec: _Object, where: str, depth: int) -> dict[str, Any] | _Invalid:
        if is_intrinsic(value):
            return self._cannot_render(value, spec, where)
        if not isinstance(value, dict):
            return self.add(where, value, spec.describe())
        result: dict[str, Any] = {}
        valid = True
        for key, item in value.items():
            path = f"{where}.{key}"
            member = spec.fields.get(key)
            if member is None:
                valid = False
                known = ", ".join(sorted(spec.fields)) or "none"
                self.add(path, item, f"no field of that name (fields: {known})")
                continue
            if _is_no_value(item):
                continue
            read = self.read(item, member, path, depth + 1)
            if read is _INVALID:
                valid = False
            else:
                result[key] = read
        for key in spec.required:
            if key not in value or _is_no_value(value[key]):
                valid = False
                self.add(f"{where}.{key}", _NOTHING, f"{spec.fields[key].describe()} (required)")
        return result if valid else _INVALID

    def _list(self, value: Any, spec: _List, where: str, depth: int) -> list[Any] | _Invalid:
        items = self.literal_list(value, where, depth)
        if items is None:
            return self._cannot_render(value, spec, where)
        if items is _NOT_A_LIST:
            return self.add(where, value, spec.describe())
        if isinstance(items, _Invalid):
            return _INVALID
        present = [(index, item) for index, item in enumerate(items) if not _is_no_value(item)]
        if len(present) < spec.min_items:
            return self.add(where, value, spec.describe())
        read = [self.read(item, spec.item, f"{where}[{index}]", depth + 1) for index, item in present]
        return _INVALID if any(item is _INVALID for item in read) else read

    def _scalar(self, value: Any, spec: _Scalar, where: str, depth: int) -> Any:
        if is_intrinsic(value):
            rendered = self.function_text(value, where, depth)
            if isinstance(rendered, _Invalid):
                return rendered
            value = rendered
        if spec.kind == "string":
            if isinstance(value, str) and len(value) >= spec.minimum:
                return value
        elif isinstance(value, str) and _has_placeholder(value):
            return value
        elif spec.kind == "integer":
            number = _whole_number(value)
            if number is not None and max(spec.minimum, MIN_INT32) <= number <= MAX_INT32:
                return number
        elif spec.kind == "double":
            real = _finite_number(value)
            if real is not None:
                return real
        elif spec.kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
        elif isinstance(value, str) and _is_timestamp(value):
            return value
        return self.add(where, value, spec.describe())


class _NotAList(_Invalid):
    """A value given where a list goes that is no list (the caller reports it)."""


_NOT_A_LIST: Final = _NotAList()


def _literal_index(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value) and len(value) <= 20:
        return int(value)
    return None


def _finite_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) <= 2**1023 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value) and len(value) <= 400:
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _is_timestamp(value: str) -> bool:
    """Whether ``value`` is an ISO 8601 calendar date and time (botocore reads no week dates)."""
    if not _CALENDAR_DATE.fullmatch(value):
        return False
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


@dataclass
class _Names:
    """Unique, safe names: never a path separator, ``..``, a leading dot or dash, or a reserved name."""

    pattern: re.Pattern[str]
    separator: str
    taken: set[str] = field(default_factory=set)

    def allocate(self, wanted: str, fallback: str) -> str:
        stem = self.pattern.sub("_", wanted).strip("_-")[:MAX_STEM_LENGTH] or fallback
        candidate, number = stem, 1
        while candidate.lower() in self.taken:
            number += 1
            candidate = f"{stem}{self.separator}{number}"
        self.taken.add(candidate.lower())
        return candidate


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
        if resource["Type"] not in (SCALABLE_TARGET_TYPE, SCALING_POLICY_TYPE, ALARM_TYPE):
            continue
        properties = resource.get("Properties", {})
        if not isinstance(properties, dict):
            reader.add(f"{where}.Properties", properties, "an object")
            continue
        by_type.setdefault(resource["Type"], []).append((logical_id, properties))
    scaling = _Scaling(reader, resources)
    for logical_id, properties in by_type.get(SCALABLE_TARGET_TYPE, []):
        scaling.add_target(logical_id, properties)
    policies = by_type.get(SCALING_POLICY_TYPE, [])
    scaling.name_policies(logical_id for logical_id, _ in policies)
    for logical_id, properties in policies:
        scaling.add_policy(logical_id, properties)
    for logical_id, properties in by_type.get(ALARM_TYPE, []):
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
            and _is_type(self.resources.get(reference["Ref"]), SCALABLE_TARGET_TYPE)
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


def _key(target: ExportedTarget) -> tuple[str, str, str]:
    return (target.service_namespace, target.resource_id, target.scalable_dimension)


def _is_type(resource: Any, resource_type: str) -> bool:
    return isinstance(resource, dict) and resource.get("Type") == resource_type


# --- API calls and their AWS CLI rendering -----------------------------------------------


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


def option_name(parameter: str) -> str:
    """The AWS CLI option of an API parameter: ``--`` and its kebab case (``RoleARN`` -> ``--role-arn``)."""
    return "--" + _kebab(parameter)


def _kebab(name: str) -> str:
    """The AWS CLI name of an API name, as botocore's ``xform_name(name, "-")`` makes it."""
    acronym = _PLURAL_ACRONYM.search(name)
    if acronym is not None:
        name = f"{name[: -len(acronym.group())]}-{acronym.group().lower()}"
    return _END_CAP.sub(r"\1-\2", _FIRST_CAP.sub(r"\1-\2", name)).lower()


class _FileArgument(str):
    """A ``file://`` argument, resolved against the script's own directory."""


def command_line(call: ApiCall) -> str:
    """``call`` as an AWS CLI command line, without the shell variable that keeps its result.

    Structures go inline as compact JSON, or as ``"file://$here/<file>"`` when the call names
    a file for them; lists of strings as separate words; a shell variable in double quotes; a
    value that starts with ``-`` as ``--option=value``.
    """
    words: list[str] = ["aws", call.service, _kebab(call.operation)]
    if call.input_file is not None:
        words += ["--cli-input-json", _FileArgument(call.input_file)]
    for parameter, value in call.params.items():
        if call.input_file is not None and not _has_shell_variable(value):
            continue
        option = option_name(parameter)
        if parameter in call.files:
            words += [option, _FileArgument(call.files[parameter])]
        elif isinstance(value, bool):
            words.append(option if value else f"--no-{option[2:]}")
        elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            words += [option, *value]
        elif isinstance(value, (dict, list)):
            words += [option, json.dumps(value, separators=(",", ":"), sort_keys=True)]
        elif str(value).startswith("-"):
            words.append(f"{option}={value}")  # the AWS CLI would read a separate "-..." word as an option
        else:
            words += [option, str(value)]
    if call.result_variable is not None:
        words += ["--query", "PolicyARN", "--output", "text"]
    return " ".join(_shell_word(word) for word in words)


def _shell_word(word: str) -> str:
    if isinstance(word, _FileArgument):
        return f'"file://${HERE_VARIABLE}/{word}"'
    if isinstance(word, ShellVariable):
        return f'"{word}"'
    return shlex.quote(word)


def script_line(call: ApiCall) -> str:
    """The line of ``commands.sh`` that makes ``call``."""
    line = command_line(call)
    return line if call.result_variable is None else f"{call.result_variable}=$({line})"


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
            calls.append(ApiCall(service=APPLICATION_AUTOSCALING, operation="RegisterScalableTarget", params=params))
        for action in target.scheduled_actions:
            order = ("ScheduledActionName", "Schedule", "ScalableTargetAction", "Timezone", "StartTime", "EndTime")
            params = {**target.where, **{key: action[key] for key in order if key in action}}
            calls.append(ApiCall(service=APPLICATION_AUTOSCALING, operation="PutScheduledAction", params=params))
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
                    service=APPLICATION_AUTOSCALING,
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
                        service=CLOUDWATCH,
                        operation="PutMetricAlarm",
                        params=alarm.params,
                        input_file=files.allocate(alarm.params["AlarmName"], "alarm") + ".json",
                    )
                )
    return calls


def script(calls: Sequence[ApiCall]) -> str:
    """``commands.sh``: the calls as AWS CLI commands, runnable from any working directory."""
    lines = [
        "#!/usr/bin/env bash",
        "# Applies the scaling of a CloudFormation template with the AWS CLI.",
        "# Replace each ${...} placeholder in this script and in the JSON files first: in number and",
        "# boolean slots, put a number or true/false (in JSON files, without the quotes).",
        "set -euo pipefail",
        f'{HERE_VARIABLE}=$(CDPATH="" cd -- "$(dirname -- "${{BASH_SOURCE[0]}}")" && pwd)',
    ]
    lines.extend(script_line(call) for call in calls)
    return "\n".join(lines) + "\n"


# --- Writing -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ExportPlan:
    """What ``export`` writes for a template.

    Args:
        calls: the API calls, in the order ``commands.sh`` makes them.
        documents: each JSON document, by file name.
        script: the text of ``commands.sh``.
    """

    calls: tuple[ApiCall, ...]
    documents: dict[str, Any]
    script: str

    def files(self) -> dict[str, str]:
        """The text of every file, by name: the JSON documents, then ``commands.sh``."""
        texts = {
            name: json.dumps(document, indent=2, sort_keys=True) + "\n" for name, document in self.documents.items()
        }
        texts[SCRIPT_NAME] = self.script
        return texts


def plan_export(template: Any) -> ExportPlan:
    """The calls, JSON documents and script that export ``template``.

    Raises:
        ConfigurationError: listing every problem of the template.
    """
    calls = api_calls(scaling_in_template(template))
    documents = {name: document for call in calls for name, document in call.documents().items()}
    return ExportPlan(calls=tuple(calls), documents=documents, script=script(calls))


def write_export(template: Any, out_dir: Path) -> list[Path]:
    """Write each JSON document and ``commands.sh`` into ``out_dir``; return the files written.

    ``out_dir`` is created if needed. A manifest, ``mme-scaling-export.json``, lists the files
    export wrote: only those are overwritten, and those an earlier export wrote that this one
    does not are removed. Nothing is written outside ``out_dir`` and no symbolic link is followed.

    Raises:
        ConfigurationError: listing every problem of the template; nothing is written.
        OutputConflict: naming a file in ``out_dir`` that export did not write, or a symbolic
            link, where export would write; nothing is written.
        OSError: when ``out_dir`` cannot be created or written.
    """
    texts = plan_export(template).files()
    previous = _previous_files(out_dir)
    for name in texts:
        _check_writable(out_dir / name, name in previous)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / MANIFEST_NAME
    existing = {name for name in previous if (out_dir / name).exists()}
    _write(manifest, _manifest_text(sorted(existing | set(texts))))
    written = []
    for name, text in texts.items():
        path = out_dir / name
        _write(path, text)
        written.append(path)
    (out_dir / SCRIPT_NAME).chmod(0o755)
    for name in sorted(previous - set(texts)):
        stale = out_dir / name
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
    _write(manifest, _manifest_text(list(texts)))
    return [*written, manifest]


def _manifest_text(names: Sequence[str]) -> str:
    return json.dumps({"writtenBy": MANIFEST_MARKER, "files": list(names)}, indent=2) + "\n"


def _previous_files(out_dir: Path) -> set[str]:
    """The files an earlier export wrote into ``out_dir``, read from its manifest."""
    manifest = out_dir / MANIFEST_NAME
    if not manifest.exists() and not manifest.is_symlink():
        return set()
    _check_writable(manifest, True)
    refusal = f"{manifest}: exists and is not a manifest of mme-scaling export; move it away or choose another --out"
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise OutputConflict(refusal) from None
    if (
        not isinstance(document, dict)
        or document.get("writtenBy") != MANIFEST_MARKER
        or not isinstance(names := document.get("files"), list)
        or not all(isinstance(name, str) and _is_own_file_name(name) for name in names)
    ):
        raise OutputConflict(refusal)
    return set(names)


def _is_own_file_name(name: str) -> bool:
    """Whether ``name`` is a name export writes: a safe stem with ``.json``, or the script."""
    return name == SCRIPT_NAME or (
        name.endswith(".json")
        and name != MANIFEST_NAME
        and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name.removesuffix(".json")) is not None
    )


def _check_writable(path: Path, written_before: bool) -> None:
    if path.is_symlink():
        raise OutputConflict(f"{path}: is a symbolic link; export does not write through links")
    if path.exists() and (not written_before or not path.is_file()):
        raise OutputConflict(
            f"{path}: exists and was not written by mme-scaling export (it is not in {MANIFEST_NAME}); "
            "move it away or choose another --out"
        )


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` without following a symbolic link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o644)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)

"""The shapes export reads, mirroring botocore's models of the calls.

CloudFormation names these properties as the APIs name their parameters. Each shape follows
botocore's model of the call (application-autoscaling RegisterScalableTarget, PutScalingPolicy,
PutScheduledAction; cloudwatch PutMetricAlarm): strings are non-empty unless the model allows
an empty one (descriptions, labels, tag values), counts start at 1 where the model says so,
capacities and cooldowns at 0. Names that go into ``commands.sh`` follow the model's patterns:
``PolicyName`` and ``ScheduledActionName``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mme_scaling_constructs.constants import STEP_SCALING_POLICY_TYPE, TARGET_TRACKING_POLICY_TYPE

#: Capacities, cooldowns, periods and adjustments are 32-bit integers in AWS's APIs.
MIN_INT32: Final = -(2**31)
MAX_INT32: Final = 2**31 - 1

#: The configuration parameter of each policy type in ``PutScalingPolicy``.
_CONFIGURATION_OF_TYPE: Final = {
    TARGET_TRACKING_POLICY_TYPE: "TargetTrackingScalingPolicyConfiguration",
    STEP_SCALING_POLICY_TYPE: "StepScalingPolicyConfiguration",
}


#: ``PolicyName`` (botocore application-autoscaling, shape ``PolicyName``): 1 to 256 characters
#: matching ``\p{Print}+``, Java's printable ASCII class (space to ``~``).
POLICY_NAME_PATTERN: Final = re.compile(r"[\x20-\x7e]+")
POLICY_NAME_RULE: Final = "1 to 256 printable ASCII characters"
#: ``ScheduledActionName`` (botocore, shape ``ScheduledActionName``): 1 to 256 characters, no ``:``,
#: ``/``, ``|`` or control characters (C0, DEL, C1, and the line separators Java's ``.`` does not
#: match), no leading or trailing space; lone surrogates cannot be encoded as UTF-8.
ACTION_NAME_PATTERN: Final = re.compile(r"(?! )[^:/|\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+(?<! )")
ACTION_NAME_RULE: Final = (
    "1 to 256 characters without ':', '/' or '|', no control characters, and no leading or trailing spaces"
)
#: The longest policy and scheduled action names.
MAX_NAME_LENGTH: Final = 256


@dataclass(frozen=True)
class _Scalar:
    """A string, integer, double, boolean or timestamp; ``minimum``: least string length or integer.

    A string may also have a ``pattern`` (matched outside its ``${...}`` placeholders), a
    ``max_length`` (checked when it has no placeholder) and the ``rule`` that states both, which
    a string that breaks them is told.
    """

    kind: str
    minimum: int = 1
    pattern: re.Pattern[str] | None = None
    max_length: int | None = None
    rule: str | None = None

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
_POLICY_NAME = _Scalar("string", pattern=POLICY_NAME_PATTERN, max_length=MAX_NAME_LENGTH, rule=POLICY_NAME_RULE)
_ACTION_NAME = _Scalar("string", pattern=ACTION_NAME_PATTERN, max_length=MAX_NAME_LENGTH, rule=ACTION_NAME_RULE)

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
                    "ScheduledActionName": _ACTION_NAME,
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
        "PolicyName": _POLICY_NAME,
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

"""Step scaling on a CloudWatch metric: capacity changes by how far the metric is out of bounds.

Rendered with the CDK ``StepScalingPolicy``, which creates the CloudWatch alarms and the
step policies for each direction. AWS advises against mixing step and target-tracking
policies on one target, which can make capacity flap; a warning says so.
https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html
"""

from __future__ import annotations

import enum
import itertools
import math
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.metrics import MetricSpec, as_metric_spec, cloudwatch_unit, convert_metric
from mme_scaling_constructs.validation import (
    MAX_INT32,
    MIN_CAPACITY_RULE,
    check_construct_name,
    check_cooldown,
    check_instance_of,
    check_whole_number,
    is_number,
    is_token,
)

#: CDK accepts 2 to 40 intervals; Application Auto Scaling allows 20 adjustments per policy
#: by default.
MIN_STEPS: Final = 2
MAX_STEPS: Final = 20


class AdjustmentType(enum.Enum):
    """How a step's ``change`` is applied to the instance count."""

    #: Add ``change`` instances (negative removes).
    CHANGE_IN_CAPACITY = appscaling.AdjustmentType.CHANGE_IN_CAPACITY
    #: Add ``change`` percent of the current count.
    PERCENT_CHANGE_IN_CAPACITY = appscaling.AdjustmentType.PERCENT_CHANGE_IN_CAPACITY
    #: Set the count to ``change``.
    EXACT_CAPACITY = appscaling.AdjustmentType.EXACT_CAPACITY


#: A step policy's alarm periods: one minute, the granularity of MME metrics; CloudWatch
#: evaluates at most one day of periods (EvaluationPeriods x Period <= 86400 s).
ALARM_PERIOD_SECONDS: Final = 60
MAX_EVALUATION_PERIODS: Final = 86_400 // ALARM_PERIOD_SECONDS
BOUND_RULE: Final = "a literal finite number >= 0, or None (CDK sets alarm thresholds at synthesis from 0 upwards)"


@dataclass(frozen=True, kw_only=True)
class ScalingStep:
    """One interval of metric values and the adjustment applied inside it.

    Args:
        change: the adjustment, a whole number, read by the policy's ``adjustment_type``.
        lower: inclusive lower bound, >= 0; defaults to ``None``: derived from the
            neighbouring step.
        upper: exclusive upper bound; defaults to ``None``: derived from the neighbouring step.

    Raises:
        ConfigurationError: naming each invalid argument.
    """

    change: int
    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        problems = Problems("ScalingStep")
        if not (isinstance(self.change, int) and not isinstance(self.change, bool) and abs(self.change) <= MAX_INT32):
            problems.add("change", self.change, f"a literal whole number from -{MAX_INT32} to {MAX_INT32}")
        valid = [
            bound is None or (is_number(bound) and not is_token(bound) and bound >= 0)
            for bound in (self.lower, self.upper)
        ]
        for parameter, bound, is_valid in zip(("lower", "upper"), (self.lower, self.upper), valid, strict=True):
            if not is_valid:
                problems.add(parameter, bound, BOUND_RULE)
        if self.lower is None and self.upper is None:
            problems.add("lower", None, "a lower bound, an upper bound or both")
        elif all(valid) and self.lower is not None and self.upper is not None and not self.lower < self.upper:
            problems.add("upper", self.upper, f"a bound above lower ({self.lower})")
        problems.raise_if_any()


@dataclass(frozen=True, kw_only=True)
class StepScalingSpec:
    """A step-scaling policy on a metric of the variant.

    The steps follow CDK's ``StepScalingPolicy``: unbounded ends reach 0 and infinity, gaps and
    steps with no change form the no-change interval, of which there is at most one; below it
    is the scale-in alarm, above it the scale-out alarm.

    Args:
        metric: a :class:`MetricSpec` (dimensions default to the variant's) or a CDK
            ``cloudwatch.Metric``.
        steps: 2 to 20 :class:`ScalingStep` values, e.g. scale in by 1 below 20 and out by 2
            above 80.
        name: construct id; defaults to ``"StepScaling"``.
        adjustment_type: defaults to :attr:`AdjustmentType.CHANGE_IN_CAPACITY`.
        cooldown: defaults to ``None``: no cooldown.
        evaluation_periods: one-minute periods the alarm evaluates, 1 to 1440; defaults to 1.
        datapoints_to_alarm: breaching periods needed; defaults to ``None``: all of them.

    Raises:
        ConfigurationError: naming each invalid argument.
    """

    metric: MetricSpec | cloudwatch.Metric
    steps: tuple[ScalingStep, ...]
    name: str = "StepScaling"
    adjustment_type: AdjustmentType = AdjustmentType.CHANGE_IN_CAPACITY
    cooldown: Duration | None = None
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None

    def __post_init__(self) -> None:
        problems = Problems("StepScalingSpec")
        metric = convert_metric(problems, "metric", self.metric)
        if metric is not None:
            object.__setattr__(self, "metric", metric)
            if metric.unit is not None and is_token(metric.unit):
                problems.add(
                    "metric.unit", metric.unit, "a literal CloudWatch unit name: CDK alarms need it at synthesis"
                )
        steps = self.steps
        if isinstance(steps, (list, tuple)) and all(isinstance(step, ScalingStep) for step in steps):
            object.__setattr__(self, "steps", tuple(steps))
            if not MIN_STEPS <= len(steps) <= MAX_STEPS:
                problems.add("steps", f"{len(steps)} steps", f"{MIN_STEPS} to {MAX_STEPS} steps")
            elif check_instance_of(
                problems, "adjustment_type", self.adjustment_type, AdjustmentType, "an AdjustmentType member"
            ):
                _check_steps(problems, self.steps, self.adjustment_type)
        else:
            problems.add("steps", steps, f"a tuple of {MIN_STEPS} to {MAX_STEPS} ScalingStep values")
            check_instance_of(
                problems, "adjustment_type", self.adjustment_type, AdjustmentType, "an AdjustmentType member"
            )
        check_cooldown(problems, "cooldown", self.cooldown)
        check_construct_name(problems, "name", self.name)
        _check_alarm_periods(problems, self.evaluation_periods, self.datapoints_to_alarm)
        problems.raise_if_any()

    @property
    def construct_id(self) -> str:
        """The ``name``; the step policies' construct ids."""
        return self.name

    def cloudwatch_metric(self, *, endpoint_name: str, variant_name: str) -> cloudwatch.Metric:
        """The CDK metric for the variant, at one-minute periods."""
        metric = as_metric_spec(self.metric)
        return cloudwatch.Metric(
            namespace=metric.namespace,
            metric_name=metric.metric_name,
            dimensions_map=metric.dimensions_for(endpoint_name=endpoint_name, variant_name=variant_name),
            statistic=metric.statistic,
            unit=None if metric.unit is None else cloudwatch_unit(metric.unit),
            period=Duration.seconds(ALARM_PERIOD_SECONDS),
        )

    def scaling_intervals(self) -> list[appscaling.ScalingInterval]:
        """The steps as CDK intervals."""
        return [appscaling.ScalingInterval(change=s.change, lower=s.lower, upper=s.upper) for s in self.steps]


def _check_alarm_periods(problems: Problems, periods: Any, points: Any) -> None:
    rule = f"a whole number from 1 to {MAX_EVALUATION_PERIODS} (one day of one-minute periods)"
    if not check_whole_number(problems, "evaluation_periods", periods, rule, maximum=MAX_EVALUATION_PERIODS):
        return
    if points is None:
        return
    points_rule = f"a whole number from 1 to evaluation_periods ({periods})"
    check_whole_number(problems, "datapoints_to_alarm", points, points_rule, maximum=periods)


@dataclass
class _Interval:
    lower: float | None
    upper: float | None
    change: int | None
    index: int | None


def _check_steps(problems: Problems, steps: tuple[ScalingStep, ...], adjustment_type: AdjustmentType) -> None:
    """Changes in range, and a layout CDK's ``StepScalingPolicy`` can turn into alarms.

    Mirrors CDK's ``normalizeIntervals`` (aws-autoscaling-common ``interval-utils``), so that a
    layout CDK would reject is reported here, naming the step.
    """
    for index, step in enumerate(steps):
        if adjustment_type is AdjustmentType.PERCENT_CHANGE_IN_CAPACITY and step.change < -100:
            problems.add(f"steps[{index}].change", step.change, "a percentage of at least -100")
        if adjustment_type is AdjustmentType.EXACT_CAPACITY and step.change < 1:
            problems.add(f"steps[{index}].change", step.change, MIN_CAPACITY_RULE)
    ordered = sorted(
        (_Interval(s.lower, s.upper, s.change, i) for i, s in enumerate(steps)),
        key=lambda x: x.lower if x.lower is not None else x.upper,  # type: ignore[arg-type,return-value]
    )
    for before, after in itertools.pairwise(ordered):
        if before.upper is not None and after.lower is None:
            after.lower = before.upper
    for before, after in itertools.pairwise(reversed(ordered)):
        if before.lower is not None and after.upper is None:
            after.upper = before.lower
    ordered[0].lower = 0 if ordered[0].lower is None else ordered[0].lower
    ordered[-1].upper = math.inf if ordered[-1].upper is None else ordered[-1].upper
    for interval in ordered:
        if interval.lower is None or interval.upper is None:
            problems.add(
                f"steps[{interval.index}]",
                steps[interval.index],  # type: ignore[index]
                "a step whose open bound a neighbouring step closes",
            )
            return
    for before, after in itertools.pairwise(ordered):
        if before.upper > after.lower:  # type: ignore[operator]
            problems.add(
                f"steps[{after.index}]",
                steps[after.index],  # type: ignore[index]
                f"a step that does not overlap steps[{before.index}]",
            )
            return
    _check_single_no_change_interval(problems, ordered, adjustment_type)


def _check_single_no_change_interval(
    problems: Problems, ordered: list[_Interval], adjustment_type: AdjustmentType
) -> None:
    absolute = adjustment_type is AdjustmentType.EXACT_CAPACITY
    complete: list[_Interval] = []
    edge = 0.0
    for interval in [*ordered, _Interval(math.inf, math.inf, None, None)]:
        assert interval.lower is not None and interval.upper is not None
        if edge < interval.lower:
            complete.append(_Interval(edge, interval.lower, None, None))
        if interval.index is not None:
            no_change = interval.change == 0 and not absolute
            complete.append(_Interval(interval.lower, interval.upper, None if no_change else interval.change, None))
        edge = interval.upper
    runs = [is_gap for is_gap, _ in itertools.groupby(x.change is None for x in complete) if is_gap]
    if len(runs) > 1:
        problems.add(
            "steps",
            ", ".join(f"[{x.lower:g}, {x.upper:g}): {x.change}" for x in complete if x.change is not None),
            "steps that leave one no-change interval (gaps and steps of change 0 count): "
            "scale-in steps below it, scale-out steps above it",
        )
    if all(x.change is None for x in complete):
        problems.add("steps", "no step changes capacity", "at least one step with a change other than 0")

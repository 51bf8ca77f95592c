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
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch

from mme_scaling_constructs.errors import Problems
from mme_scaling_constructs.metrics import MetricSpec, as_metric_spec, cloudwatch_unit
from mme_scaling_constructs.validation import (
    MIN_CAPACITY_RULE,
    WHOLE_NUMBER_RULE,
    check_construct_name,
    check_cooldown,
    check_whole_number,
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


@dataclass(frozen=True, kw_only=True)
class ScalingStep:
    """One interval of metric values and the adjustment applied inside it.

    Args:
        change: the adjustment, read by the policy's ``adjustment_type``.
        lower: inclusive lower bound; defaults to ``None``: derived from the neighbouring step.
        upper: exclusive upper bound; defaults to ``None``: derived from the neighbouring step.
    """

    change: int
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True, kw_only=True)
class StepScalingSpec:
    """A step-scaling policy on a metric of the variant.

    Args:
        metric: a :class:`MetricSpec` (dimensions default to the variant's) or a CDK
            ``cloudwatch.Metric``.
        steps: 2 to 20 intervals, e.g. scale in by 1 below 20 and out by 2 above 80.
        name: construct id; defaults to ``"StepScaling"``.
        adjustment_type: defaults to :attr:`AdjustmentType.CHANGE_IN_CAPACITY`.
        cooldown: defaults to ``None``: no cooldown.
        evaluation_periods: one-minute periods the alarm evaluates; defaults to 1.
        datapoints_to_alarm: breaching periods needed; defaults to ``None``: all of them.
    """

    metric: MetricSpec | cloudwatch.Metric
    steps: tuple[ScalingStep, ...]
    name: str = "StepScaling"
    adjustment_type: AdjustmentType = AdjustmentType.CHANGE_IN_CAPACITY
    cooldown: Duration | None = None
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "metric", as_metric_spec(self.metric))
        object.__setattr__(self, "steps", tuple(self.steps))
        problems = Problems("StepScalingSpec")
        if not MIN_STEPS <= len(self.steps) <= MAX_STEPS:
            problems.add("steps", f"{len(self.steps)} steps", f"{MIN_STEPS} to {MAX_STEPS} steps")
        _check_steps(problems, self.steps, self.adjustment_type)
        check_cooldown(problems, "cooldown", self.cooldown)
        check_construct_name(problems, "name", self.name)
        if check_whole_number(problems, "evaluation_periods", self.evaluation_periods, WHOLE_NUMBER_RULE):
            periods = self.evaluation_periods
            points = self.datapoints_to_alarm
            if points is not None and not is_token(points):
                check_whole_number(
                    problems, "datapoints_to_alarm", points, f"a whole number from 1 to evaluation_periods ({periods})"
                )
                if isinstance(points, int) and points > periods:
                    problems.add(
                        "datapoints_to_alarm", points, f"a whole number from 1 to evaluation_periods ({periods})"
                    )
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
            period=Duration.minutes(1),
        )

    def scaling_intervals(self) -> list[appscaling.ScalingInterval]:
        """The steps as CDK intervals."""
        return [appscaling.ScalingInterval(change=s.change, lower=s.lower, upper=s.upper) for s in self.steps]


def _check_steps(problems: Problems, steps: tuple[ScalingStep, ...], adjustment_type: AdjustmentType) -> None:
    """Each step bounded on at least one side, bounds in order, no overlaps, changes in range."""
    for index, step in enumerate(steps):
        if step.lower is None and step.upper is None:
            problems.add(f"steps[{index}]", step, "a step with a lower bound, an upper bound or both")
        elif step.lower is not None and step.upper is not None and not step.lower < step.upper:
            problems.add(f"steps[{index}]", step, "a lower bound below the upper bound")
        if adjustment_type is AdjustmentType.PERCENT_CHANGE_IN_CAPACITY and not -100 <= step.change <= 100:
            problems.add(f"steps[{index}].change", step.change, "a percentage from -100 to 100")
        if adjustment_type is AdjustmentType.EXACT_CAPACITY and step.change < 1:
            problems.add(
                f"steps[{index}].change",
                step.change,
                MIN_CAPACITY_RULE,
            )
    bounded = sorted(
        (
            (-math.inf if s.lower is None else s.lower, math.inf if s.upper is None else s.upper, i)
            for i, s in enumerate(steps)
            if s.lower is not None or s.upper is not None
        ),
    )
    for (_, upper, first), (lower, _, second) in itertools.pairwise(bounded):
        if upper > lower:
            problems.add(f"steps[{second}]", steps[second], f"a step that does not overlap steps[{first}]")

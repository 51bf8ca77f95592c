"""Step scaling, scheduled actions and suspended state on the scalable target."""

import datetime

import pytest
from aws_cdk import Duration
from aws_cdk.assertions import Match

from mme_scaling_constructs import (
    AdjustmentType,
    ConfigurationError,
    EndpointScaling,
    InvocationsPerInstancePolicy,
    MetricSpec,
    ScalingPreset,
    ScalingStep,
    ScheduledScaling,
    StepScalingSpec,
    SuspendedState,
)

CPU = MetricSpec(metric_name="CPUUtilization", unit="Percent")
STEPS = (ScalingStep(upper=80, change=-1), ScalingStep(lower=320, change=2))


def scale(stack, preset):
    return EndpointScaling(stack, "Scaling", endpoint_name="my-endpoint", instance_type="ml.c5.xlarge", preset=preset)


def test_step_scaling_creates_alarms_on_the_variant_metric(stack, synth):
    spec = StepScalingSpec(
        metric=CPU, steps=STEPS, cooldown=Duration.minutes(3), evaluation_periods=3, datapoints_to_alarm=2
    )
    scaling = scale(stack, ScalingPreset.custom(spec))
    template = synth(stack)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 2)
    template.resource_count_is("AWS::CloudWatch::Alarm", 2)
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "StepScaling",
            "StepScalingPolicyConfiguration": Match.object_like(
                {
                    "AdjustmentType": "ChangeInCapacity",
                    "Cooldown": 180,
                    "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 2}],
                }
            ),
        },
    )
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "Threshold": 320,
            "MetricName": "CPUUtilization",
            "Namespace": "/aws/sagemaker/Endpoints",
            "Dimensions": [
                {"Name": "EndpointName", "Value": "my-endpoint"},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            "Statistic": "Average",
            "Unit": "Percent",
            "Period": 60,
            "EvaluationPeriods": 3,
            "DatapointsToAlarm": 2,
        },
    )
    assert len(scaling.step_scaling_policies) == 1
    assert scaling.scaling_policies == ()


def test_mixing_step_and_target_tracking_warns(stack, warnings_of):
    scale(stack, ScalingPreset.custom(InvocationsPerInstancePolicy(), StepScalingSpec(metric=CPU, steps=STEPS)))
    assert len(warnings_of(stack, "mixes step scaling and target")) == 1


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"steps": (ScalingStep(upper=1, change=1),)}, "steps: got '1 steps'; allowed: 2 to 20 steps"),
        (
            {"steps": (ScalingStep(lower=0, upper=50, change=1), ScalingStep(lower=40, upper=90, change=2))},
            "steps[1]: got ScalingStep(change=2, lower=40, upper=90); allowed: a step that does not overlap steps[0]",
        ),
        (
            {
                "steps": (ScalingStep(upper=20, change=0), ScalingStep(lower=80, change=6)),
                "adjustment_type": AdjustmentType.EXACT_CAPACITY,
            },
            "steps[0].change: got 0; allowed: a whole number from 1 to 2147483647 (a multi-model endpoint variant "
            "cannot scale to zero)",
        ),
        (
            {"steps": STEPS, "adjustment_type": AdjustmentType.PERCENT_CHANGE_IN_CAPACITY, "name": "Pct"},
            None,
        ),
        (
            {
                "steps": (ScalingStep(upper=10, change=-150), ScalingStep(lower=90, change=250)),
                "adjustment_type": AdjustmentType.PERCENT_CHANGE_IN_CAPACITY,
            },
            "steps[0].change: got -150; allowed: a percentage of at least -100",
        ),
        (
            {"steps": STEPS, "evaluation_periods": 2, "datapoints_to_alarm": 3},
            "datapoints_to_alarm: got 3; allowed: a whole number from 1 to evaluation_periods (2)",
        ),
        (
            {"steps": STEPS, "name": "has space"},
            "name: got 'has space'; allowed: 1 to 64 letters and digits, starting with a letter",
        ),
    ],
)
def test_step_scaling_rules(kwargs, problem):
    if problem is None:
        assert StepScalingSpec(metric=CPU, **kwargs).construct_id == "Pct"
        return
    with pytest.raises(ConfigurationError) as raised:
        StepScalingSpec(metric=CPU, **kwargs)
    assert str(raised.value) == f"Invalid StepScalingSpec configuration (1 problem):\n  - {problem}"


def test_scheduled_actions_and_suspended_state(stack, synth):
    preset = (
        ScalingPreset.cpu()
        .with_schedule(
            ScheduledScaling(
                name="business-hours",
                schedule="cron(0 8 ? * MON-FRI *)",
                min_capacity=4,
                max_capacity=10,
                time_zone="Europe/Paris",
                start_time=datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
                end_time=datetime.datetime(2027, 12, 31, tzinfo=datetime.UTC),
            )
        )
        .with_schedule(ScheduledScaling(name="nights", schedule="cron(0 20 ? * * *)", min_capacity=2))
        .with_schedule(ScheduledScaling(name="launch", schedule="at(2027-03-01T06:00:00)", max_capacity=20))
        .with_suspended_state(SuspendedState(dynamic_scaling_in_suspended=True))
    )
    scale(stack, preset)
    synth(stack).has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ScheduledActions": [
                {
                    "ScheduledActionName": "business-hours",
                    "Schedule": "cron(0 8 ? * MON-FRI *)",
                    "ScalableTargetAction": {"MinCapacity": 4, "MaxCapacity": 10},
                    "Timezone": "Europe/Paris",
                    "StartTime": "2027-01-01T00:00:00Z",
                    "EndTime": "2027-12-31T00:00:00Z",
                },
                {
                    "ScheduledActionName": "nights",
                    "Schedule": "cron(0 20 ? * * *)",
                    "ScalableTargetAction": {"MinCapacity": 2},
                },
                {
                    "ScheduledActionName": "launch",
                    "Schedule": "at(2027-03-01T06:00:00)",
                    "ScalableTargetAction": {"MaxCapacity": 20},
                },
            ],
            "SuspendedState": {
                "DynamicScalingInSuspended": True,
                "DynamicScalingOutSuspended": False,
                "ScheduledScalingSuspended": False,
            },
        },
    )


def test_schedule_only_preset(stack, synth):
    preset = ScalingPreset(
        device=ScalingPreset.cpu().device,
        policies=(),
        schedules=(ScheduledScaling(name="hourly", schedule="rate(1 hour)", min_capacity=3),),
    )
    scale(stack, preset)
    synth(stack).resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 0)


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"schedule": "cron(0 8 * * *)"}, "schedule: got 'cron(0 8 * * *)'"),
        ({"schedule": "rate(1 hours)"}, "schedule: got 'rate(1 hours)'"),
        ({"schedule": "rate(5 hour)"}, "schedule: got 'rate(5 hour)'"),
        ({"schedule": "at(2027-13-01T06:00:00)"}, "schedule: got 'at(2027-13-01T06:00:00)'"),
        ({"name": "a/b"}, "name: got 'a/b'; allowed: 1 to 256 characters without ':', '/' or '|'"),
        ({"name": " padded"}, "name: got ' padded'"),
        ({"min_capacity": None}, "min_capacity: got None; allowed: min_capacity, max_capacity or both"),
        (
            {"min_capacity": 0},
            "min_capacity: got 0; allowed: a whole number from 1 to 2147483647 (a multi-model endpoint",
        ),
        ({"min_capacity": 5, "max_capacity": 2}, "max_capacity: got 2; allowed: a whole number >= min_capacity (5)"),
        ({"time_zone": "Mars/Olympus"}, "time_zone: got 'Mars/Olympus'; allowed: an IANA time zone name"),
        (
            {
                "start_time": datetime.datetime(2027, 2, 1, tzinfo=datetime.UTC),
                "end_time": datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC),
            },
            "end_time: got datetime.datetime(2027, 1, 1, 0, 0, tzinfo=datetime.timezone.utc); allowed: a time after",
        ),
    ],
)
def test_schedule_rules(kwargs, problem):
    arguments = {"name": "daily", "schedule": "cron(0 8 * * ? *)", "min_capacity": 2}
    arguments.update(kwargs)
    with pytest.raises(ConfigurationError) as raised:
        ScheduledScaling(**arguments)
    assert str(raised.value).startswith(f"Invalid ScheduledScaling configuration (1 problem):\n  - {problem}")


def test_schedule_expression_error_lists_the_forms():
    with pytest.raises(ConfigurationError) as raised:
        ScheduledScaling(name="x", schedule="every day", min_capacity=2)
    assert str(raised.value).endswith(
        "allowed: at(yyyy-mm-ddThh:mm:ss), rate(<n> minute|minutes|hour|hours|day|days) with the singular unit "
        "for 1, or cron(<minutes> <hours> <day of month> <month> <day of week> <year>)"
    )


def test_duplicate_schedule_names_and_the_200_limit():
    action = ScheduledScaling(name="same", schedule="rate(1 day)", min_capacity=2)
    with pytest.raises(ConfigurationError, match=r"schedules\[1\]: got 'same'; allowed: scheduled actions with"):
        ScalingPreset.custom(InvocationsPerInstancePolicy(), schedules=(action, action))
    many = tuple(ScheduledScaling(name=f"a{i}", schedule="rate(1 day)", min_capacity=2) for i in range(201))
    with pytest.raises(ConfigurationError, match=r"schedules: got '201 scheduled actions'; allowed: at most 200"):
        ScalingPreset.custom(InvocationsPerInstancePolicy(), schedules=many)


def test_step_policies_count_twice_toward_the_quota():
    steps = [StepScalingSpec(metric=CPU, steps=STEPS, name=f"Step{i}") for i in range(25)]
    assert len(ScalingPreset.custom(*steps).step_policies) == 25
    with pytest.raises(ConfigurationError, match=r"policies: got '51 policies'"):
        ScalingPreset.custom(InvocationsPerInstancePolicy(), *steps)


def test_with_policy_replaces_a_step_policy_by_name():
    preset = ScalingPreset.custom(InvocationsPerInstancePolicy(), StepScalingSpec(metric=CPU, steps=STEPS))
    replaced = preset.with_policy(StepScalingSpec(metric=CPU, steps=STEPS, cooldown=Duration.minutes(1)))
    assert len(replaced.step_policies) == 1
    assert replaced.step_policies[0].cooldown is not None
    assert replaced.without_policy("StepScaling").step_policies == ()
    with pytest.raises(ConfigurationError, match="at least one policy or scheduled action"):
        replaced.without_policy("StepScaling").without_policy("InvocationsPerInstance")


def test_an_empty_preset_is_rejected():
    with pytest.raises(
        ConfigurationError, match=r"policies: got \(\); allowed: at least one policy or scheduled action"
    ):
        ScalingPreset.custom()


def test_metric_spec_units_are_cloudwatch_units():
    with pytest.raises(ConfigurationError, match=r"unit: got 'percent'; allowed: a CloudWatch unit name"):
        MetricSpec(metric_name="CPUUtilization", unit="percent")


def test_step_policy_on_a_model_name_dimension_warns(stack, warnings_of):
    per_model = MetricSpec(metric_name="CPUUtilization", dimensions={"EndpointName": "my-endpoint", "ModelName": "m"})
    scale(stack, ScalingPreset.custom(StepScalingSpec(metric=per_model, steps=STEPS)))
    assert len(warnings_of(stack, "StepScaling: CPUUtilization has a ModelName dimension")) == 1

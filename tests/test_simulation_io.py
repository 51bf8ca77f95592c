"""Trace files, configuration JSON, presets and templates."""

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs.errors import ConfigurationError
from mme_scaling_constructs.simulation.config import (
    CONFIG_KEYS,
    INVOCATIONS,
    UTILIZATION,
    ScheduledCapacity,
    SimulatedPolicy,
    SimulationConfig,
)
from mme_scaling_constructs.simulation.sources import config_from_preset, config_from_template
from mme_scaling_constructs.simulation.trace import INDEX_EPOCH, Trace, parse_trace

# --- traces -------------------------------------------------------------------------------


def test_index_trace():
    trace = parse_trace("minute,invocations\n0,10\n1,20.5\n\n2,0\n")
    assert trace.invocations.tolist() == [10, 20.5, 0]
    assert trace.start == INDEX_EPOCH


def test_timestamp_trace_in_utc():
    trace = parse_trace("time,invocations\n2026-03-02T14:05:00+01:00,5\n2026-03-02T13:06:00,6\n")
    assert trace.start.isoformat() == "2026-03-02T13:05:00+00:00"
    assert trace.invocations.tolist() == [5, 6]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0,1\n1,2\n", "t.csv line 1: got '0,1'; allowed: a header row of two column names, e.g. 'minute,invocations'"),
        ("m,i\n0,1\n2,2\n", "t.csv line 3 column 1: got '2'; allowed: the next minute, 1 (this row is a gap)"),
        (
            "m,i\n0,1\n1,x\n",
            "t.csv line 3 column 2: got 'x'; allowed: a finite number >= 0 (invocations in the minute)",
        ),
        (
            "m,i\n0,1\n1,-1\n",
            "t.csv line 3 column 2: got '-1'; allowed: a finite number >= 0 (invocations in the minute)",
        ),
        (
            "m,i\n0,1\n1,nan\n",
            "t.csv line 3 column 2: got 'nan'; allowed: a finite number >= 0 (invocations in the minute)",
        ),
        ("m,i\n0,1,2\n", "t.csv line 2: got '0,1,2'; allowed: two columns: the minute, then the invocations in it"),
        (
            "m,i\n2026-01-01T00:00:30Z,1\n",
            "t.csv line 2 column 1: got '2026-01-01T00:00:30Z'; allowed: an ISO 8601 timestamp on a whole minute "
            "(e.g. 2026-03-02T14:05:00Z) or a minute index (0, 1, ...)",
        ),
        (
            "m,i\n2026-01-01T00:00:00Z,1\n2026-01-01T00:02:00Z,1\n",
            "t.csv line 3 column 1: got '2026-01-01T00:02:00Z'; allowed: the next minute, 2026-01-01T00:01:00Z "
            "(this row is a gap)",
        ),
        (
            "m,i\n0,1\n2026-01-01T00:00:00Z,1\n",
            "t.csv line 3 column 1: got '2026-01-01T00:00:00Z'; allowed: a minute index, like the first row",
        ),
        ("m,i\n", "t.csv: got 'no data rows'; allowed: a header row, then one row per minute"),
    ],
)
def test_trace_errors_name_the_line(text, message):
    with pytest.raises(ConfigurationError) as caught:
        parse_trace(text, source="t.csv")
    assert str(caught.value.problems[0]) == message


def test_trace_errors_are_capped():
    text = "m,i\n" + "".join(f"{i},x\n" for i in range(30))
    with pytest.raises(ConfigurationError) as caught:
        parse_trace(text, source="t.csv")
    assert len(caught.value.problems) == 11
    assert (
        str(caught.value.problems[-1]) == "t.csv: got '20 more lines with problems'; allowed: fix the lines above first"
    )


# --- configuration JSON -------------------------------------------------------------------


def test_config_json_round_trip():
    config = SimulationConfig(
        min_capacity=3,
        max_capacity=9,
        policies=(
            SimulatedPolicy(metric=INVOCATIONS, target=88.5, name="InvocationsPerInstance"),
            SimulatedPolicy(metric=UTILIZATION, target=70.0, disable_scale_in=True, name="CPUUtilization"),
        ),
        scale_in_cooldown_s=900,
        scale_out_cooldown_s=60,
        schedules=(ScheduledCapacity(name="peak", schedule="cron(0 8 ? * MON-FRI *)", min_capacity=5),),
        instance_type="ml.c5.xlarge",
    )
    again = SimulationConfig.from_json(json.loads(json.dumps(config.to_json())))
    assert again == config


def test_config_json_errors_name_each_key():
    with pytest.raises(ConfigurationError) as caught:
        SimulationConfig.from_json(
            {"min_capacity": 0, "max_capacity": "4", "speed": 1, "schedules": [{"name": "x", "schedule": "daily"}]},
            "rec.json: recommended",
        )
    assert [str(problem) for problem in caught.value.problems] == [
        "rec.json: recommended.speed: got 1; allowed: one of the keys dynamic_scaling_in_suspended, "
        "dynamic_scaling_out_suspended, instance_type, invocations_per_instance, max_capacity, min_capacity, "
        "policies, scale_in_cooldown_s, scale_out_cooldown_s, scheduled_scaling_suspended, schedules, "
        "utilization_percent",
    ]
    with pytest.raises(ConfigurationError) as caught:
        SimulationConfig.from_json({"min_capacity": 0, "max_capacity": "4"}, "rec.json: recommended")
    assert [problem.parameter for problem in caught.value.problems] == [
        "rec.json: recommended.min_capacity",
        "rec.json: recommended.max_capacity",
    ]


def test_defaults_match_the_presets():
    from aws_cdk import Duration

    from mme_scaling_constructs.presets import ScalingPreset

    preset = ScalingPreset.for_instance_type("ml.c5.xlarge")
    assert config_from_preset(preset, "ml.c5.xlarge") == SimulationConfig(
        policies=(
            SimulatedPolicy(metric=INVOCATIONS, target=70.0, name="InvocationsPerInstance"),
            SimulatedPolicy(metric=UTILIZATION, target=50.0, name="CPUUtilization"),
        ),
        instance_type="ml.c5.xlarge",
    )
    custom = ScalingPreset.gpu(min_capacity=1, max_capacity=8, scale_out_cooldown=Duration.seconds(120))
    config = config_from_preset(custom, "ml.g5.xlarge")
    assert (config.min_capacity, config.max_capacity, config.scale_out_cooldown_s) == (1, 8, 120)


def test_config_from_template():
    template = {
        "Resources": {
            "Config": {
                "Type": "AWS::SageMaker::EndpointConfig",
                "Properties": {"ProductionVariants": [{"InstanceType": "ml.c5.xlarge"}]},
            },
            "Target": {
                "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
                "Properties": {
                    "MinCapacity": 2,
                    "MaxCapacity": 6,
                    "ResourceId": "endpoint/e/variant/AllTraffic",
                    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                    "ServiceNamespace": "sagemaker",
                    "ScheduledActions": [
                        {
                            "ScheduledActionName": "Peak",
                            "Schedule": "cron(0 8 * * ? *)",
                            "ScalableTargetAction": {"MinCapacity": 4},
                        }
                    ],
                },
            },
            "Cpu": {
                "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
                "Properties": {
                    "PolicyName": "cpu",
                    "PolicyType": "TargetTrackingScaling",
                    "ScalingTargetId": {"Ref": "Target"},
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": 200,
                        "CustomizedMetricSpecification": {
                            "MetricName": "CPUUtilization",
                            "Namespace": "/aws/sagemaker/Endpoints",
                            "Statistic": "Average",
                        },
                        "ScaleInCooldown": 600,
                    },
                },
            },
        }
    }
    config = config_from_template(template)
    assert config.policies == (SimulatedPolicy(metric=UTILIZATION, target=50.0, name="cpu"),)
    assert (config.min_capacity, config.max_capacity) == (2, 6)
    assert (config.scale_in_cooldown_s, config.scale_out_cooldown_s) == (600, 300)
    assert config.schedules == (ScheduledCapacity(name="Peak", schedule="cron(0 8 * * ? *)", min_capacity=4),)


def test_template_policies_the_simulator_does_not_model_are_named():
    template = {
        "Resources": {
            "Target": {
                "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
                "Properties": {
                    "MinCapacity": {"Ref": "Min"},
                    "MaxCapacity": 6,
                    "ResourceId": "endpoint/e/variant/AllTraffic",
                    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                    "ServiceNamespace": "sagemaker",
                },
            },
            "Memory": {
                "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
                "Properties": {
                    "PolicyName": "memory",
                    "PolicyType": "TargetTrackingScaling",
                    "ScalingTargetId": {"Ref": "Target"},
                    "TargetTrackingScalingPolicyConfiguration": {
                        "TargetValue": 70,
                        "CustomizedMetricSpecification": {
                            "MetricName": "MemoryUtilization",
                            "Namespace": "/aws/sagemaker/Endpoints",
                            "Statistic": "Average",
                        },
                    },
                },
            },
        }
    }
    with pytest.raises(ConfigurationError) as caught:
        config_from_template(template)
    assert [str(problem) for problem in caught.value.problems] == [
        "Resources.Target.Properties.MinCapacity: got '${Min}'; allowed: a literal whole number >= 1",
        "Resources.Memory.Properties.TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification: "
        "got 'MemoryUtilization'; allowed: a target-tracking policy on SageMakerVariantInvocationsPerInstance, "
        "CPUUtilization or GPUUtilization",
    ]


# --- totality: any value either works or raises ConfigurationError ------------------------

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(CONFIG_KEYS)), anything, max_size=6))
def test_config_json_is_total(document):
    with contextlib.suppress(ConfigurationError):
        SimulationConfig.from_json(document)


@settings(max_examples=60, deadline=None)
@given(anything, anything, anything, anything)
def test_config_fields_are_total(low, high, policies, cooldown):
    with contextlib.suppress(ConfigurationError):
        SimulationConfig(min_capacity=low, max_capacity=high, policies=policies, scale_in_cooldown_s=cooldown)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet='0123456789,.-:TZe\n\r x"', max_size=80))
def test_trace_parsing_is_total(text):
    with contextlib.suppress(ConfigurationError):
        parse_trace("minute,invocations\n" + text)


@settings(max_examples=40, deadline=None)
@given(anything, anything)
def test_trace_values_are_total(values, start):
    with contextlib.suppress(ConfigurationError):
        Trace(invocations=values, start=start)


@pytest.mark.parametrize("values", [["1", "2"], [True], [[1]], [], [1.0, float("inf")], [-1]])
def test_trace_values_must_be_numbers(values):
    with pytest.raises(ConfigurationError) as caught:
        Trace(invocations=values)
    assert caught.value.problems[0].parameter in ("invocations", "invocations[0]", "invocations[1]")

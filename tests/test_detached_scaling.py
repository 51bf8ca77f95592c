"""``MME_SCALING_DETACHED_STACKS``: the scaling left out of a stack's template (phase 1 of an instance-type change)."""

import aws_cdk as cdk
import pytest

from mme_scaling_constructs import (
    EndpointScaling,
    MetricSpec,
    MultiModelEndpoint,
    ScalingPreset,
    ScalingStep,
    ScheduledScaling,
    StepScalingSpec,
)
from mme_scaling_constructs.constants import DETACHED_STACKS_VARIABLE
from tests.conftest import CPU_IMAGE, MODEL_DATA_URL

#: Every kind of scaling resource: target, target-tracking and step policies, step alarms, a schedule.
FULL_PRESET = (
    ScalingPreset.cpu()
    .with_policy(
        StepScalingSpec(
            metric=MetricSpec(metric_name="CPUUtilization"),
            steps=(ScalingStep(upper=80, change=-1), ScalingStep(lower=320, change=2)),
        )
    )
    .with_schedule(ScheduledScaling(name="evenings", schedule="cron(0 20 ? * * *)", min_capacity=2))
)
SCALING_TYPES = (
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::CloudWatch::Alarm",
)


def endpoint_stack(app, name, **overrides):
    stack = cdk.Stack(app, name)
    arguments = {
        "image_uri": CPU_IMAGE,
        "model_data_url": MODEL_DATA_URL,
        "instance_type": "ml.c5.xlarge",
        "scaling": FULL_PRESET,
    }
    arguments.update(overrides)
    mme = MultiModelEndpoint(stack, "Mme", **arguments)
    return stack, mme


def test_a_listed_stack_has_no_scaling_resources_and_says_why(monkeypatch, synth, warnings_of):
    monkeypatch.setenv(DETACHED_STACKS_VARIABLE, "Other, Detached")
    stack, mme = endpoint_stack(cdk.App(), "Detached")
    template = synth(stack)
    for resource_type in SCALING_TYPES:
        template.resource_count_is(resource_type, 0)
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)
    (warning,) = warnings_of(stack, "left out of the template")
    assert warning.entry.data == (
        "MME_SCALING_DETACHED_STACKS names stack Detached: this scaling's target, policies and schedules are "
        "left out of the template (phase 1 of mme-scaling change-instance-type). Synthesize without it to deploy "
        "them. [ack: mme-scaling:scalingDetached]"
    )
    # The construct's attributes stay readable for code that inspects them.
    assert mme.scaling is not None
    assert len(mme.scaling.scaling_policies) == 2
    assert len(mme.scaling.step_scaling_policies) == 1


def test_only_the_listed_stacks_are_detached(monkeypatch, synth):
    monkeypatch.setenv(DETACHED_STACKS_VARIABLE, "Detached")
    app = cdk.App()
    detached, _ = endpoint_stack(app, "Detached")
    kept, _ = endpoint_stack(app, "Kept")
    synth(detached).resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
    kept_template = synth(kept)
    kept_template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)
    kept_template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 4)  # 2 tracking, 2 step
    kept_template.resource_count_is("AWS::CloudWatch::Alarm", 2)


@pytest.mark.parametrize("value", ["", " , ", "DetachedStack", "detached"])
def test_a_stack_not_named_keeps_its_scaling(monkeypatch, synth, value):
    monkeypatch.setenv(DETACHED_STACKS_VARIABLE, value)
    stack, _ = endpoint_stack(cdk.App(), "Detached")
    synth(stack).resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 1)


def test_a_detached_literal_endpoint_name_synthesizes(monkeypatch, synth):
    """The dependency on a literally named endpoint is not added for a target left out."""
    monkeypatch.setenv(DETACHED_STACKS_VARIABLE, "Detached")
    app = cdk.App()
    stack, _ = endpoint_stack(app, "Detached", endpoint_name="named")
    EndpointScaling(stack, "Elsewhere", endpoint_name="other", instance_type="ml.c5.xlarge")
    template = synth(stack)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)
    app.synth()

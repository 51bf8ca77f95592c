"""Property-based: any input to the constructs and their values works or raises ConfigurationError.

Inputs mix valid values, near misses (a trailing newline, one past a bound) and values of every
wrong type, NaN and infinities included. Whatever builds must synthesize and lint clean, and
the jsii process must stay alive throughout.
"""

import decimal
import math

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import (
    AdjustmentType,
    EndpointScaling,
    InstanceSpec,
    MetricSpec,
    MultiModelEndpoint,
    ScalingPreset,
    ScalingStep,
    StepScalingSpec,
)
from tests.conftest import CPU_IMAGE, GPU_IMAGE, MODEL_DATA_URL, lint_errors
from tests.policy_helpers import attempt

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Values of every kind a caller might pass by mistake.
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([2**31, 2**31 - 1, 2**63, -1, 0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e400, 0.5, 2.0**361, 2.0**-361]),
    st.text(max_size=20),
    st.sampled_from(["", " ", "\n", "ml.c5.xlarge\n", "a-" * 40 + "a", "x" * 300]),
    st.sampled_from([decimal.Decimal("2"), b"bytes", (), [], {}, object(), cloudwatch.Unit.PERCENT]),
    st.builds(Duration.seconds, st.integers(min_value=0, max_value=10**6)),
)


def maybe(valid):
    """A valid value most of the time, anything else otherwise."""
    return st.one_of(valid, valid, WRONG)


NAMES = st.sampled_from(["AllTraffic", "blue", "my-endpoint", "a" * 63, "Endpoint-1"])
INSTANCE_TYPES = st.sampled_from(
    ["ml.c5.xlarge", "ml.m5.4xlarge", "ml.g5.xlarge", "ml.c6in.large", "ml.r8g.medium", "ml.t2.medium", "ml.p3.8xlarge"]
)
CAPACITY = st.integers(min_value=1, max_value=20)
COOLDOWN = st.builds(Duration.seconds, st.integers(min_value=0, max_value=3600))


def presets():
    """Presets built from arbitrary arguments; arguments that do not build are skipped."""
    return _preset_calls().map(lambda build: attempt(build)).filter(lambda preset: preset is not None)


def _preset_calls():
    return st.one_of(
        st.builds(
            lambda **kw: lambda: ScalingPreset.cpu(**kw),
            min_capacity=maybe(CAPACITY),
            max_capacity=maybe(st.integers(min_value=1, max_value=50)),
            invocations_per_instance=maybe(st.floats(min_value=1, max_value=10_000)),
            cpu_utilization_percent=maybe(st.floats(min_value=1, max_value=100)),
            scale_in_cooldown=maybe(COOLDOWN),
            scale_out_cooldown=maybe(COOLDOWN),
        ),
        st.builds(
            lambda **kw: lambda: ScalingPreset.gpu(**kw),
            min_capacity=maybe(CAPACITY),
            max_capacity=maybe(st.integers(min_value=1, max_value=50)),
            gpu_utilization_percent=maybe(st.floats(min_value=1, max_value=100)),
        ),
        st.builds(
            lambda instance_type, **kw: lambda: ScalingPreset.for_instance_type(instance_type, **kw),
            maybe(INSTANCE_TYPES),
            min_capacity=maybe(CAPACITY),
        ),
    )


def assert_jsii_alive():
    assert Duration.seconds(90).to_seconds() == 90


@settings(SETTINGS, max_examples=150)
@given(build=_preset_calls())
def test_presets_build_or_raise(build):
    attempt(build)
    assert_jsii_alive()


#: Valid values of each MultiModelEndpoint argument.
ENDPOINT_ARGUMENTS = {
    "image_uri": st.sampled_from([CPU_IMAGE, GPU_IMAGE]),
    "model_data_url": st.sampled_from([MODEL_DATA_URL, "s3://bucket-1/a(b/", "s3://bucket-1/"]),
    "instance_type": st.sampled_from(
        ["ml.c5.xlarge", "ml.m5.4xlarge", "ml.g5.xlarge", "ml.c6in.large", "ml.r8g.medium"]
    ),
    "variant_name": NAMES,
    "endpoint_name": st.one_of(st.none(), NAMES),
    "initial_instance_count": st.one_of(st.none(), st.just(2)),
    # Values without control or astral characters, which cfn-lint's template parser cannot read.
    "environment": st.one_of(
        st.none(),
        st.dictionaries(
            st.sampled_from(["A", "B_1", "_x"]),
            st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=("Cc", "Cs")), max_size=5),
        ),
    ),
    "model_cache": st.booleans(),
    "auto_scaling": st.booleans(),
    "network_isolation": st.booleans(),
    "exclude_retained_variant_properties": st.one_of(
        st.none(), st.lists(st.sampled_from(["DesiredInstanceCount", "DesiredWeight"]), unique=True)
    ),
    "scaling": st.none(),
}


@settings(SETTINGS, max_examples=30)
@given(data=st.data())
def test_multi_model_endpoint_builds_and_lints_or_raises(data):
    """Valid arguments, with one or two of them replaced by a value of any kind."""
    arguments = {name: data.draw(strategy, label=name) for name, strategy in ENDPOINT_ARGUMENTS.items()}
    if data.draw(st.booleans(), label="preset for the instance type"):
        arguments["scaling"] = ScalingPreset.for_instance_type(
            arguments["instance_type"],
            min_capacity=data.draw(st.integers(1, 2)),
            max_capacity=data.draw(CAPACITY.map(lambda n: n + 2)),
        )
    for name in data.draw(st.lists(st.sampled_from(sorted(ENDPOINT_ARGUMENTS)), max_size=2), label="replaced"):
        arguments[name] = data.draw(WRONG, label=name)
    stack = cdk.Stack(cdk.App(), "Property")
    built = attempt(lambda: MultiModelEndpoint(stack, "Mme", **arguments))
    event("built" if built is not None else "refused")
    if built is None:
        assert stack.node.children == []
    else:
        assert lint_errors(cdk.assertions.Template.from_stack(stack).to_json()) == []
    assert_jsii_alive()


@settings(SETTINGS, max_examples=40)
@given(
    endpoint_name=maybe(NAMES),
    instance_type=st.one_of(
        INSTANCE_TYPES, WRONG, st.integers(1, 64).map(lambda n: InstanceSpec(instance_type="ml.c9.large", vcpus=n))
    ),
    preset=st.one_of(st.none(), presets(), WRONG),
    variant_name=maybe(NAMES),
)
def test_endpoint_scaling_builds_or_raises(**arguments):
    stack = cdk.Stack(cdk.App(), "Property")
    attempt(lambda: EndpointScaling(stack, "Scaling", **arguments))
    cdk.assertions.Template.from_stack(stack)
    assert_jsii_alive()


BOUNDS = st.one_of(st.none(), st.floats(min_value=0, max_value=1000), WRONG)


@settings(SETTINGS, max_examples=150)
@given(
    metric_name=maybe(st.sampled_from(["CPUUtilization", "m" * 255])),
    namespace=maybe(st.sampled_from(["/aws/sagemaker/Endpoints", "AWS/SageMaker"])),
    statistic=maybe(st.sampled_from(["Average", "Sum", "Maximum"])),
    unit=st.one_of(st.none(), st.sampled_from(["Percent", "Count"]), WRONG),
    dimensions=st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=3), WRONG),
)
def test_metric_specs_build_or_raise(**arguments):
    attempt(lambda: MetricSpec(**arguments))
    assert_jsii_alive()


@settings(SETTINGS, max_examples=150)
@given(
    raw_steps=st.lists(st.tuples(maybe(st.integers(-3, 3)), BOUNDS, BOUNDS), min_size=0, max_size=4),
    adjustment_type=maybe(st.sampled_from(list(AdjustmentType))),
    evaluation_periods=maybe(st.integers(1, 5)),
    datapoints_to_alarm=st.one_of(st.none(), st.integers(1, 5), WRONG),
    cooldown=st.one_of(st.none(), COOLDOWN, WRONG),
    name=maybe(st.sampled_from(["StepScaling", "Steps2"])),
)
def test_step_scaling_specs_build_or_raise(raw_steps, **arguments):
    steps = [attempt(lambda c=c, lo=lo, up=up: ScalingStep(change=c, lower=lo, upper=up)) for c, lo, up in raw_steps]
    attempt(lambda: StepScalingSpec(metric=MetricSpec(metric_name="CPUUtilization"), steps=tuple(steps), **arguments))
    assert_jsii_alive()


@settings(SETTINGS, max_examples=60)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(-2, 2),
            st.one_of(st.none(), st.integers(0, 100)),
            st.one_of(st.none(), st.integers(0, 100)),
        ),
        min_size=2,
        max_size=4,
    ),
    adjustment_type=st.sampled_from(list(AdjustmentType)),
)
def test_step_layouts_agree_with_cdk(steps, adjustment_type):
    """Our layout check accepts exactly the step layouts CDK's StepScalingPolicy renders."""
    built = [attempt(lambda c=c, lo=lo, up=up: ScalingStep(change=c, lower=lo, upper=up)) for c, lo, up in steps]
    if None in built:
        return
    ours = attempt(
        lambda: StepScalingSpec(
            metric=MetricSpec(metric_name="CPUUtilization"), steps=tuple(built), adjustment_type=adjustment_type
        )
    )
    stack = cdk.Stack(cdk.App(), "Steps")
    target = cdk.aws_applicationautoscaling.ScalableTarget(
        stack,
        "Target",
        service_namespace=cdk.aws_applicationautoscaling.ServiceNamespace.SAGEMAKER,
        scalable_dimension="sagemaker:variant:DesiredInstanceCount",
        resource_id="endpoint/e/variant/v",
        min_capacity=1,
        max_capacity=10,
    )
    try:
        target.scale_on_metric(
            "Steps",
            metric=cloudwatch.Metric(namespace="n", metric_name="m"),
            scaling_steps=[
                cdk.aws_applicationautoscaling.ScalingInterval(change=c, lower=lo, upper=up) for c, lo, up in steps
            ],
            adjustment_type=adjustment_type.value,
        )
        cdk_renders = bool(cdk.assertions.Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm"))
    except RuntimeError:
        cdk_renders = False
    exact_zero = adjustment_type is AdjustmentType.EXACT_CAPACITY and any(c < 1 for c, _, _ in steps)
    percent_low = adjustment_type is AdjustmentType.PERCENT_CHANGE_IN_CAPACITY and any(c < -100 for c, _, _ in steps)
    if exact_zero or percent_low:
        assert ours is None
    else:
        assert (ours is not None) == cdk_renders

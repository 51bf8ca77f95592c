"""Every input either works or raises ConfigurationError naming the parameter; nothing else escapes.

Each test here reproduces an input that once escaped as a raw Python or jsii error, or that was
accepted although AWS rejects it.
"""

import decimal
import math

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Match, Template

from mme_scaling_constructs import (
    ConfigurationError,
    EndpointScaling,
    InstanceSpec,
    InvocationsPerInstancePolicy,
    MetricSpec,
    MultiModelEndpoint,
    ScalingPreset,
    ScalingStep,
    StepScalingSpec,
)
from mme_scaling_constructs.validation import is_token
from tests.conftest import CPU_IMAGE, MODEL_DATA_URL

CPU = MetricSpec(metric_name="CPUUtilization")
MAX_INT32 = 2**31 - 1


def endpoint(scope, **overrides):
    arguments = {"image_uri": CPU_IMAGE, "model_data_url": MODEL_DATA_URL, "instance_type": "ml.c5.xlarge"}
    arguments.update(overrides)
    return MultiModelEndpoint(scope, "Mme", **arguments)


def problems_of(build):
    with pytest.raises(ConfigurationError) as raised:
        build()
    return [str(problem) for problem in raised.value.problems]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e400])
def test_non_finite_numbers_never_reach_jsii(stack, synth, bad):
    for build in (
        lambda: ScalingPreset.cpu(min_capacity=bad),
        lambda: ScalingPreset.cpu(max_capacity=bad),
        lambda: ScalingPreset.cpu(invocations_per_instance=bad),
        lambda: ScalingPreset.gpu(gpu_utilization_percent=bad),
        lambda: endpoint(stack, initial_instance_count=bad),
        lambda: ScalingStep(lower=bad, change=1),
        lambda: ScalingStep(upper=1, change=bad),
        lambda: StepScalingSpec(
            metric=CPU, steps=(ScalingStep(upper=1, change=-1), ScalingStep(lower=2, change=1)), evaluation_periods=bad
        ),
    ):
        assert len(problems_of(build)) == 1
    # The jsii process is alive: the same stack still synthesizes.
    endpoint(stack)
    synth(stack).resource_count_is("AWS::SageMaker::Endpoint", 1)


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (
            lambda: ScalingPreset.cpu(max_capacity=2**31),
            f"max_capacity: got {2**31}; allowed: a whole number from 1 to {MAX_INT32}",
        ),
        (
            lambda: ScalingPreset.cpu(invocations_per_instance=2.0**361),
            f"invocations_per_instance: got {2.0**361!r}; allowed: a number from 2^-360 to 2^360 "
            "(invocations per instance per minute)",
        ),
        (
            lambda: ScalingPreset.cpu(scale_in_cooldown=Duration.seconds(2**31)),
            f"scale_in_cooldown: got '24855 days 3 hours'; allowed: a whole number of seconds from 0 to {MAX_INT32}, "
            "e.g. Duration.seconds(90)",
        ),
        (
            lambda: ScalingStep(upper=10, change=1.5),
            f"change: got 1.5; allowed: a literal whole number from -{MAX_INT32} to {MAX_INT32}",
        ),
        (
            lambda: ScalingStep(upper=10, change=True),
            f"change: got True; allowed: a literal whole number from -{MAX_INT32} to {MAX_INT32}",
        ),
        (
            lambda: ScalingStep(lower=-5, change=1),
            "lower: got -5; allowed: a literal finite number >= 0, or None (CDK sets alarm thresholds at synthesis "
            "from 0 upwards)",
        ),
        (
            lambda: ScalingStep(change=1),
            "lower: got None; allowed: a lower bound, an upper bound or both",
        ),
        (
            lambda: ScalingStep(lower=5, upper=5, change=1),
            "upper: got 5; allowed: a bound above lower (5)",
        ),
        (
            lambda: StepScalingSpec(
                metric=CPU,
                steps=(ScalingStep(upper=1, change=-1), ScalingStep(lower=2, change=1)),
                evaluation_periods=1441,
            ),
            "evaluation_periods: got 1441; allowed: a whole number from 1 to 1440 (one day of one-minute periods)",
        ),
    ],
)
def test_numbers_outside_what_aws_takes_are_refused(build, problem):
    assert problems_of(build) == [problem]


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"role": "arn:aws:iam::123456789012:role/x"},
            "role: got 'arn:aws:iam::123456789012:role/x'; allowed: an aws_iam.IRole or None",
        ),
        ({"scaling": "cpu"}, "scaling: got 'cpu'; allowed: a ScalingPreset (e.g. ScalingPreset.cpu()) or None"),
        ({"model_cache": "yes"}, "model_cache: got 'yes'; allowed: True or False"),
        (
            {"variant_name": None},
            "variant_name: got None; allowed: 1 to 63 letters, digits and hyphens, starting "
            "and ending with a letter or digit",
        ),
        (
            {"image_uri": None},
            "image_uri: got None; allowed: an Amazon ECR image URI: "
            "<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]",
        ),
        (
            {"model_data_url": 42},
            "model_data_url: got 42; allowed: an S3 prefix of the form s3://<bucket>/<prefix>/, "
            "ending in '/', at most 1024 characters",
        ),
        (
            {"instance_type": 5},
            "instance_type: got 5; allowed: an instance type of the form ml.<family>.<size>, "
            "e.g. ml.c5.xlarge, or an InstanceSpec",
        ),
        (
            {"environment": ["A=1"]},
            "environment: got ['A=1']; allowed: a mapping of literal variable names to "
            "strings (CloudFormation map keys cannot be tokens), or None",
        ),
        ({"environment": {"A": 1}}, "environment['A']: got 1; allowed: a string of at most 1024 characters"),
        (
            {"initial_instance_count": decimal.Decimal(2)},
            "initial_instance_count: got Decimal('2'); allowed: a whole "
            f"number from 1 to {MAX_INT32} (a multi-model endpoint variant cannot scale to zero)",
        ),
        (
            {"endpoint_name": "abc\n"},
            "endpoint_name: got 'abc\\n'; allowed: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        ),
        (
            {"endpoint_name": "a-" * 40 + "a"},
            f"endpoint_name: got '{'a-' * 40 + 'a'}'; allowed: 1 to 63 letters, "
            "digits and hyphens, starting and ending with a letter or digit",
        ),
        (
            {"variant_name": "blue\n"},
            "variant_name: got 'blue\\n'; allowed: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        ),
        (
            {"image_uri": CPU_IMAGE + "\n"},
            f"image_uri: got {CPU_IMAGE + chr(10)!r}; allowed: an Amazon ECR image URI: "
            "<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]",
        ),
        (
            {"model_data_url": MODEL_DATA_URL + "\n"},
            f"model_data_url: got {MODEL_DATA_URL + chr(10)!r}; allowed: an "
            "S3 prefix of the form s3://<bucket>/<prefix>/, ending in '/', at most 1024 characters",
        ),
        (
            {"environment": {"GOOD\n": "x"}},
            "environment['GOOD\\n']: got 'GOOD\\n'; allowed: a variable name of "
            "letters, digits and underscores, not starting with a digit",
        ),
    ],
)
def test_wrong_types_and_near_misses_are_refused_at_construction(stack, overrides, problem):
    assert problems_of(lambda: endpoint(stack, **overrides)) == [problem]
    assert stack.node.children == []


def test_a_token_environment_variable_name_is_refused(stack):
    name = cdk.CfnParameter(stack, "Name").value_as_string
    assert problems_of(lambda: endpoint(stack, environment={name: "x"})) == [
        f"environment: got {name!r}; allowed: literal variable names: CloudFormation map keys cannot be tokens "
        "(a token value is fine)"
    ]


def test_a_token_environment_value_passes(stack, synth):
    value = cdk.CfnParameter(stack, "Value").value_as_string
    endpoint(stack, environment={"SETTING": value})
    synth(stack).has_resource_properties(
        "AWS::SageMaker::Model", {"PrimaryContainer": Match.object_like({"Environment": {"SETTING": {"Ref": "Value"}}})}
    )


def test_token_cooldowns_in_seconds_are_rendered(stack, synth):
    seconds = cdk.CfnParameter(stack, "Cooldown", type="Number").value_as_number
    endpoint(stack, scaling=ScalingPreset.cpu(scale_in_cooldown=Duration.seconds(seconds)))
    synth(stack).has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"ScaleInCooldown": {"Ref": "Cooldown"}})},
    )


def test_token_cooldowns_in_other_units_are_refused(stack):
    minutes = cdk.CfnParameter(stack, "Cooldown", type="Number").value_as_number
    (problem,) = problems_of(lambda: ScalingPreset.cpu(scale_in_cooldown=Duration.minutes(minutes)))
    assert problem.startswith("scale_in_cooldown: got 'Duration.minutes(")
    assert problem.endswith("allowed: Duration.seconds(<token>): a token cannot be converted from other units")


def test_a_token_unit_is_refused_for_step_scaling(stack):
    unit = cdk.CfnParameter(stack, "Unit").value_as_string
    steps = (ScalingStep(upper=10, change=-1), ScalingStep(lower=80, change=1))
    assert problems_of(
        lambda: StepScalingSpec(metric=MetricSpec(metric_name="CPUUtilization", unit=unit), steps=steps)
    ) == [f"metric.unit: got {unit!r}; allowed: a literal CloudWatch unit name: CDK alarms need it at synthesis"]


def test_a_cloudwatch_unit_member_is_converted():
    assert MetricSpec(metric_name="CPUUtilization", unit=cloudwatch.Unit.PERCENT).unit == "Percent"


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (
            {"metric_name": "m" * 256},
            f"metric_name: got '{'m' * 256}'; allowed: a CloudWatch metric name of 1 to 255 characters"
            " (text without control characters other than tab, line feed and carriage return)",
        ),
        (
            {"metric_name": ""},
            "metric_name: got ''; allowed: a CloudWatch metric name of 1 to 255 characters"
            " (text without control characters other than tab, line feed and carriage return)",
        ),
        (
            {"metric_name": None},
            "metric_name: got None; allowed: a CloudWatch metric name of 1 to 255 characters"
            " (text without control characters other than tab, line feed and carriage return)",
        ),
        (
            {"metric_name": "m", "namespace": "n" * 256},
            f"namespace: got '{'n' * 256}'; allowed: a CloudWatch "
            "namespace of 1 to 255 characters, not starting with ':'"
            " (text without control characters other than tab, line feed and carriage return)",
        ),
        (
            {"metric_name": "m", "namespace": ":x"},
            "namespace: got ':x'; allowed: a CloudWatch namespace of 1 to 255 characters, not starting with ':'"
            " (text without control characters other than tab, line feed and carriage return)",
        ),
        (
            {"metric_name": "m", "dimensions": {f"d{i}": "v" for i in range(31)}},
            "dimensions: got '31 dimensions'; allowed: at most 30 dimensions",
        ),
        (
            {"metric_name": "m", "dimensions": {"": "v"}},
            "dimensions: got ''; allowed: dimension names of 1 to 255 characters"
            " (text without control characters other than tab, line feed and carriage return)",
        ),
        (
            {"metric_name": "m", "dimensions": {"d": ""}},
            "dimensions['d']: got ''; allowed: a dimension value of 1 to 1024 characters"
            " (text without control characters other than tab, line feed and carriage return)",
        ),
        (
            {"metric_name": "m", "dimensions": "EndpointName=x"},
            "dimensions: got 'EndpointName=x'; allowed: a mapping of dimension names to values, or None",
        ),
        (
            {"metric_name": "m", "statistic": "p99"},
            "statistic: got 'p99'; allowed: one of Average, Minimum, Maximum, "
            "SampleCount, Sum (target tracking accepts no percentiles)",
        ),
        (
            {"metric_name": "m", "unit": "percent"},
            "unit: got 'percent'; allowed: a CloudWatch unit name, e.g. 'Percent', 'Count' or 'Microseconds'",
        ),
    ],
)
def test_metric_spec_follows_cloudwatch_limits(arguments, problem):
    assert problems_of(lambda: MetricSpec(**arguments)) == [problem]


def test_variant_dimensions_always_name_the_scaled_variant():
    metric = MetricSpec(metric_name="CPUUtilization", dimensions={"EndpointName": "my-endpoint", "Host": "a"})
    assert metric.dimensions_for(endpoint_name="real", variant_name="AllTraffic") == {
        "EndpointName": "real",
        "Host": "a",
    }


def test_a_math_expression_is_not_a_metric():
    expression = cloudwatch.MathExpression(
        expression="m1", using_metrics={"m1": cloudwatch.Metric(namespace="n", metric_name="m")}
    )
    steps = (ScalingStep(upper=10, change=-1), ScalingStep(lower=80, change=1))
    assert problems_of(lambda: StepScalingSpec(metric=expression, steps=steps))[0].startswith("metric: got <aws_cdk")


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        (
            (
                ScalingStep(upper=10, change=-1),
                ScalingStep(lower=20, upper=30, change=1),
                ScalingStep(lower=50, upper=60, change=-1),
                ScalingStep(lower=80, change=1),
            ),
            "steps: got '[0, 10): -1, [20, 30): 1, [50, 60): -1, [80, inf): 1'; allowed: steps that leave one "
            "no-change interval (gaps and steps of change 0 count): scale-in steps below it, scale-out steps above it",
        ),
        (
            (ScalingStep(lower=10, upper=20, change=-1), ScalingStep(lower=80, upper=90, change=1)),
            "steps: got '[10, 20): -1, [80, 90): 1'; allowed: steps that leave one no-change interval (gaps and steps "
            "of change 0 count): scale-in steps below it, scale-out steps above it",
        ),
        (
            (ScalingStep(upper=10, change=0), ScalingStep(lower=80, change=0)),
            "steps: got 'no step changes capacity'; allowed: at least one step with a change other than 0",
        ),
        (
            (ScalingStep(lower=10, change=-1), ScalingStep(upper=20, change=1)),
            "steps[0]: got ScalingStep(change=-1, lower=10, upper=None); allowed: a step whose open bound a "
            "neighbouring step closes",
        ),
    ],
)
def test_step_layouts_cdk_cannot_render_are_refused(steps, problem):
    assert problems_of(lambda: StepScalingSpec(metric=CPU, steps=steps)) == [problem]


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (
            lambda: ScalingPreset.custom("InvocationsPerInstance"),
            "policies[0]: got 'InvocationsPerInstance'; "
            "allowed: a target-tracking policy (e.g. InvocationsPerInstancePolicy) or a StepScalingSpec",
        ),
        (
            lambda: ScalingPreset.cpu().with_policy(None),
            "policy: got None; allowed: a target-tracking policy (e.g. "
            "InvocationsPerInstancePolicy) or a StepScalingSpec",
        ),
        (
            lambda: ScalingPreset.cpu().with_schedule("cron(0 8 * * ? *)"),
            "action: got 'cron(0 8 * * ? *)'; allowed: a ScheduledScaling",
        ),
        (
            lambda: ScalingPreset.cpu().without_policy(None),
            "construct_id: got None; allowed: one of InvocationsPerInstance, CPUUtilization",
        ),
        (
            lambda: ScalingPreset.for_instance_type("ml.c5.xlarge", gpu_utilization_percent=50),
            "gpu_utilization_percent: got 50; allowed: a keyword argument of ScalingPreset.cpu(): min_capacity, "
            "max_capacity, invocations_per_instance, cpu_utilization_percent, scale_in_cooldown, scale_out_cooldown",
        ),
        (
            lambda: ScalingPreset.for_instance_type(None),
            "instance_type: got None; allowed: an ml.* instance type name or an InstanceSpec",
        ),
        (
            lambda: ScalingPreset.cpu(scale_in_cooldown=600),
            "scale_in_cooldown: got 600; allowed: an aws_cdk.Duration of whole seconds",
        ),
        (
            lambda: ScalingPreset(device="gpu", policies=(InvocationsPerInstancePolicy(),)),
            "device: got 'gpu'; allowed: Device.CPU, Device.GPU or None",
        ),
        (
            lambda: ScalingPreset(device=None, policies="abc"),
            "policies: got 'abc'; allowed: a tuple of target-tracking policies (e.g. InvocationsPerInstancePolicy)",
        ),
        (
            lambda: ScalingPreset(device=None, policies=(), schedules=None),
            "schedules: got None; allowed: a tuple of ScheduledScaling values",
        ),
    ],
)
def test_preset_inputs_of_the_wrong_type_are_refused(build, problem):
    assert problems_of(build) == [problem]


def test_endpoint_scaling_inputs_of_the_wrong_type_are_refused(stack):
    assert problems_of(
        lambda: EndpointScaling(stack, "S", endpoint_name=7, instance_type="ml.c5.xlarge", preset="cpu")
    ) == [
        "endpoint_name: got 7; allowed: 1 to 63 letters, digits and hyphens, starting and ending with a letter or "
        "digit",
        "preset: got 'cpu'; allowed: a ScalingPreset (e.g. ScalingPreset.cpu()) or None",
    ]
    assert problems_of(lambda: EndpointScaling("stack", "S", endpoint_name="e", instance_type="ml.c5.xlarge")) == [
        "scope: got 'stack'; allowed: a construct (e.g. a Stack)"
    ]


def test_an_instance_spec_states_a_type_the_catalogue_lacks(stack):
    """Not linted: cfn-lint's schema, like the catalogue, does not know the type yet."""
    spec = InstanceSpec(instance_type="ml.c9.xlarge", vcpus=8)
    endpoint(stack, instance_type=spec)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [Match.object_like({"InstanceType": "ml.c9.xlarge"})]},
    )
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": 400})},
    )


def test_python_recognizes_tokens_as_cdk_does(stack):
    number = cdk.CfnParameter(stack, "N", type="Number").value_as_number
    string = cdk.CfnParameter(stack, "S").value_as_string
    values = [number, string, f"s3://{string}/x/", [string], cdk.Aws.REGION, 1.5, -1.8e289, "plain", 3, None]
    values += ["${Token[x/y", "${Token[]}", "#{Token[TOKEN.1]}", ["#{Token[TOKEN.1]}"], "${Token[TOKEN.1]}"]
    assert [is_token(v) for v in values] == [cdk.Token.is_unresolved(v) for v in values]


def test_cooldowns_default_without_a_jsii_call_at_import():
    preset = ScalingPreset.cpu(scale_in_cooldown=None)
    assert preset.scale_in_cooldown.to_seconds() == 600
    assert preset.scale_out_cooldown is ScalingPreset.gpu().scale_out_cooldown


def test_an_instance_spec_that_contradicts_the_catalogue_warns(stack, warnings_of):
    endpoint(stack, instance_type=InstanceSpec(instance_type="ml.c5.xlarge", vcpus=8))
    assert len(warnings_of(stack, "The InstanceSpec given for ml.c5.xlarge differs from the catalogue")) == 1


def test_generated_policy_names_fit_in_256_characters(synth):
    stack = cdk.Stack(cdk.App(), "S")
    EndpointScaling(stack, "E" * 240, endpoint_name="ep", instance_type="ml.m5.xlarge")
    names = [
        policy["Properties"]["PolicyName"]
        for policy in synth(stack).find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
    ]
    assert len(names) == 2
    assert all(len(name) == 256 for name in names)
    assert len(set(names)) == 2


def test_two_policies_with_one_policy_name_are_refused():
    from mme_scaling_constructs import HighResolutionConcurrencyPolicy

    assert problems_of(
        lambda: ScalingPreset.custom(
            InvocationsPerInstancePolicy(policy_name="p"),
            HighResolutionConcurrencyPolicy(target_concurrent_requests=5, policy_name="p"),
        )
    ) == [
        "policies[1].policy_name: got 'p'; allowed: a policy name no other policy of the target has: Application "
        "Auto Scaling keys policies by name"
    ]


@pytest.mark.parametrize("name", ["garbage", "", "ml.m5.xlarge\n", "ML.M5.XLARGE"])
def test_a_preset_for_an_unknown_instance_type_is_refused(name):
    assert problems_of(lambda: ScalingPreset.for_instance_type(name)) == [
        f"instance_type: got {name!r}; allowed: a SageMaker hosting type in mme_scaling_constructs.INSTANCE_TYPES, "
        "or an InstanceSpec"
    ]


def test_a_token_of_the_wrong_kind_is_refused(stack):
    number = cdk.Token.as_number(cdk.Fn.ref("N"))
    listed = cdk.Token.as_list(cdk.Fn.ref("L"))
    text = cdk.Fn.ref("T")
    for build, parameter in (
        (lambda: EndpointScaling(stack, "E", endpoint_name=number, instance_type="ml.m5.xlarge"), "endpoint_name"),
        (lambda: EndpointScaling(stack, "E", endpoint_name=listed, instance_type="ml.m5.xlarge"), "endpoint_name"),
        (lambda: endpoint(stack, image_uri=number), "image_uri"),
        (lambda: endpoint(stack, model_data_url=listed), "model_data_url"),
        (lambda: endpoint(stack, initial_instance_count=text), "initial_instance_count"),
        (lambda: endpoint(stack, variant_name=number), "variant_name"),
        (lambda: MetricSpec(metric_name="m", statistic=number), "statistic"),
    ):
        (problem,) = problems_of(build)
        assert problem.startswith(f"{parameter}: got ")
    assert stack.node.children == []


def test_a_duration_beyond_what_cdk_converts_is_refused():
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.cpu(scale_in_cooldown=Duration.days(1e306))
    assert [(p.parameter, p.allowed) for p in raised.value.problems] == [
        ("scale_in_cooldown", "a whole number of seconds from 0 to 2147483647, e.g. Duration.seconds(90)")
    ]

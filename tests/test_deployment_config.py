"""Deployment guardrails: every value either builds a DeploymentConfig or raises ConfigurationError.

The rules follow AWS's models: botocore's ``sagemaker`` shapes ``DeploymentConfig``,
``BlueGreenUpdatePolicy``, ``TrafficRoutingConfig``, ``CapacitySize``, ``RollingUpdatePolicy``
and ``AutoRollbackConfig``, and cfn-lint's schema of ``AWS::SageMaker::Endpoint``.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
import jsii
import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import CapacitySize, ConfigurationError, DeploymentConfig, MultiModelEndpoint
from mme_scaling_constructs.deployment import CapacityUnit, TrafficRouting
from tests.conftest import CPU_IMAGE, MODEL_DATA_URL

W = Duration.minutes(1)
P10 = CapacitySize.percent(10)
MAX_INT32 = 2**31 - 1
SIZES = "CapacitySize.instances(n) or CapacitySize.percent(p)"
CANARY_SIZE = f"{SIZES} with p from 1 to 50 (the canary, required for CANARY routing)"
LINEAR_SIZE = f"{SIZES} with p from 10 to 50 (the step, required for LINEAR routing)"
ROLLING_SIZE = f"{SIZES} with p from 5 to 50 (the batch, required for a rolling update)"
ROLLBACK_SIZE = f"{SIZES} with p from 1 to 100 (or None: the whole fleet at once)"
ROUTINGS = "TrafficRouting.ALL_AT_ONCE, TrafficRouting.CANARY or TrafficRouting.LINEAR"
ALARMS = "at most 10 aws_cloudwatch.IAlarm (e.g. ScalingAlarms.alarms)"
ALARM_NAME = "1 to 255 characters, not only white space, without control characters (a CloudWatch alarm name)"
L1_ALARM = (
    "an aws_cloudwatch.IAlarm, not an L1 alarm: wrap it as "
    "aws_cloudwatch.Alarm.from_alarm_name(scope, id, l1_alarm.ref)"
)


@jsii.implements(cdk.IStableNumberProducer, cdk.IStableAnyProducer, cdk.IStableStringProducer, cdk.IStableListProducer)
class _Constant:
    """A constant for ``Lazy.number``, ``Lazy.any``, ``Lazy.string`` or ``Lazy.list``: a token of ``value``."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def produce(self) -> Any:
        return self.value


def number_token(value: float) -> float:
    """A number token that resolves to ``value``."""
    return cdk.Lazy.number(_Constant(value))


def seconds_token(value: float = 900) -> Duration:
    """A Duration token in seconds: valid as a wait (0 to 3600) and as a timeout (600 to 28800)."""
    return Duration.seconds(cdk.Token.as_number(cdk.Lazy.any(_Constant(value))))


def endpoint(scope: cdk.Stack, config: Any) -> MultiModelEndpoint:
    return MultiModelEndpoint(
        scope,
        "Mme",
        image_uri=CPU_IMAGE,
        model_data_url=MODEL_DATA_URL,
        instance_type="ml.c5.xlarge",
        deployment_config=config,
    )


def problems_of(build: Callable[[], Any]) -> list[str]:
    with pytest.raises(ConfigurationError) as raised:
        build()
    return [str(problem) for problem in raised.value.problems]


def deployment_config_of(template: Any) -> dict[str, Any]:
    (properties,) = [
        resource["Properties"]
        for resource in template.to_json()["Resources"].values()
        if resource["Type"] == "AWS::SageMaker::Endpoint"
    ]
    return properties["DeploymentConfig"]


def named_alarm(stack: cdk.Stack, name: str, construct_id: str = "Named") -> cloudwatch.IAlarm:
    return cloudwatch.Alarm.from_alarm_name(stack, construct_id, name)


def l1_alarm(stack: cdk.Stack, construct_id: str = "L1") -> cloudwatch.CfnAlarm:
    return cloudwatch.CfnAlarm(
        stack,
        construct_id,
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        threshold=1,
        metric_name="Invocation5XXErrors",
        namespace="AWS/SageMaker",
        period=60,
        statistic="Sum",
    )


# --- bad inputs, with their exact messages ---------------------------------------------------

BAD_INPUTS = [
    # A size where the routing needs one, and none where it takes none.
    (
        "canary_without_size",
        lambda s: DeploymentConfig.blue_green(TrafficRouting.CANARY, wait=W),
        [f"size: got None; allowed: {CANARY_SIZE}"],
    ),
    (
        "linear_without_size",
        lambda s: DeploymentConfig.blue_green(TrafficRouting.LINEAR, wait=W),
        [f"size: got None; allowed: {LINEAR_SIZE}"],
    ),
    (
        "all_at_once_with_size",
        lambda s: DeploymentConfig.blue_green(TrafficRouting.ALL_AT_ONCE, P10, wait=W),
        ["size: got CapacitySize.percent(10); allowed: None (ALL_AT_ONCE routing shifts all traffic in one step)"],
    ),
    (
        "rolling_without_size",
        lambda s: DeploymentConfig(is_rolling=True, routing=None, size=None, wait=W),
        [f"size: got None; allowed: {ROLLING_SIZE}"],
    ),
    # Values of the wrong type.
    (
        "size_not_a_capacity_size",
        lambda s: DeploymentConfig.canary(10, wait=W),
        [f"size: got 10; allowed: {CANARY_SIZE}"],
    ),
    (
        "step_not_a_capacity_size",
        lambda s: DeploymentConfig.linear("10%", wait=W),
        [f"size: got '10%'; allowed: {LINEAR_SIZE}"],
    ),
    (
        "batch_not_a_capacity_size",
        lambda s: DeploymentConfig.rolling(CapacityUnit.INSTANCE_COUNT, wait=W),
        [f"size: got <CapacityUnit.INSTANCE_COUNT: 'INSTANCE_COUNT'>; allowed: {ROLLING_SIZE}"],
    ),
    (
        "rollback_batch_not_a_capacity_size",
        lambda s: DeploymentConfig.rolling(P10, wait=W, rollback_batch=3),
        [f"rollback_batch: got 3; allowed: {ROLLBACK_SIZE}"],
    ),
    (
        "routing_a_string",
        lambda s: DeploymentConfig.blue_green("CANARY", P10, wait=W),
        [f"routing: got 'CANARY'; allowed: {ROUTINGS}"],
    ),
    (
        "blue_green_without_routing",
        lambda s: DeploymentConfig(is_rolling=False, routing=None, size=None, wait=W),
        [f"routing: got None; allowed: {ROUTINGS}"],
    ),
    (
        "is_rolling_a_string",
        lambda s: DeploymentConfig(is_rolling="no", routing=None, size=None, wait=W),
        ["is_rolling: got 'no'; allowed: True (a rolling update) or False (blue/green)"],
    ),
    (
        "is_rolling_a_number",
        lambda s: DeploymentConfig(is_rolling=1, routing=7, size=7, wait=W),
        [
            "is_rolling: got 1; allowed: True (a rolling update) or False (blue/green)",
            f"routing: got 7; allowed: {ROUTINGS}, or None",
            f"size: got 7; allowed: {SIZES}, or None",
        ],
    ),
    (
        "wait_missing",
        lambda s: DeploymentConfig.all_at_once(wait=None),
        ["wait: got None; allowed: an aws_cdk.Duration of whole seconds from 0 to 3600"],
    ),
    (
        "wait_a_number",
        lambda s: DeploymentConfig.all_at_once(wait=60),
        ["wait: got 60; allowed: an aws_cdk.Duration of whole seconds from 0 to 3600"],
    ),
    (
        "timeout_a_number",
        lambda s: DeploymentConfig.all_at_once(wait=W, timeout=600),
        ["timeout: got 600; allowed: an aws_cdk.Duration of whole seconds from 600 to 28800, or None"],
    ),
    (
        "termination_wait_a_string",
        lambda s: DeploymentConfig.all_at_once(wait=W, termination_wait="1m"),
        ["termination_wait: got '1m'; allowed: an aws_cdk.Duration of whole seconds from 0 to 3600, or None"],
    ),
    (
        "rollback_alarms_none",
        lambda s: DeploymentConfig.all_at_once(wait=W, rollback_alarms=None),
        [f"rollback_alarms: got None; allowed: a list or tuple of {ALARMS}, or () for none"],
    ),
    (
        "rollback_alarms_a_string",
        lambda s: DeploymentConfig.all_at_once(wait=W, rollback_alarms="errors"),
        [f"rollback_alarms: got 'errors'; allowed: a list or tuple of {ALARMS}, or () for none"],
    ),
    (
        "rollback_alarms_a_dict",
        lambda s: DeploymentConfig.all_at_once(wait=W, rollback_alarms={}),
        [f"rollback_alarms: got {{}}; allowed: a list or tuple of {ALARMS}, or () for none"],
    ),
    # Values the chosen update has no member for: refused, not dropped.
    (
        "rolling_with_termination_wait",
        lambda s: DeploymentConfig(
            is_rolling=True, routing=None, size=P10, wait=W, termination_wait=Duration.minutes(5)
        ),
        ["termination_wait: got '5 minutes'; allowed: None (a rolling update has no termination wait)"],
    ),
    (
        "rolling_with_routing",
        lambda s: DeploymentConfig(is_rolling=True, routing=TrafficRouting.LINEAR, size=P10, wait=W),
        ["routing: got <TrafficRouting.LINEAR: 'LINEAR'>; allowed: None (a rolling update has no traffic routing)"],
    ),
    (
        "blue_green_with_rollback_batch",
        lambda s: DeploymentConfig(
            is_rolling=False,
            routing=TrafficRouting.ALL_AT_ONCE,
            size=None,
            wait=W,
            rollback_batch=CapacitySize.instances(2),
        ),
        [
            "rollback_batch: got CapacitySize.instances(2); allowed: None (a blue/green update has no rollback batch "
            "size)"
        ],
    ),
    # Durations out of range, not whole seconds, or too large for CDK to count in milliseconds.
    (
        "wait_not_whole_seconds",
        lambda s: DeploymentConfig.all_at_once(wait=Duration.millis(1500)),
        ["wait: got '1 second 500 millis'; allowed: whole seconds from 0 to 3600"],
    ),
    (
        "wait_beyond_milliseconds",
        lambda s: DeploymentConfig.all_at_once(wait=Duration.days(1e306)),
        ["wait: got 'Infinity days'; allowed: whole seconds from 0 to 3600"],
    ),
    (
        "wait_beyond_int32",
        lambda s: DeploymentConfig.all_at_once(wait=Duration.seconds(2**31)),
        ["wait: got '24855 days 3 hours'; allowed: whole seconds from 0 to 3600"],
    ),
    (
        "termination_wait_too_long",
        lambda s: DeploymentConfig.linear(CapacitySize.instances(2), wait=W, termination_wait=Duration.hours(2)),
        ["termination_wait: got '2 hours'; allowed: whole seconds from 0 to 3600"],
    ),
    (
        "timeout_too_long",
        lambda s: DeploymentConfig.rolling(P10, wait=W, timeout=Duration.hours(9)),
        ["timeout: got '9 hours'; allowed: whole seconds from 600 to 28800"],
    ),
    (
        "rolling_timeout_not_longer_than_wait",
        lambda s: DeploymentConfig.rolling(P10, wait=Duration.minutes(20), timeout=Duration.minutes(20)),
        ["timeout: got '20 minutes'; allowed: longer than wait and termination_wait together"],
    ),
    (
        "all_at_once_timeout_not_longer_than_wait",
        lambda s: DeploymentConfig.all_at_once(wait=Duration.minutes(20), timeout=Duration.minutes(15)),
        ["timeout: got '15 minutes'; allowed: longer than wait and termination_wait together"],
    ),
    # Sizes.
    (
        "instances_beyond_int32",
        lambda s: CapacitySize.instances(2**40),
        [f"count: got {2**40}; allowed: CapacitySize.instances(n) with n from 1 to {MAX_INT32}"],
    ),
    (
        "instances_zero",
        lambda s: CapacitySize.instances(0),
        [f"count: got 0; allowed: CapacitySize.instances(n) with n from 1 to {MAX_INT32}"],
    ),
    (
        "instances_a_bool",
        lambda s: CapacitySize.instances(True),
        [f"count: got True; allowed: CapacitySize.instances(n) with n from 1 to {MAX_INT32}"],
    ),
    (
        "instances_a_float",
        lambda s: CapacitySize.instances(2.0),
        [f"count: got 2.0; allowed: CapacitySize.instances(n) with n from 1 to {MAX_INT32}"],
    ),
    (
        "percent_above_100",
        lambda s: CapacitySize.percent(101),
        ["value: got 101; allowed: CapacitySize.percent(p) with p from 1 to 100"],
    ),
    (
        "percent_nan",
        lambda s: CapacitySize.percent(math.nan),
        ["value: got nan; allowed: CapacitySize.percent(p) with p from 1 to 100"],
    ),
    (
        "percent_infinite",
        lambda s: CapacitySize.percent(-math.inf),
        ["value: got -inf; allowed: CapacitySize.percent(p) with p from 1 to 100"],
    ),
    ("percent_a_string_token", lambda s: CapacitySize.percent(cdk.Lazy.string(_Constant("10"))), None),
    (
        "unit_a_string",
        lambda s: CapacitySize("INSTANCE_COUNT", 1),
        [
            "unit: got 'INSTANCE_COUNT'; allowed: CapacityUnit.INSTANCE_COUNT or CapacityUnit.CAPACITY_PERCENT "
            f"({SIZES})"
        ],
    ),
    (
        "unit_and_value_wrong",
        lambda s: CapacitySize(None, None),
        [
            f"unit: got None; allowed: CapacityUnit.INSTANCE_COUNT or CapacityUnit.CAPACITY_PERCENT ({SIZES})",
            f"value: got None; allowed: a whole number from 1 to {MAX_INT32}",
        ],
    ),
    (
        "canary_above_50_percent",
        lambda s: DeploymentConfig.canary(CapacitySize.percent(51), wait=W),
        ["size: got 51; allowed: CapacitySize.percent(p) with p from 1 to 50"],
    ),
    # Alarm names SageMaker refuses.
    (
        "alarm_name_blank",
        lambda s: DeploymentConfig.all_at_once(wait=W, rollback_alarms=[named_alarm(s, " \t")]),
        [f"rollback_alarms[0].alarm_name: got ' \\t'; allowed: {ALARM_NAME}"],
    ),
    (
        "alarm_name_too_long",
        lambda s: DeploymentConfig.all_at_once(
            wait=W, rollback_alarms=(named_alarm(s, "ok"), named_alarm(s, "a" * 256, "Long"))
        ),
        [f"rollback_alarms[1].alarm_name: got '{'a' * 256}'; allowed: {ALARM_NAME}"],
    ),
    (
        "alarm_name_with_a_newline",
        lambda s: DeploymentConfig.all_at_once(wait=W, rollback_alarms=[named_alarm(s, "errors\n")]),
        [f"rollback_alarms[0].alarm_name: got 'errors\\n'; allowed: {ALARM_NAME}"],
    ),
    (
        "alarm_name_with_delete",
        lambda s: DeploymentConfig.all_at_once(wait=W, rollback_alarms=[named_alarm(s, "err\x7fors")]),
        [f"rollback_alarms[0].alarm_name: got 'err\\x7fors'; allowed: {ALARM_NAME}"],
    ),
    # Several problems are reported together, in the order of the parameters.
    (
        "several",
        lambda s: DeploymentConfig.canary(None, wait=None, timeout=5, rollback_alarms=7),
        [
            f"size: got None; allowed: {CANARY_SIZE}",
            "wait: got None; allowed: an aws_cdk.Duration of whole seconds from 0 to 3600",
            "timeout: got 5; allowed: an aws_cdk.Duration of whole seconds from 600 to 28800, or None",
            f"rollback_alarms: got 7; allowed: a list or tuple of {ALARMS}, or () for none",
        ],
    ),
]


@pytest.mark.parametrize(("build", "expected"), [case[1:] for case in BAD_INPUTS], ids=[c[0] for c in BAD_INPUTS])
def test_a_bad_input_is_refused_with_its_message(stack, build, expected):
    with pytest.raises(ConfigurationError) as raised:
        build(stack)
    problems = [str(problem) for problem in raised.value.problems]
    if expected is None:  # a token's text is not stable: the start and the rule say enough
        (problem,) = problems
        assert problem.startswith("value: got '${Token[")
        assert problem.endswith("'; allowed: CapacitySize.percent(p) with p from 1 to 100")
    else:
        assert problems == expected


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e400])
def test_non_finite_numbers_never_reach_jsii(stack, synth, bad):
    for build in (
        lambda: CapacitySize.instances(bad),
        lambda: CapacitySize.percent(bad),
        lambda: CapacitySize(CapacityUnit.INSTANCE_COUNT, bad),
        lambda: DeploymentConfig.canary(bad, wait=W),
        lambda: DeploymentConfig.rolling(P10, wait=bad, timeout=bad, rollback_batch=bad),
        lambda: DeploymentConfig.all_at_once(wait=W, termination_wait=bad, rollback_alarms=[bad]),
        lambda: DeploymentConfig(is_rolling=bad, routing=bad, size=bad, wait=bad),
    ):
        problems_of(build)
    # The jsii process is alive: an endpoint still synthesizes.
    endpoint(stack, DeploymentConfig.canary(P10, wait=W))
    synth(stack).resource_count_is("AWS::SageMaker::Endpoint", 1)


def test_an_l1_alarm_is_refused_and_its_wrapped_form_deploys(stack, synth):
    cfn_alarm = l1_alarm(stack)
    assert problems_of(lambda: DeploymentConfig.all_at_once(wait=W, rollback_alarms=[cfn_alarm])) == [
        f"rollback_alarms[0]: got {cfn_alarm!r}; allowed: {L1_ALARM}"
    ]
    wrapped = cloudwatch.Alarm.from_alarm_name(stack, "Wrapped", cfn_alarm.ref)
    endpoint(stack, DeploymentConfig.all_at_once(wait=W, rollback_alarms=[wrapped]))
    assert deployment_config_of(synth(stack))["AutoRollbackConfiguration"] == {
        "Alarms": [{"AlarmName": {"Ref": stack.get_logical_id(cfn_alarm)}}]
    }


def test_anything_but_alarms_in_the_list_is_refused_as_a_whole(stack):
    alarm = named_alarm(stack, "errors")
    topic = sns.Topic(stack, "Topic")
    alarms = [alarm, topic, None]
    assert problems_of(lambda: DeploymentConfig.all_at_once(wait=W, rollback_alarms=alarms)) == [
        f"rollback_alarms: got {tuple(alarms)!r}; allowed: {ALARMS}"
    ]
    eleven = [named_alarm(stack, f"alarm-{i}", f"A{i}") for i in range(11)]
    assert problems_of(lambda: DeploymentConfig.all_at_once(wait=W, rollback_alarms=eleven)) == [
        f"rollback_alarms: got {tuple(eleven)!r}; allowed: {ALARMS}"
    ]


def test_a_duration_token_in_another_unit_is_refused():
    wait = Duration.minutes(number_token(1))
    assert problems_of(lambda: DeploymentConfig.all_at_once(wait=wait)) == [
        f"wait: got {wait.to_string()!r}; allowed: Duration.seconds(<token>): a token cannot be converted from "
        "other units"
    ]


def test_tokens_pass_unchecked_and_render(stack, synth):
    """Number tokens in sizes and ``Duration.seconds(<token>)`` are left to CloudFormation."""
    config = DeploymentConfig.rolling(
        CapacitySize.percent(number_token(20)),
        wait=seconds_token(600),
        timeout=seconds_token(1200),
        rollback_batch=CapacitySize.instances(cdk.Token.as_number(cdk.Lazy.any(_Constant(3)))),
        rollback_alarms=(named_alarm(stack, "errors"),),
    )
    endpoint(stack, config)
    assert deployment_config_of(synth(stack)) == {
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "errors"}]},
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 20},
            "WaitIntervalInSeconds": 600,
            "MaximumExecutionTimeoutInSeconds": 1200,
            "RollbackMaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 3},
        },
    }


@pytest.mark.parametrize(
    ("config", "policy"),
    [
        (
            DeploymentConfig.linear(CapacitySize.instances(2), wait=W, termination_wait=Duration.seconds(0)),
            {
                "TrafficRoutingConfiguration": {
                    "Type": "LINEAR",
                    "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 2},
                    "WaitIntervalInSeconds": 60,
                },
                "TerminationWaitInSeconds": 0,
            },
        ),
        (
            DeploymentConfig.all_at_once(
                wait=Duration.seconds(0), timeout=Duration.minutes(61), termination_wait=Duration.hours(1)
            ),
            {
                "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
                "MaximumExecutionTimeoutInSeconds": 3660,
                "TerminationWaitInSeconds": 3600,
            },
        ),
    ],
    ids=["linear", "all_at_once"],
)
def test_blue_green_renders_the_size_its_routing_takes(stack, synth, config, policy):
    endpoint(stack, config)
    assert deployment_config_of(synth(stack)) == {"BlueGreenUpdatePolicy": policy}


def test_a_size_shows_as_its_factory_call():
    assert repr(CapacitySize.instances(3)) == "CapacitySize.instances(3)"
    assert repr(CapacitySize.percent(25)) == "CapacitySize.percent(25)"
    assert CapacitySize.percent(25) == CapacitySize(CapacityUnit.CAPACITY_PERCENT, 25)


# --- any value of any type ------------------------------------------------------------------

#: Durations of every unit, from zero to past what CDK can count in milliseconds.
DURATIONS = st.builds(
    lambda unit, amount: unit(amount),
    st.sampled_from([Duration.millis, Duration.seconds, Duration.minutes, Duration.hours, Duration.days]),
    st.one_of(
        st.integers(min_value=0, max_value=2**53),
        st.floats(min_value=0, max_value=1e307),
        st.sampled_from([0, 1, 59, 60, 600, 3600, 3601, 28800, 28801, 2**31]),
    ),
)
#: Tokens of every kind: numbers (valid in any size or duration slot), strings and lists.
TOKENS = st.sampled_from(["number", "number_of_any", "string", "list", "seconds", "minutes"]).map(
    lambda kind: {
        "number": lambda: number_token(10),
        "number_of_any": lambda: cdk.Token.as_number(cdk.Lazy.any(_Constant(10))),
        "string": lambda: cdk.Lazy.string(_Constant("10")),
        "list": lambda: cdk.Token.as_list(cdk.Lazy.list(_Constant(["a"]))),
        "seconds": seconds_token,
        "minutes": lambda: Duration.minutes(number_token(15)),
    }[kind]()
)
#: Values of every type a caller might pass.
ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([-1, 0, 1, 10, 50, 100, 101, MAX_INT32, 2**31, 2**64, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    TOKENS,
    DURATIONS,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([object(), b"bytes", (), 1j, CapacityUnit.INSTANCE_COUNT, cloudwatch.Unit.PERCENT]),
    st.sampled_from(list(TrafficRouting)),
)


def capacity_sizes(low: int, high: int) -> st.SearchStrategy[CapacitySize]:
    """Valid sizes for a slot that takes percentages from ``low`` to ``high``."""
    return st.one_of(
        st.builds(CapacitySize.percent, st.integers(min_value=low, max_value=high)),
        st.builds(CapacitySize.instances, st.integers(min_value=1, max_value=MAX_INT32)),
        st.builds(lambda: CapacitySize.percent(number_token(10))),
    )


def durations(low: int, high: int) -> st.SearchStrategy[Duration]:
    """Valid durations from ``low`` to ``high`` seconds, in several units, or a token."""
    return st.one_of(
        st.builds(Duration.seconds, st.integers(min_value=low, max_value=high)),
        st.builds(Duration.minutes, st.integers(min_value=-(-low // 60), max_value=high // 60)),
        st.builds(lambda s: Duration.millis(s * 1000), st.integers(min_value=low, max_value=high)),
        st.builds(seconds_token),
    )


#: Alarms of every kind, made in the test's stack: IAlarms (new, imported, composite) and not.
ALARM_KINDS = ["new", "named", "arn", "composite", "l1", "blank", "long", "topic"]


@dataclass(frozen=True)
class AlarmRecipe:
    """An alarm to make in the stack of the example."""

    kind: str

    def make(self, stack: cdk.Stack, construct_id: str) -> Any:
        if self.kind == "new":
            metric = cloudwatch.Metric(namespace="AWS/SageMaker", metric_name="Invocation5XXErrors")
            return cloudwatch.Alarm(stack, construct_id, metric=metric, threshold=1, evaluation_periods=1)
        if self.kind == "composite":
            base = cloudwatch.Alarm.from_alarm_name(stack, f"{construct_id}Base", "base")
            rule = cloudwatch.AlarmRule.from_alarm(base, cloudwatch.AlarmState.ALARM)
            return cloudwatch.CompositeAlarm(stack, construct_id, alarm_rule=rule)
        if self.kind == "arn":
            arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:deploy-latency"
            return cloudwatch.Alarm.from_alarm_arn(stack, construct_id, arn)
        if self.kind == "l1":
            return l1_alarm(stack, construct_id)
        if self.kind == "topic":
            return sns.Topic(stack, construct_id)
        names = {"named": "deploy-errors", "blank": "  ", "long": "x" * 256}
        return named_alarm(stack, names[self.kind], construct_id)


VALID_ALARMS = st.sampled_from(["new", "named", "arn", "composite"]).map(AlarmRecipe)
ANY_ALARMS = st.one_of(st.sampled_from(ALARM_KINDS).map(AlarmRecipe), ANY)


def make_alarms(stack: cdk.Stack, value: Any) -> Any:
    """``value`` with its alarm recipes made in ``stack``."""
    if isinstance(value, AlarmRecipe):
        return value.make(stack, "Alarm")
    if isinstance(value, (list, tuple)):
        made = [make_alarms_item(stack, item, index) for index, item in enumerate(value)]
        return made if isinstance(value, list) else tuple(made)
    return value


def make_alarms_item(stack: cdk.Stack, item: Any, index: int) -> Any:
    return item.make(stack, f"Alarm{index}") if isinstance(item, AlarmRecipe) else item


def routed_sizes(routing: Any) -> st.SearchStrategy[CapacitySize | None]:
    """Valid sizes for a blue/green ``routing``: a canary, a step, or none."""
    if routing is TrafficRouting.CANARY:
        return capacity_sizes(1, 50)
    if routing is TrafficRouting.LINEAR:
        return capacity_sizes(10, 50)
    return st.none()


#: Each factory: its slots, each with a strategy of valid values (some slots' valid values
#: depend on others, so they are drawn by a function of the values drawn so far).
SLOTS: dict[str, dict[str, Callable[[dict[str, Any]], st.SearchStrategy[Any]]]] = {
    "blue_green": {
        "routing": lambda _: st.sampled_from(list(TrafficRouting)),
        "size": lambda drawn: routed_sizes(drawn.get("routing")),
    },
    "all_at_once": {},
    "canary": {"size": lambda _: capacity_sizes(1, 50)},
    "linear": {"step": lambda _: capacity_sizes(10, 50)},
    "rolling": {"batch": lambda _: capacity_sizes(5, 50)},
    "DeploymentConfig": {
        "is_rolling": lambda _: st.booleans(),
        "routing": lambda drawn: st.none() if drawn.get("is_rolling") else st.sampled_from(list(TrafficRouting)),
        "size": lambda drawn: capacity_sizes(5, 50) if drawn.get("is_rolling") else routed_sizes(drawn.get("routing")),
    },
}
COMMON_SLOTS: dict[str, Callable[[dict[str, Any]], st.SearchStrategy[Any]]] = {
    "wait": lambda _: durations(0, 3600),
    "timeout": lambda _: st.one_of(st.none(), durations(600, 28800)),
    "termination_wait": lambda drawn: (
        st.none()
        if drawn.get("is_rolling") or drawn.get("factory") == "rolling"
        else st.one_of(st.none(), durations(0, 3600))
    ),
    "rollback_batch": lambda drawn: (
        st.one_of(st.none(), capacity_sizes(1, 100))
        if drawn.get("is_rolling") or drawn.get("factory") == "rolling"
        else st.none()
    ),
    "rollback_alarms": lambda _: st.lists(VALID_ALARMS, max_size=10),
}
#: The keyword arguments each factory takes besides its own slots.
OPTIONS = {
    "blue_green": ["wait", "timeout", "termination_wait", "rollback_alarms"],
    "all_at_once": ["wait", "timeout", "termination_wait", "rollback_alarms"],
    "canary": ["wait", "timeout", "termination_wait", "rollback_alarms"],
    "linear": ["wait", "timeout", "termination_wait", "rollback_alarms"],
    "rolling": ["wait", "timeout", "rollback_batch", "rollback_alarms"],
    "DeploymentConfig": ["wait", "timeout", "termination_wait", "rollback_batch", "rollback_alarms"],
}
#: Parameters a problem may name: the dataclass fields, and CapacitySize's.
PARAMETERS = {
    "is_rolling",
    "routing",
    "size",
    "wait",
    "timeout",
    "termination_wait",
    "rollback_batch",
    "rollback_alarms",
}


def draw_arguments(data: st.DataObject, factory: str, *, min_broken: int = 0) -> dict[str, Any]:
    """Arguments for ``factory``: each slot valid, or (for ``min_broken`` to 3 slots drawn as broken) any value."""
    slots = {**SLOTS[factory], **{name: COMMON_SLOTS[name] for name in OPTIONS[factory]}}
    broken = data.draw(st.sets(st.sampled_from(sorted(slots)), min_size=min_broken, max_size=3), label="broken")
    drawn: dict[str, Any] = {"factory": factory}
    arguments: dict[str, Any] = {}
    for name, valid in slots.items():
        if name in broken:
            strategy = ANY_ALARMS if name == "rollback_alarms" else ANY
            if name == "rollback_alarms":
                strategy = st.one_of(strategy, st.lists(ANY_ALARMS, max_size=11), st.tuples(ANY_ALARMS))
            value = data.draw(strategy, label=name)
        else:
            value = data.draw(valid(drawn), label=name)
        drawn[name] = value
        optional = name in ("timeout", "termination_wait", "rollback_batch", "rollback_alarms")
        if value is not None or not optional or name in broken:
            arguments[name] = value
    return arguments


def build_config(stack: cdk.Stack, factory: str, arguments: dict[str, Any]) -> DeploymentConfig:
    """Call ``factory`` with ``arguments``, alarms made in ``stack``."""
    arguments = dict(arguments)
    if "rollback_alarms" in arguments:
        arguments["rollback_alarms"] = make_alarms(stack, arguments["rollback_alarms"])
    if factory == "DeploymentConfig":
        return DeploymentConfig(**arguments)
    own = list(SLOTS[factory])
    positional = [arguments.pop(name) for name in own]
    return getattr(DeploymentConfig, factory)(*positional, **arguments)


def assert_names_its_parameters(error: ConfigurationError, parameters: set[str]) -> None:
    for problem in error.problems:
        assert problem.parameter.split("[")[0] in parameters, str(problem)
        assert str(problem).startswith(f"{problem.parameter}: got ")


def assert_deploys(stack: cdk.Stack, config: DeploymentConfig, synth: Callable[[cdk.Stack], Any]) -> None:
    """``config`` renders, and a multi-model endpoint with it synthesizes and lints clean."""
    assert isinstance(config.to_cfn(), cdk.aws_sagemaker.CfnEndpoint.DeploymentConfigProperty)
    endpoint(stack, config)
    rendered = deployment_config_of(synth(stack))
    assert ("RollingUpdatePolicy" in rendered) is config.is_rolling
    assert ("BlueGreenUpdatePolicy" in rendered) is not config.is_rolling
    assert ("AutoRollbackConfiguration" in rendered) is bool(config.rollback_alarms)


SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def built_or_refused(stack: cdk.Stack, factory: str, arguments: dict[str, Any]) -> DeploymentConfig | None:
    """The config ``factory`` builds from ``arguments``, or ``None`` when refused naming its parameters."""
    try:
        config = build_config(stack, factory, arguments)
    except ConfigurationError as error:
        event("refused")
        assert_names_its_parameters(error, PARAMETERS)
        return None
    event("built")
    return config


@pytest.mark.parametrize("factory", sorted(SLOTS))
@settings(SETTINGS, max_examples=8)
@given(data=st.data())
def test_any_value_builds_a_config_that_deploys_or_is_refused(synth, factory, data):
    stack = cdk.Stack(cdk.App(), "Deploy")
    config = built_or_refused(stack, factory, draw_arguments(data, factory))
    if config is not None:
        assert_deploys(stack, config, synth)


@pytest.mark.parametrize("factory", sorted(SLOTS))
@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_a_wrong_value_in_any_slot_is_refused_naming_its_parameter_or_renders(factory, data):
    """Many wrong values, cheaply: what builds renders (the test above deploys a sample of them)."""
    stack = cdk.Stack(cdk.App(), "Deploy")
    config = built_or_refused(stack, factory, draw_arguments(data, factory, min_broken=1))
    if config is not None:
        assert isinstance(config.to_cfn(), cdk.aws_sagemaker.CfnEndpoint.DeploymentConfigProperty)


@pytest.mark.parametrize("factory", ["instances", "percent"])
@settings(SETTINGS, max_examples=12)
@given(value=st.one_of(ANY, st.integers(min_value=-1, max_value=102), st.integers(min_value=MAX_INT32 - 1)))
def test_any_capacity_size_is_a_valid_rollback_batch_or_is_refused(synth, factory, value):
    try:
        size = getattr(CapacitySize, factory)(value)
    except ConfigurationError as error:
        assert_names_its_parameters(error, {"count" if factory == "instances" else "value"})
        return
    assert isinstance(size.to_cfn(), cdk.aws_sagemaker.CfnEndpoint.CapacitySizeProperty)
    stack = cdk.Stack(cdk.App(), "Deploy")
    assert_deploys(stack, DeploymentConfig.rolling(P10, wait=W, rollback_batch=size), synth)

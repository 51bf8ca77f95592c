"""The scaling model: worked examples by hand, properties, and the lockstep engine's agreement."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs.errors import ConfigurationError
from mme_scaling_constructs.simulation import synthetic
from mme_scaling_constructs.simulation.config import (
    INVOCATIONS,
    UTILIZATION,
    ScheduledCapacity,
    SimulatedPolicy,
    SimulationConfig,
)
from mme_scaling_constructs.simulation.lockstep import simulate_many
from mme_scaling_constructs.simulation.model import simulate
from mme_scaling_constructs.simulation.parameters import ModelParameters
from mme_scaling_constructs.simulation.recommend import recommend
from mme_scaling_constructs.simulation.trace import Trace

PROPERTY = settings(max_examples=40, deadline=None)


def trace_of(values):
    return Trace(invocations=np.array(values, dtype=np.float64))


def invocations_config(target, *, low=1, high=10, out_s=300, in_s=600, **more):
    return SimulationConfig(
        min_capacity=low,
        max_capacity=high,
        policies=(SimulatedPolicy(metric=INVOCATIONS, target=target),),
        scale_in_cooldown_s=in_s,
        scale_out_cooldown_s=out_s,
        **more,
    )


def test_step_up_and_down_worked_by_hand():
    # 10 minutes at 100, 30 at 400, 30 at 100; target 100, R x 60 = 300, start-up 2 minutes.
    trace = trace_of([100] * 10 + [400] * 30 + [100] * 30)
    parameters = ModelParameters(startup_minutes=2)
    result = simulate(trace, invocations_config(100.0), max_rps_per_instance=5, parameters=parameters)
    # Minutes 10-12 breach (400 > 100): at the end of minute 12, ceil(1 x 400 / 100) = 4, serving
    # from minute 15. Minutes 13-14 still breach, but the endpoint is updating: no scaling.
    # Minutes 40-54 are below 90 (100 / 4 = 25): scale-in at the end of minute 54 to
    # ceil(4 x 25 / 100) = 1.
    expected_capacity = [1] * 13 + [4] * 42 + [1] * 15
    expected_serving = [1] * 15 + [4] * 40 + [1] * 15
    assert result.capacity.tolist() == expected_capacity
    assert result.in_service.tolist() == expected_serving
    assert result.instance_minutes == 13 + 42 * 4 + 15 == 196
    assert result.overloaded_minutes == 5  # minutes 10-14: 400 > 1 x 300
    assert result.max_overload_ratio == 400 / 300
    assert result.scaling_activities == 2
    assert result.static_peak_instances == 2
    assert result.static_peak_instance_minutes == 140


def test_ramp_worked_by_hand():
    # Load 50 x t for t = 0..11; target 100; no delay, no cooldown; R x 60 = 240.
    trace = trace_of([50 * t for t in range(12)])
    parameters = ModelParameters(startup_minutes=0)
    result = simulate(trace, invocations_config(100.0, out_s=0), max_rps_per_instance=4, parameters=parameters)
    # Minutes 3-5 breach (150, 200, 250 > 100): ceil(1 x 250 / 100) = 3 from minute 6.
    # Minutes 7-9 breach (350/3, 400/3, 450/3): ceil(3 x 150 / 100) = 5 from minute 10.
    assert result.capacity.tolist() == [1] * 6 + [3] * 4 + [5] * 2
    assert result.instance_minutes == 28
    assert result.scaling_activities == 2
    assert result.overloaded_minutes == 1  # minute 5: 250 > 240
    assert result.max_overload_ratio == 250 / 240


def test_utilization_policy_is_an_invocations_policy_at_its_share_of_capacity():
    trace = synthetic.ramp(minutes=240, start=100, end=3000)
    utilization = SimulationConfig(
        min_capacity=1, max_capacity=30, policies=(SimulatedPolicy(metric=UTILIZATION, target=50.0),)
    )
    invocations = invocations_config(60.0, high=30)  # 50 % of 2 rps x 60
    first = simulate(trace, utilization, max_rps_per_instance=2)
    second = simulate(trace, invocations, max_rps_per_instance=2)
    assert first.capacity.tolist() == second.capacity.tolist()


def test_disable_scale_in_keeps_the_capacity():
    trace = trace_of([50] * 5 + [400] * 30 + [10] * 60)
    config = SimulationConfig(
        min_capacity=1,
        max_capacity=10,
        policies=(SimulatedPolicy(metric=INVOCATIONS, target=100.0, disable_scale_in=True),),
    )
    result = simulate(trace, config, max_rps_per_instance=10)
    assert result.capacity[-1] == 4
    assert result.scaling_activities == 1


def test_suspended_scale_out():
    trace = trace_of([50] + [400] * 30)
    config = invocations_config(100.0, dynamic_scaling_out_suspended=True)
    assert simulate(trace, config, max_rps_per_instance=10).capacity.tolist() == [1] * 31


def test_scheduled_action_raises_the_floor_at_its_minute():
    # Index traces start on Monday 1970-01-05 00:00 UTC: 00:10 is minute 10.
    trace = trace_of([50] * 30)
    config = invocations_config(
        100.0,
        schedules=(ScheduledCapacity(name="morning", schedule="cron(10 0 * * ? *)", min_capacity=3),),
    )
    result = simulate(trace, config, max_rps_per_instance=10, parameters=ModelParameters(startup_minutes=2))
    assert result.capacity.tolist() == [1] * 10 + [3] * 20
    assert result.in_service.tolist() == [1] * 12 + [3] * 18
    assert result.scaling_activities == 1


def test_scheduled_scaling_suspended_ignores_actions():
    trace = trace_of([50] * 30)
    config = invocations_config(
        100.0,
        schedules=(ScheduledCapacity(name="morning", schedule="cron(10 0 * * ? *)", min_capacity=3),),
        scheduled_scaling_suspended=True,
    )
    assert simulate(trace, config, max_rps_per_instance=10).capacity.tolist() == [1] * 30


def test_costs():
    result = simulate(
        trace_of([0] * 120), invocations_config(70.0), max_rps_per_instance=1, price_per_instance_hour=0.5
    )
    assert result.cost == 1.0
    assert result.static_peak_cost == 1.0


def test_invalid_arguments_are_all_named():
    with pytest.raises(ConfigurationError) as caught:
        simulate(trace_of([1]), invocations_config(70.0), max_rps_per_instance=float("nan"), price_per_instance_hour=-1)
    assert str(caught.value) == (
        "Invalid simulation configuration (2 problems):\n"
        "  - max_rps_per_instance: got nan; allowed: a finite number greater than 0 (requests per second)\n"
        "  - price_per_instance_hour: got -1; allowed: a number from 0 to 1e9, or None"
    )


def test_invalid_model_parameters():
    with pytest.raises(ConfigurationError) as caught:
        ModelParameters(scale_out_datapoints=0, scale_in_threshold_ratio=1.5, startup_minutes=-1)
    assert [problem.parameter for problem in caught.value.problems] == [
        "scale_out_datapoints",
        "scale_in_threshold_ratio",
        "startup_minutes",
    ]


# --- properties ---------------------------------------------------------------------------

loads = st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=150)
cooldowns = st.sampled_from([0, 60, 120, 300, 600])


@st.composite
def configs(draw):
    low = draw(st.integers(min_value=1, max_value=4))
    policies = [SimulatedPolicy(metric=INVOCATIONS, target=draw(st.floats(min_value=20, max_value=400)))]
    if draw(st.booleans()):
        policies.append(
            SimulatedPolicy(
                metric=UTILIZATION,
                target=draw(st.floats(min_value=10, max_value=100)),
                disable_scale_in=draw(st.booleans()),
            )
        )
    return SimulationConfig(
        min_capacity=low,
        max_capacity=low + draw(st.integers(min_value=0, max_value=20)),
        policies=tuple(policies),
        scale_in_cooldown_s=draw(cooldowns),
        scale_out_cooldown_s=draw(cooldowns),
    )


parameters = st.builds(
    ModelParameters,
    scale_out_datapoints=st.integers(min_value=1, max_value=4),
    scale_in_datapoints=st.integers(min_value=1, max_value=16),
    startup_minutes=st.integers(min_value=0, max_value=6),
)


@PROPERTY
@given(loads, configs(), parameters)
def test_instances_stay_within_min_and_max(values, config, model):
    result = simulate(trace_of(values), config, max_rps_per_instance=3, parameters=model)
    assert result.capacity.min() >= config.min_capacity
    assert result.capacity.max() <= config.max_capacity
    assert (result.in_service >= 1).all()
    assert (result.in_service <= result.capacity).all()


@PROPERTY
@given(loads, configs(), parameters)
def test_no_scale_in_during_its_cooldown(values, config, model):
    result = simulate(trace_of(values), config, max_rps_per_instance=3, parameters=model)
    steps = np.diff(result.capacity)
    cooldown = math.ceil(config.scale_in_cooldown_s / 60)
    last_in = None
    for minute, step in enumerate(steps.tolist()):
        if step > 0:
            last_in = None  # a scale-out ends the scale-in cooldown
        elif step < 0:
            assert last_in is None or minute - last_in >= cooldown
            last_in = minute


@PROPERTY
@given(
    st.integers(min_value=0, max_value=5000),
    st.floats(min_value=10, max_value=500),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=0, max_value=5),
)
def test_constant_load_settles_at_load_over_target(load, target, low, extra, startup):
    config = invocations_config(target, low=low, high=low + extra, out_s=300)
    result = simulate(
        trace_of([load] * 120), config, max_rps_per_instance=1, parameters=ModelParameters(startup_minutes=startup)
    )
    assert result.capacity[-1] == min(max(math.ceil(load / target - 1e-9), low), low + extra)


@PROPERTY
@given(loads, st.integers(min_value=1, max_value=10), st.floats(min_value=0.5, max_value=50))
def test_fixed_fleet_overloads_exactly_where_load_exceeds_it(values, fleet, rps):
    config = invocations_config(70.0, low=fleet, high=fleet)
    result = simulate(trace_of(values), config, max_rps_per_instance=rps)
    assert result.overloaded_minutes == sum(1 for v in values if v > fleet * rps * 60)
    assert result.scaling_activities == 0


instant = st.builds(
    ModelParameters,
    scale_out_datapoints=st.integers(min_value=1, max_value=4),
    scale_in_datapoints=st.integers(min_value=1, max_value=16),
    startup_minutes=st.just(0),
)


@PROPERTY
@given(loads, st.floats(min_value=20, max_value=300), st.floats(min_value=1.0, max_value=3.0), instant)
def test_a_higher_target_never_uses_more_instance_minutes(values, target, factor, model):
    # With instant start-up and no scale-in cooldown. A start-up delay (next test) or a scale-in
    # cooldown started by an earlier, smaller scale-in (the one after) can make it fail.
    trace = trace_of(values)
    lower = simulate(trace, invocations_config(target, high=30, in_s=0), max_rps_per_instance=3, parameters=model)
    higher = simulate(
        trace, invocations_config(target * factor, high=30, in_s=0), max_rps_per_instance=3, parameters=model
    )
    assert higher.instance_minutes <= lower.instance_minutes


def test_a_lower_target_can_block_a_larger_scale_out_while_it_updates():
    # Lower target: scale-out to 2 at minute 1; its instances start until minute 3, and the
    # update blocks the policy at minute 2. Higher target: scale-out to ceil(121 / 40) = 4 at
    # minute 2. So a higher target can cost more when a start-up delay blocks scaling.
    trace = trace_of([0, 21, 121, 0])
    model = ModelParameters(scale_out_datapoints=1, scale_in_datapoints=1, startup_minutes=1)
    lower = simulate(trace, invocations_config(20.0), max_rps_per_instance=3, parameters=model)
    higher = simulate(trace, invocations_config(40.0), max_rps_per_instance=3, parameters=model)
    assert lower.capacity.tolist() == [1, 1, 2, 2]
    assert higher.capacity.tolist() == [1, 1, 1, 4]
    assert higher.instance_minutes > lower.instance_minutes


def test_a_higher_target_can_scale_in_early_and_be_held_by_its_cooldown():
    # Target 30: 22 instances, then 571 / 22 < 27 scales in to 20 at minute 2, whose 600 s
    # cooldown holds 20 through the idle minutes. Target 20: 30 instances, no early scale-in, so
    # it scales in to 1 at minute 3.
    trace = trace_of([0, 631, 571, 0, 0])
    model = ModelParameters(scale_out_datapoints=1, scale_in_datapoints=1, startup_minutes=0)
    lower = simulate(trace, invocations_config(20.0, high=30), max_rps_per_instance=3, parameters=model)
    higher = simulate(trace, invocations_config(30.0, high=30), max_rps_per_instance=3, parameters=model)
    assert lower.capacity.tolist() == [1, 1, 30, 30, 1]
    assert higher.capacity.tolist() == [1, 1, 22, 20, 20]
    assert higher.instance_minutes > lower.instance_minutes


@PROPERTY
@given(loads, st.lists(configs(), min_size=1, max_size=6), parameters)
def test_lockstep_equals_one_by_one(values, many, model):
    trace = trace_of(values)
    together = simulate_many(trace, many, max_rps_per_instance=3, parameters=model)
    for index, config in enumerate(many):
        alone = simulate(trace, config, max_rps_per_instance=3, parameters=model)
        assert together.instance_minutes[index] == alone.instance_minutes
        assert together.overloaded_minutes[index] == alone.overloaded_minutes
        assert together.max_overload_ratio[index] == alone.max_overload_ratio
        assert together.scaling_activities[index] == alone.scaling_activities


# --- synthetic traces and the recommender -------------------------------------------------


@pytest.mark.parametrize(
    "trace",
    [
        synthetic.diurnal(minutes=2 * 1440),
        synthetic.spike(),
        synthetic.ramp(),
        synthetic.noisy(synthetic.diurnal(minutes=1440), seed=3),
    ],
    ids=["diurnal", "spike", "ramp", "noisy"],
)
def test_autoscaling_near_capacity_is_cheaper_than_the_static_peak_fleet(trace):
    config = invocations_config(100.0, low=2, high=50)  # 83 % of 2 rps x 60
    result = simulate(trace, config, max_rps_per_instance=2)
    assert result.instance_minutes < result.static_peak_instance_minutes


def test_spike_overloads_while_instances_start():
    trace = synthetic.spike(base=500, height=5000, at=120, length=30)
    result = simulate(trace, invocations_config(60.0, low=2, high=50), max_rps_per_instance=2)
    assert result.overloaded_minutes > 0
    assert result.in_service[150] >= math.ceil(5000 / 120)


def test_recommendation_fits_the_budget_and_reproduces():
    trace = synthetic.noisy(synthetic.diurnal(minutes=1440), seed=1)
    recommendation = recommend(trace, max_rps_per_instance=2, overload_budget=0.01)
    assert recommendation.within_budget
    assert recommendation.result.overloaded_minutes <= 14
    again = simulate(trace, recommendation.config, max_rps_per_instance=2)
    assert again.instance_minutes == recommendation.result.instance_minutes
    assert again.instance_minutes < again.static_peak_instance_minutes


def test_the_variant_starts_settled_for_the_first_minute():
    # ceil(1000 / 100) = 10 instances at minute 0, not a cold min_capacity.
    result = simulate(trace_of([1000] * 5), invocations_config(100.0, high=20), max_rps_per_instance=5)
    assert result.capacity.tolist() == [10] * 5
    assert result.scaling_activities == 0
    capped = simulate(trace_of([1000] * 5), invocations_config(100.0, high=4), max_rps_per_instance=5)
    assert capped.capacity.tolist() == [4] * 5

"""Scheduled actions in the simulator: when expressions fire, learned schedules, and the recommender's use of them."""

import datetime
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs.simulation import synthetic
from mme_scaling_constructs.simulation.config import ScheduledCapacity, SimulationConfig
from mme_scaling_constructs.simulation.learned_schedules import learned_schedules
from mme_scaling_constructs.simulation.model import simulate
from mme_scaling_constructs.simulation.recommend import candidate_configs, recommend
from mme_scaling_constructs.simulation.schedule_times import SCHEDULE_RULE, firing_minutes, schedule_problem
from mme_scaling_constructs.simulation.trace import INDEX_EPOCH, Trace

SUNDAY_AFTERNOON = datetime.datetime(2026, 3, 1, 13, 7, tzinfo=datetime.UTC)


def shown(minutes, start=SUNDAY_AFTERNOON):
    return [(start + datetime.timedelta(minutes=int(m))).strftime("%a %d %H:%M") for m in minutes]


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("cron(0 8 ? * MON-FRI *)", ["Mon 02 08:00", "Tue 03 08:00", "Wed 04 08:00", "Thu 05 08:00", "Fri 06 08:00"]),
        ("cron(30 23 * * ? *)", ["Sun 01 23:30", "Mon 02 23:30", "Tue 03 23:30", "Wed 04 23:30", "Thu 05 23:30"]),
        ("cron(0 */12 * * ? *)", ["Mon 02 00:00", "Mon 02 12:00", "Tue 03 00:00", "Tue 03 12:00", "Wed 04 00:00"]),
        ("cron(0 9 2,4 MAR ? 2026)", ["Mon 02 09:00", "Wed 04 09:00"]),
        ("rate(2 days)", ["Sun 01 13:07", "Tue 03 13:07", "Thu 05 13:07"]),
        ("at(2026-03-03T10:00:00)", ["Tue 03 10:00"]),
        ("at(2026-02-01T10:00:00)", []),
    ],
)
def test_firing_minutes(schedule, expected):
    assert shown(firing_minutes(schedule, SUNDAY_AFTERNOON, 6 * 1440))[:5] == expected


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=23),
    st.sampled_from(["?", "MON-FRI", "SUN", "2,4,6", "FRI-SAT", "1-7/2"]),
    st.integers(min_value=0, max_value=10**6),
)
def test_daily_fast_path_equals_the_calendar(minute, hour, days, offset):
    start = INDEX_EPOCH + datetime.timedelta(minutes=offset)
    month_day = "*" if days == "?" else "?"
    fast = firing_minutes(f"cron({minute} {hour} {month_day} * {days} *)", start, 20 * 1440)
    general = firing_minutes(f"cron({minute} {hour} {month_day} * {days} 1970-2199)", start, 20 * 1440)
    assert fast.tolist() == general.tolist()


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        ("cron(0 8 * * MON *)", f"{SCHEDULE_RULE}; exactly one of day-of-month and day-of-week is '?'"),
        ("cron(0 8 L * ? *)", SCHEDULE_RULE),
        ("cron(0 25 * * ? *)", SCHEDULE_RULE),
        ("rate(1 days)", SCHEDULE_RULE),
        ("at(2026-02-30T10:00:00)", SCHEDULE_RULE),
        (7, SCHEDULE_RULE),
        ("cron(0 8 * * ? *)", None),
    ],
)
def test_schedule_problems(schedule, problem):
    assert schedule_problem(schedule) == problem


def test_learned_daily_schedule_fires_a_start_up_ahead_of_the_peak():
    trace = synthetic.diurnal(minutes=3 * 1440, base=100, peak=1200, weekend_factor=1.0)
    actions = learned_schedules(
        trace, period="daily", max_rps_per_instance=2, fraction=1.0, lead_minutes=5, min_capacity=1, max_capacity=20
    )
    assert max(action.min_capacity for action in actions) == 10  # ceil(1200 / 120)
    assert min(action.min_capacity for action in actions) == 1
    assert all(action.schedule.startswith("cron(55 ") for action in actions)  # five minutes ahead of the hour
    assert all(action.schedule.endswith(" * * ? *)") for action in actions)
    floors = [action.min_capacity for action in actions]
    assert all(a != b for a, b in itertools.pairwise(floors))  # one action per change
    assert (
        learned_schedules(
            synthetic.diurnal(minutes=1440),
            period="daily",
            max_rps_per_instance=2,
            fraction=1.0,
            lead_minutes=5,
            min_capacity=1,
            max_capacity=20,
        )
        == ()
    )


def test_learned_schedule_replays_in_the_model():
    trace = synthetic.diurnal(minutes=3 * 1440, base=100, peak=1200, weekend_factor=1.0)
    action = ScheduledCapacity(name="peak", schedule="cron(55 14 * * ? *)", min_capacity=10)
    config = SimulationConfig(
        min_capacity=1,
        max_capacity=20,
        schedules=(action,),
        dynamic_scaling_in_suspended=True,
        dynamic_scaling_out_suspended=True,
    )
    result = simulate(trace, config, max_rps_per_instance=2)
    assert result.capacity[14 * 60 + 55] == 10
    assert result.in_service[15 * 60] == 10  # served after the five-minute start-up


def test_recommender_tries_learned_schedules_and_keeps_the_cheapest():
    trace = synthetic.noisy(synthetic.diurnal(minutes=3 * 1440, weekend_factor=1.0), seed=5)
    recommendation = recommend(trace, max_rps_per_instance=2, overload_budget=0.005)
    assert recommendation.within_budget
    again = simulate(trace, recommendation.config, max_rps_per_instance=2)
    assert (again.instance_minutes, again.overloaded_minutes) == (
        recommendation.result.instance_minutes,
        recommendation.result.overloaded_minutes,
    )
    reactive = candidate_configs(trace, max_rps_per_instance=2, instance_type=None, min_capacity_floor=2)
    assert recommendation.candidates > len(reactive)  # scheduled candidates were simulated too
    cheapest_reactive = min(
        simulate(trace, config, max_rps_per_instance=2).instance_minutes
        for config in reactive[:: max(1, len(reactive) // 60)]
        if simulate(trace, config, max_rps_per_instance=2).overloaded_minutes <= 0.005 * trace.minutes
    )
    assert recommendation.result.instance_minutes <= cheapest_reactive


def test_a_lower_ceiling_is_searched():
    trace = synthetic.noisy(synthetic.diurnal(minutes=1440), seed=3)
    configs = candidate_configs(trace, max_rps_per_instance=2, instance_type=None, min_capacity_floor=2)
    assert len({config.max_capacity for config in configs}) == 3


def test_schedule_in_a_trace_with_timestamps():
    start = datetime.datetime(2026, 3, 2, 7, 50, tzinfo=datetime.UTC)
    trace = Trace(invocations=np.full(30, 10.0), start=start)
    action = ScheduledCapacity(name="eight", schedule="cron(0 8 ? * MON *)", min_capacity=3)
    config = SimulationConfig(min_capacity=1, max_capacity=5, schedules=(action,))
    result = simulate(trace, config, max_rps_per_instance=2)
    assert result.capacity.tolist() == [1] * 10 + [3] * 20


def test_cron_in_a_time_zone_follows_its_wall_clock_across_daylight_saving():
    """08:00 in Paris is 07:00 UTC in winter and 06:00 UTC in summer (DST began 2026-03-29)."""
    start = datetime.datetime(2026, 3, 27, tzinfo=datetime.UTC)
    fired = firing_minutes("cron(0 8 * * ? *)", start, 4 * 1440, time_zone="Europe/Paris")
    assert [(start + datetime.timedelta(minutes=int(m))).strftime("%m-%d %H:%M") for m in fired] == [
        "03-27 07:00",
        "03-28 07:00",
        "03-29 06:00",
        "03-30 06:00",
    ]


def test_an_at_expression_is_read_in_its_time_zone():
    start = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    (minute,) = firing_minutes("at(2026-03-02T09:30:00)", start, 1440, time_zone="America/New_York").tolist()
    assert minute == 14 * 60 + 30  # 09:30 EST is 14:30 UTC


def test_start_and_end_times_bound_the_firings():
    start = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    fired = firing_minutes(
        "rate(1 hour)",
        start,
        1440,
        start_time=datetime.datetime(2026, 3, 2, 5, 30, tzinfo=datetime.UTC),
        end_time=datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC),
    )
    assert fired.tolist() == [330, 390, 450]


def test_a_preset_schedule_with_a_time_zone_and_times_is_simulated():
    from mme_scaling_constructs import ScalingPreset, ScheduledScaling
    from mme_scaling_constructs.simulation.sources import config_from_preset

    action = ScheduledScaling(
        name="mornings",
        schedule="cron(0 8 ? * MON-FRI *)",
        min_capacity=3,
        time_zone="Europe/Paris",
        start_time=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
        end_time=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
    )
    config = config_from_preset(ScalingPreset.cpu(max_capacity=6).with_schedule(action), "ml.c5.xlarge")
    (scheduled,) = config.schedules
    assert (scheduled.time_zone, scheduled.start_time, scheduled.end_time) == (
        "Europe/Paris",
        "2026-03-02T00:00:00+00:00",
        "2026-04-01T00:00:00+00:00",
    )
    assert type(config).from_json(config.to_json()) == config

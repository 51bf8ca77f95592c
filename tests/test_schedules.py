"""Scheduled actions: the schedule grammar, names, capacities against the target, times, totality."""

from __future__ import annotations

import datetime
import enum
import itertools
import math
import re
import zoneinfo
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk.assertions import Template
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import (
    ConfigurationError,
    InvocationsPerInstancePolicy,
    Problem,
    ScalingPreset,
    ScheduledScaling,
    SuspendedState,
)
from mme_scaling_constructs.schedules import (
    AT_RULE,
    CRON_FORM,
    DATETIME_RULE,
    RATE_RULE,
    SCHEDULE_RULE,
    is_valid_schedule,
    schedule_problem,
)
from tests.conftest import lint_errors

UTC = datetime.UTC
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
FIELDS = ("name", "schedule", "min_capacity", "max_capacity", "time_zone", "start_time", "end_time")
FLAGS = ("dynamic_scaling_in_suspended", "dynamic_scaling_out_suspended", "scheduled_scaling_suspended")
PUT_SCHEDULED_ACTION = (
    botocore.session.get_session()
    .get_service_model("application-autoscaling")
    .operation_model("PutScheduledAction")
    .input_shape
)


def problems_of(build: Any) -> list[str]:
    with pytest.raises(ConfigurationError) as raised:
        build()
    return [str(problem) for problem in raised.value.problems]


def action(**overrides: Any) -> ScheduledScaling:
    arguments: dict[str, Any] = {"name": "daily", "schedule": "cron(0 8 * * ? *)", "min_capacity": 2}
    arguments.update(overrides)
    return ScheduledScaling(**arguments)


def new_target() -> tuple[cdk.Stack, appscaling.ScalableTarget]:
    stack = cdk.Stack(cdk.App(), "Schedules")
    target = appscaling.ScalableTarget(
        stack,
        "Target",
        service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
        resource_id="endpoint/my-endpoint/variant/AllTraffic",
        scalable_dimension="sagemaker:variant:DesiredInstanceCount",
        min_capacity=1,
        max_capacity=4,
    )
    return stack, target


def scheduled_actions(stack: cdk.Stack) -> list[dict[str, Any]]:
    template = Template.from_stack(stack).to_json()
    assert lint_errors(template) == []
    targets = [r for r in template["Resources"].values() if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"]
    actions: list[dict[str, Any]] = targets[0]["Properties"]["ScheduledActions"]
    return actions


# --- The schedule grammar -------------------------------------------------------------------

#: Built from the examples and wildcards of the EventBridge cron reference and the Application Auto
#: Scaling user guide (L, W, LW, #, names, ranges, steps, lists, years), and the rate forms.
DOCUMENTED = [
    "cron(0 10 * * ? *)",
    "cron(15 12 * * ? *)",
    "cron(0 18 ? * MON-FRI *)",
    "cron(0 8 1 * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0/10 * ? * MON-FRI *)",
    "cron(0/5 8-17 ? * MON-FRI *)",
    "cron(0 9 ? * 2#1 *)",
    "cron(30 6 ? * MON *)",
    "cron(0 8 ? * 3#2 *)",
    "cron(0 8 3W * ? *)",
    "cron(0 8 L * ? *)",
    "cron(0 8 ? * L *)",
    "cron(0 8 ? JAN,FEB,MAR * *)",
    "cron(0 8 1-15 * ? *)",
    "cron(0 8 ? * 6L 2027-2030)",
    "cron(* * * * ? *)",
    "cron(0 8 LW * ? *)",
    "cron(5,35 14 * * ? 2027)",
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
]


@pytest.mark.parametrize("schedule", DOCUMENTED)
def test_documented_schedules_are_accepted(schedule):
    assert schedule_problem(schedule) is None
    assert action(schedule=schedule).schedule == schedule


def test_accepted_schedules_pass_cfn_lints_schedule_rule():
    # cfn-lint's E3027 checks EventBridge rule schedules: six fields, one of the day fields '?'.
    rules = {
        f"Rule{i}": {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": schedule}}
        for i, schedule in enumerate(DOCUMENTED)
    }
    assert lint_errors({"Resources": rules}) == []


def cron_error(field: str, text: str) -> str:
    return f"{CRON_FORM} where {field} ({text!r}) must be "


BOTH_DAYS = f"{CRON_FORM} where exactly one of day-of-month and day-of-week must be '?'"


@pytest.mark.parametrize(
    ("schedule", "allowed"),
    [
        ("cron(0 8 * * MON-FRI *)", BOTH_DAYS),
        ("cron(0 8 ? * ? *)", BOTH_DAYS),
        ("cron(0 8 * * ?)", f"{CRON_FORM}: six fields separated by single spaces"),
        ("cron(0  8 * * ? *)", f"{CRON_FORM}: six fields separated by single spaces"),
        (
            "cron(60 8 * * ? *)",
            f"{CRON_FORM} where minutes ('60') must be 0-59 as a value, a range a-b with a <= b, a step x/n "
            "(x a value, a range or *; n from 1 to 59), *, or a list of these joined by ','",
        ),
        (
            "cron(0 8 ? * */2 *)",
            f"{CRON_FORM} where day-of-week ('*/2') must be 1-7 or SUN-SAT as a value, a range a-b with a <= b, *, "
            "or a list of these joined by ','; or alone: ?, L (the last day of the week), dL (the last day d of "
            "the month) or d#n (the nth day d of the month, n from 1 to 5)",
        ),
        (
            "cron(0 24 * * MON *)",
            f"{CRON_FORM} where hours ('24') must be 0-23 as a value, a range a-b with a <= b, a step x/n "
            "(x a value, a range or *; n from 1 to 23), *, or a list of these joined by ','; and exactly one of "
            "day-of-month and day-of-week must be '?'",
        ),
    ],
)
def test_cron_errors_say_which_field_is_wrong(schedule, allowed):
    assert problems_of(lambda: action(schedule=schedule)) == [f"schedule: got {schedule!r}; allowed: {allowed}"]


@pytest.mark.parametrize(
    ("schedule", "field", "text"),
    [
        ("cron(0 8-17/0 * * ? *)", "hours", "8-17/0"),
        ("cron(0 17-9 * * ? *)", "hours", "17-9"),
        ("cron(0 8 32 * ? *)", "day-of-month", "32"),
        ("cron(0 8 0 * ? *)", "day-of-month", "0"),
        ("cron(0 8 L,15 * ? *)", "day-of-month", "L,15"),
        ("cron(0 8 32W * ? *)", "day-of-month", "32W"),
        ("cron(0 8 * 13 ? *)", "month", "13"),
        ("cron(0 8 * jan ? *)", "month", "jan"),
        ("cron(0 8 ? * 0 *)", "day-of-week", "0"),
        ("cron(0 8 ? * 8 *)", "day-of-week", "8"),
        ("cron(0 8 ? * SAT-SUN *)", "day-of-week", "SAT-SUN"),
        ("cron(0 8 ? * 3#1,6#3 *)", "day-of-week", "3#1,6#3"),
        ("cron(0 8 ? * 2#6 *)", "day-of-week", "2#6"),
        ("cron(0 8 ? * W *)", "day-of-week", "W"),
        ("cron(0 8 * * ? 1969)", "year", "1969"),
        ("cron(0 8 * * ? 2200)", "year", "2200"),
        ("cron(0 8 * * ? 27)", "year", "27"),
        ("cron(0/60 8 * * ? *)", "minutes", "0/60"),
        ("cron(1,,2 8 * * ? *)", "minutes", "1,,2"),
        ("cron(0 \u0668 * * ? *)", "hours", "\u0668"),
    ],
)
def test_each_field_has_its_own_values_and_wildcards(schedule, field, text):
    allowed = schedule_problem(schedule)
    assert allowed is not None
    assert allowed.startswith(cron_error(field, text))


@pytest.mark.parametrize(
    ("schedule", "allowed"),
    [
        ("at(2027-03-01T06:00:00)\n", SCHEDULE_RULE),
        ("rate(1 hour)\n", SCHEDULE_RULE),
        ("cron(0 8 * * ? *)\n", SCHEDULE_RULE),
        ("rate(\u0665 minutes)", RATE_RULE),
        ("rate(0 minutes)", RATE_RULE),
        ("rate(1 minutes)", RATE_RULE),
        ("rate(2 hour)", RATE_RULE),
        ("rate( 1 day)", RATE_RULE),
        ("rate(1 week)", RATE_RULE),
        ("at(2027-02-29T06:00:00)", AT_RULE),
        ("at(2027-03-01T24:00:00)", AT_RULE),
        ("at(2027-03-01 06:00:00)", AT_RULE),
        ("at(\uff12\uff10\uff12\uff17-03-01T06:00:00)", AT_RULE),
        ("every day", SCHEDULE_RULE),
    ],
)
def test_at_and_rate_expressions_match_whole(schedule, allowed):
    assert problems_of(lambda: action(schedule=schedule)) == [f"schedule: got {schedule!r}; allowed: {allowed}"]


def test_a_leap_day_at_expression_is_accepted():
    assert is_valid_schedule("at(2028-02-29T06:00:00)")


def test_schedules_are_at_most_as_long_as_the_api_takes():
    limit = PUT_SCHEDULED_ACTION.members["Schedule"].metadata["max"]
    minutes = ",".join(["0"] * 791)
    longest = f"cron(00,{minutes} 8 * * ? *)"
    assert len(longest) == limit
    assert is_valid_schedule(longest)
    assert schedule_problem(f"cron(0,0,{minutes} 8 * * ? *)") == f"at most {limit} characters: {SCHEDULE_RULE}"


def values(low: int, high: int, names: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    numbers = st.integers(low, high).map(str)
    return st.one_of(numbers, st.sampled_from(names)) if names else numbers


@st.composite
def cron_field(draw: st.DrawFn, low: int, high: int, names: tuple[str, ...] = (), steps: bool = True) -> str:
    """A field built from the EventBridge cron reference: values, ranges, steps, lists, '*'."""
    value = values(low, high, names)

    @st.composite
    def item(draw: st.DrawFn) -> str:
        kind = draw(st.sampled_from(("value", "range", "step") if steps else ("value", "range")))
        if kind == "range":
            first, last = sorted((draw(st.integers(low, high)), draw(st.integers(low, high))))
            return f"{first}-{last}"
        if kind == "step":
            start = draw(st.one_of(st.just("*"), value))
            return f"{start}/{draw(st.integers(1, high - low if high > 100 else high))}"
        return draw(value)

    if draw(st.integers(0, 4)) == 0:
        return "*"
    return ",".join(draw(st.lists(item(), min_size=1, max_size=3)))


MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


@st.composite
def cron_expressions(draw: st.DrawFn) -> str:
    day_of_month = draw(
        st.one_of(
            cron_field(1, 31),
            st.sampled_from(("L", "LW")),
            st.integers(1, 31).map(lambda day: f"{day}W"),
        )
    )
    day_of_week = draw(
        st.one_of(
            cron_field(1, 7, DAYS, steps=False),
            st.just("L"),
            values(1, 7, DAYS).map(lambda day: f"{day}L"),
            st.tuples(values(1, 7, DAYS), st.integers(1, 5)).map(lambda pair: f"{pair[0]}#{pair[1]}"),
        )
    )
    if draw(st.booleans()):
        day_of_month = "?"
    else:
        day_of_week = "?"
    fields = (
        draw(cron_field(0, 59)),
        draw(cron_field(0, 23)),
        day_of_month,
        draw(cron_field(1, 12, MONTHS)),
        day_of_week,
        draw(cron_field(1970, 2199)),
    )
    return f"cron({' '.join(fields)})"


@settings(max_examples=100, deadline=None)
@given(cron_expressions())
def test_every_expression_of_the_grammar_is_accepted(schedule):
    assert schedule_problem(schedule) is None


OUT_OF_RANGE = {0: ("minutes", "60"), 1: ("hours", "24"), 3: ("month", "13"), 5: ("year", "2200")}


@settings(max_examples=60, deadline=None)
@given(cron_expressions(), st.sampled_from(sorted(OUT_OF_RANGE)))
def test_an_out_of_range_value_is_refused_naming_its_field(schedule, index):
    fields = schedule[len("cron(") : -1].split(" ")
    name, bad = OUT_OF_RANGE[index]
    fields[index] = bad
    allowed = schedule_problem(f"cron({' '.join(fields)})")
    assert allowed is not None
    assert allowed.startswith(cron_error(name, bad))


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.binary(max_size=4),
    st.lists(st.text(max_size=3), max_size=2),
    st.text(alphabet="cronatem()0123456789 *?,-/#LW:T", max_size=40),
    st.from_regex(r"(cron|rate|at)\(.{0,30}\)\n?", fullmatch=True),
)


@settings(max_examples=200, deadline=None)
@given(ANYTHING)
def test_the_schedule_check_answers_any_value(value):
    problem = schedule_problem(value)
    assert problem is None or isinstance(problem, str)
    assert is_valid_schedule(value) is (problem is None)
    if problem is None:
        assert isinstance(value, str)
        assert not value.endswith("\n")


# --- Names ----------------------------------------------------------------------------------


def name_is_valid_per_the_api_model(name: str) -> bool:
    """``ScheduledActionName`` per botocore: its length bounds and its (Java) pattern.

    Java's ``.`` does not match line terminators (``\\n``, ``\\r``, ``\\u0085``, ``\\u2028``,
    ``\\u2029``); lone surrogates cannot be sent as UTF-8 at all.
    """
    shape = PUT_SCHEDULED_ACTION.members["ScheduledActionName"]
    if not shape.metadata["min"] <= len(name) <= shape.metadata["max"]:
        return False
    if any(char in "\n\r\u0085\u2028\u2029" or "\ud800" <= char <= "\udfff" for char in name):
        return False
    return re.fullmatch(shape.metadata["pattern"], name) is not None


NAME_CHARACTERS = st.one_of(
    st.sampled_from(" :/|\t\n\r\x00\x1f\x7f\x85\x9f\xa0\u2028\u2029\u3000ab-_.Zé"),
    st.characters(),
)


@settings(max_examples=250, deadline=None)
@given(st.one_of(st.text(NAME_CHARACTERS, max_size=6), st.text(st.sampled_from("ab "), min_size=250, max_size=260)))
def test_action_names_follow_the_api_model(name):
    try:
        action(name=name)
    except ConfigurationError as error:
        assert [problem.parameter for problem in error.problems] == ["name"]
        assert not name_is_valid_per_the_api_model(name)
    else:
        assert name_is_valid_per_the_api_model(name)


@pytest.mark.parametrize("name", ["a\tb", "a\x00b", "nights\n", "a\u2028b"])
def test_control_characters_are_refused_in_names(name):
    assert problems_of(lambda: action(name=name)) == [
        f"name: got {name!r}; allowed: 1 to 256 characters without ':', '/' or '|', no control characters, "
        "and no leading or trailing spaces"
    ]


def test_names_may_start_with_non_space_blanks():
    # Only ' ' is refused at either end (botocore ScheduledActionName pattern).
    assert action(name="\u00a0nights\u3000").name == "\u00a0nights\u3000"


# --- Capacities against the target ---------------------------------------------------------


def test_a_floor_above_the_targets_max_needs_a_max():
    problems = action(min_capacity=6).capacity_problems(
        target_min_capacity=2, target_max_capacity=4, parameter="schedules[0]"
    )
    assert problems == [
        Problem(
            parameter="schedules[0].min_capacity",
            value=6,
            allowed="at most the target's max_capacity (4); give max_capacity too when raising the floor above "
            "the target's max_capacity (4)",
        )
    ]


def test_a_ceiling_below_the_targets_min_needs_a_min():
    problems = action(min_capacity=None, max_capacity=1).capacity_problems(
        target_min_capacity=2, target_max_capacity=4, parameter="schedules[3]"
    )
    assert [str(problem) for problem in problems] == [
        "schedules[3].max_capacity: got 1; allowed: at least the target's min_capacity (2); give min_capacity too "
        "when lowering the ceiling below the target's min_capacity (2)"
    ]


@pytest.mark.parametrize(
    ("bounds", "target_min", "target_max"),
    [
        ({"min_capacity": 6, "max_capacity": 8}, 2, 4),
        ({"min_capacity": 4}, 2, 4),
        ({"min_capacity": 1, "max_capacity": 1}, 2, 4),
        ({"min_capacity": None, "max_capacity": 2}, 2, 4),
        ({"min_capacity": 6}, 2, None),
        ({"min_capacity": 6}, 2, math.nan),
        ({"min_capacity": 6}, 2, "4"),
        ({"min_capacity": 6}, 2, True),
        ({"min_capacity": None, "max_capacity": 1}, [2], 4),
    ],
)
def test_actions_within_or_beside_the_target_bounds_pass(bounds, target_min, target_max):
    assert (
        action(**bounds).capacity_problems(
            target_min_capacity=target_min, target_max_capacity=target_max, parameter="schedules[0]"
        )
        == []
    )


def test_tokens_skip_the_comparison_with_the_target():
    stack = cdk.Stack(cdk.App(), "Tokens")
    number = cdk.CfnParameter(stack, "N", type="Number").value_as_number
    assert (
        action(min_capacity=number).capacity_problems(target_min_capacity=2, target_max_capacity=4, parameter="s") == []
    )
    assert (
        action(min_capacity=9).capacity_problems(target_min_capacity=number, target_max_capacity=number, parameter="s")
        == []
    )


def test_the_preset_reports_a_floor_above_its_max():
    schedules = (action(name="ok", min_capacity=3), action(name="peak", min_capacity=6))
    assert problems_of(
        lambda: ScalingPreset.custom(InvocationsPerInstancePolicy(), max_capacity=4, schedules=schedules)
    ) == [
        "schedules[1].min_capacity: got 6; allowed: at most the target's max_capacity (4); give max_capacity too "
        "when raising the floor above the target's max_capacity (4)"
    ]


# --- Start and end times --------------------------------------------------------------------


class NoOffset(datetime.tzinfo):
    """A tzinfo that knows no offset: Python calls such datetimes naive."""

    def utcoffset(self, dt: datetime.datetime | None) -> None:
        return None


class Broken(datetime.tzinfo):
    def utcoffset(self, dt: datetime.datetime | None) -> datetime.timedelta:
        raise RuntimeError("no offset today")


@pytest.mark.parametrize(
    "when",
    [
        datetime.datetime(2027, 1, 1),
        datetime.datetime(2027, 1, 1, tzinfo=NoOffset()),
        datetime.datetime(2027, 1, 1, tzinfo=Broken()),
        datetime.datetime.min.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
        datetime.datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC),
        "2027-01-01T00:00:00Z",
        datetime.date(2027, 1, 1),
        Duration.days(1),
        1798761600,
    ],
)
def test_times_must_be_timezone_aware_datetimes(when):
    assert problems_of(lambda: action(start_time=when)) == [f"start_time: got {when!r}; allowed: {DATETIME_RULE}"]


def test_naive_and_aware_times_together_are_refused_naming_the_naive_one():
    naive = datetime.datetime(2027, 2, 1)
    assert problems_of(lambda: action(start_time=datetime.datetime(2027, 1, 1, tzinfo=UTC), end_time=naive)) == [
        f"end_time: got {naive!r}; allowed: {DATETIME_RULE}"
    ]


def test_end_time_is_compared_as_an_instant():
    start = datetime.datetime(2027, 1, 1, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    assert action(start_time=start, end_time=datetime.datetime(2027, 1, 1, 9, tzinfo=UTC)).end_time is not None
    for same in (datetime.datetime(2027, 1, 1, 8, tzinfo=UTC), datetime.datetime(2027, 1, 1, 8, 0, 0, 999, tzinfo=UTC)):
        assert problems_of(lambda same=same: action(start_time=start, end_time=same)) == [
            f"end_time: got {same!r}; allowed: a time after start_time ({start}) by a second or more (templates "
            "keep whole seconds)"
        ]


def test_times_are_written_in_utc():
    stack, target = new_target()
    paris = action(
        start_time=datetime.datetime(2027, 1, 1, 9, tzinfo=PARIS),
        end_time=datetime.datetime(2028, 7, 1, 9, tzinfo=PARIS),
    )
    paris.apply_to(target, "Daily")
    # Amsterdam's 1900 offset, +00:19:32, has seconds: JavaScript cannot parse it as Python writes it.
    amsterdam = zoneinfo.ZoneInfo("Europe/Amsterdam")
    action(name="old", start_time=datetime.datetime(1900, 1, 1, tzinfo=amsterdam)).apply_to(target, "Old")
    daily, old = scheduled_actions(stack)
    assert (daily["StartTime"], daily["EndTime"]) == ("2027-01-01T08:00:00Z", "2028-07-01T07:00:00Z")
    assert old["StartTime"] == "1899-12-31T23:40:28Z"


# --- Totality -------------------------------------------------------------------------------


class Tok(enum.Enum):
    """Stands for a token, made in the stack of the test that draws it."""

    STRING = "string"
    NUMBER = "number"
    LIST = "list"
    RESOLVABLE = "resolvable"


PARAMETER_IDS = itertools.count()


def materialize(stack: cdk.Stack, value: Any) -> Any:
    """``value``, or for a :class:`Tok` a token of that kind from a new parameter of ``stack``."""
    if not isinstance(value, Tok):
        return value
    kind = {Tok.NUMBER: "Number", Tok.LIST: "CommaDelimitedList"}.get(value, "String")
    parameter = cdk.CfnParameter(stack, f"P{next(PARAMETER_IDS)}", type=kind)
    if value is Tok.STRING:
        return parameter.value_as_string
    if value is Tok.NUMBER:
        return parameter.value_as_number
    if value is Tok.LIST:
        return parameter.value_as_list
    return parameter.value


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.sampled_from([2**31, 2.5, "2", "", "yes", math.nan, math.inf, -math.inf]),
    st.text(max_size=10),
    st.binary(max_size=3),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.timedeltas(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.sampled_from([Duration.minutes(5), object(), UTC, PARIS]),
    st.sampled_from(Tok),
)
AWARE = st.datetimes(
    min_value=datetime.datetime(1000, 1, 2), max_value=datetime.datetime(9999, 12, 30), timezones=st.timezones()
)


def whole_seconds_in_utc(when: datetime.datetime) -> datetime.datetime:
    return when.astimezone(UTC).replace(microsecond=0)


NAMES = st.sampled_from(["nights", "business-hours", "x" * 256, "\u00a0é"])
VALID = {
    "name": st.one_of(NAMES, st.text(min_size=1, max_size=12)),
    "schedule": st.one_of(st.sampled_from(DOCUMENTED), cron_expressions(), st.just("at(2027-03-01T06:00:00)")),
    "min_capacity": st.one_of(st.none(), st.integers(1, 2**31 - 1), st.just(Tok.NUMBER)),
    "max_capacity": st.one_of(st.none(), st.integers(1, 2**31 - 1), st.just(Tok.NUMBER)),
    "time_zone": st.one_of(st.none(), st.sampled_from(["Europe/Paris", "Asia/Seoul", "UTC", "Etc/GMT+9"])),
    "start_time": st.one_of(st.none(), AWARE),
    "end_time": st.one_of(st.none(), AWARE),
}
TOKEN_FIELDS = {"name": Tok.STRING, "schedule": Tok.STRING, "time_zone": Tok.STRING}
SPARE = cdk.Stack(cdk.App(), "Spare")


def arguments(
    required: tuple[str, ...] = (), **strategies: st.SearchStrategy[Any]
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments: the ``required`` ones always, each of the others or its default."""
    return st.fixed_dictionaries(
        {key: strategies[key] for key in required},
        optional={key: value for key, value in strategies.items() if key not in required},
    )


def any_arguments(junk_weight: int) -> st.SearchStrategy[dict[str, Any]]:
    """Per field: often a valid value or the right kind of token, sometimes anything at all."""
    per_field = {}
    for field in FIELDS:
        options = [VALID[field]] * junk_weight + [JUNK]
        if field in TOKEN_FIELDS:
            options.append(st.just(TOKEN_FIELDS[field]))
        per_field[field] = st.one_of(*options)
    return arguments(("name", "schedule"), **per_field)


@settings(max_examples=150, deadline=None)
@given(any_arguments(junk_weight=1))
def test_any_scheduled_scaling_arguments_work_or_raise_configuration_error(kwargs):
    kwargs = {field: materialize(SPARE, value) for field, value in kwargs.items()}
    try:
        ScheduledScaling(**kwargs)
    except ConfigurationError as error:
        assert {problem.parameter for problem in error.problems} <= set(FIELDS)


NAME_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl"), exclude_characters=":/|"))


@st.composite
def valid_arguments(draw: st.DrawFn) -> dict[str, Any]:
    """Arguments AWS accepts, tokens among them: min <= max, start before end."""
    kwargs = {
        "name": draw(st.one_of(NAMES, NAME_TEXT.map(lambda n: f"x{n}x"), st.just(Tok.STRING))),
        "schedule": draw(st.one_of(VALID["schedule"], st.just(Tok.STRING))),
    }
    low, high = sorted(draw(st.lists(st.integers(1, 2**31 - 1), min_size=2, max_size=2)))
    bounds = draw(st.sampled_from([(low, None), (None, high), (low, high), (Tok.NUMBER, high), (Tok.NUMBER, None)]))
    kwargs.update(zip(("min_capacity", "max_capacity"), bounds, strict=True))
    kwargs["time_zone"] = draw(st.one_of(VALID["time_zone"], st.just(Tok.STRING)))
    times = sorted(draw(st.lists(AWARE, min_size=2, max_size=2, unique_by=whole_seconds_in_utc)))
    chosen = draw(st.sampled_from([times, [times[0], None], [None, times[1]]]))
    kwargs.update(zip(("start_time", "end_time"), chosen, strict=True))
    return kwargs


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(valid_arguments(), any_arguments(junk_weight=3)))
def test_scheduled_scaling_works_and_renders_on_a_fresh_target_or_raises(kwargs):
    stack, target = new_target()
    kwargs = {field: materialize(stack, value) for field, value in kwargs.items()}
    try:
        scheduled = ScheduledScaling(**kwargs)
    except ConfigurationError as error:
        assert {problem.parameter for problem in error.problems} <= set(FIELDS)
        return
    scheduled.apply_to(target, scheduled.name)
    (rendered,) = scheduled_actions(stack)
    assert rendered["ScheduledActionName"] == stack.resolve(scheduled.name)
    assert rendered["Schedule"] == stack.resolve(scheduled.schedule)
    bounds = {"MinCapacity": scheduled.min_capacity, "MaxCapacity": scheduled.max_capacity}
    assert rendered["ScalableTargetAction"] == {k: stack.resolve(v) for k, v in bounds.items() if v is not None}
    if scheduled.time_zone is not None:
        assert rendered["Timezone"] == stack.resolve(scheduled.time_zone)
    for key, when in (("StartTime", scheduled.start_time), ("EndTime", scheduled.end_time)):
        if when is not None:
            assert rendered[key] == f"{whole_seconds_in_utc(when).replace(tzinfo=None).isoformat()}Z"


@settings(max_examples=100, deadline=None)
@given(valid_arguments())
def test_valid_arguments_are_accepted(kwargs):
    kwargs = {field: materialize(SPARE, value) for field, value in kwargs.items()}
    assert ScheduledScaling(**kwargs).name == kwargs["name"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", None),
        ("name", 5),
        ("name", Tok.LIST),
        ("schedule", 5),
        ("schedule", None),
        ("schedule", Tok.LIST),
        ("schedule", Tok.RESOLVABLE),
        ("min_capacity", "2"),
        ("min_capacity", 2.5),
        ("min_capacity", True),
        ("min_capacity", 2**31),
        ("min_capacity", math.nan),
        ("min_capacity", math.inf),
        ("min_capacity", Tok.STRING),
        ("min_capacity", Tok.LIST),
        ("max_capacity", -math.inf),
        ("max_capacity", Tok.RESOLVABLE),
        ("time_zone", 7),
        ("time_zone", "America"),
        ("time_zone", "localtime"),
        ("time_zone", "../etc/passwd"),
        ("time_zone", "Europe/Paris\x00"),
        ("time_zone", Tok.LIST),
        ("start_time", "2027-01-01"),
        ("end_time", Duration.minutes(5)),
    ],
)
def test_a_wrong_value_is_named(field, value):
    arguments = {"name": "daily", "schedule": "cron(0 8 * * ? *)", "min_capacity": 2, "max_capacity": 3}
    arguments[field] = materialize(SPARE, value)
    with pytest.raises(ConfigurationError) as raised:
        ScheduledScaling(**arguments)
    assert [problem.parameter for problem in raised.value.problems] == [field]


@pytest.mark.parametrize("value", ["yes", 1, 0, None, 1.0, math.nan, [True], Tok.NUMBER, Tok.LIST])
def test_suspended_state_fields_are_bools(value):
    for flag in FLAGS:
        bad = materialize(SPARE, value)
        assert problems_of(lambda flag=flag, bad=bad: SuspendedState(**{flag: bad})) == [
            f"{flag}: got {bad!r}; allowed: True or False (or a string token, e.g. a CfnParameter's value_as_string)"
        ]


def is_flag(value: Any) -> bool:
    """True, False, a string token or a token object (what the L1's boolean properties take)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, str):
        return "${Token[" in value
    return hasattr(value, "__jsii_type__") and cdk.Token.is_unresolved(value)


@settings(max_examples=100, deadline=None)
@given(arguments(**dict.fromkeys(FLAGS, st.one_of(st.booleans(), JUNK))))
def test_any_suspended_state_arguments_work_or_raise_configuration_error(kwargs):
    kwargs = {flag: materialize(SPARE, value) for flag, value in kwargs.items()}
    refused = {flag for flag, value in kwargs.items() if not is_flag(value)}
    try:
        SuspendedState(**kwargs)
    except ConfigurationError as error:
        assert [problem.parameter for problem in error.problems] == [flag for flag in FLAGS if flag in refused]
    else:
        assert not refused


def test_suspended_state_renders_bools_and_tokens():
    stack, target = new_target()
    flag = cdk.CfnParameter(stack, "Suspend", type="String", allowed_values=["true", "false"])
    state = SuspendedState(
        dynamic_scaling_in_suspended=True,
        dynamic_scaling_out_suspended=flag.value_as_string,
        scheduled_scaling_suspended=flag.value,
    )
    cfn_target = target.node.default_child
    assert isinstance(cfn_target, appscaling.CfnScalableTarget)
    cfn_target.suspended_state = state.to_cfn()
    template = Template.from_stack(stack).to_json()
    assert lint_errors(template) == []
    (properties,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ApplicationAutoScaling::ScalableTarget"
    ]
    assert properties["SuspendedState"] == {
        "DynamicScalingInSuspended": True,
        "DynamicScalingOutSuspended": {"Ref": "Suspend"},
        "ScheduledScalingSuspended": {"Ref": "Suspend"},
    }


def test_a_token_time_zone_and_name_render():
    stack, target = new_target()
    zone = cdk.CfnParameter(stack, "Zone").value_as_string
    name = cdk.CfnParameter(stack, "ActionName").value_as_string
    scheduled = ScheduledScaling(name=name, schedule="cron(0 8 ? * MON-FRI *)", max_capacity=6, time_zone=zone)
    scheduled.apply_to(target, scheduled.name)
    assert scheduled_actions(stack) == [
        {
            "ScheduledActionName": {"Ref": "ActionName"},
            "Schedule": "cron(0 8 ? * MON-FRI *)",
            "ScalableTargetAction": {"MaxCapacity": 6},
            "Timezone": {"Ref": "Zone"},
        }
    ]

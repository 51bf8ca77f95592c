"""Many endpoints over stacks: stable assignment, and an error before CloudFormation's limit."""

import json

import aws_cdk as cdk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import ConfigurationError, EndpointScaling, StackAssignment


def test_new_endpoints_fill_the_first_stack_with_room(tmp_path):
    assignment = StackAssignment(tmp_path / "stacks.json", max_endpoints_per_stack=2)
    assert [assignment.stack_for(key) for key in ("a", "b", "c", "a")] == [
        "Endpoints1",
        "Endpoints1",
        "Endpoints2",
        "Endpoints1",
    ]
    assignment.save()
    assert json.loads((tmp_path / "stacks.json").read_text()) == {"Endpoints1": ["a", "b"], "Endpoints2": ["c"]}


def test_adding_or_removing_endpoints_never_moves_an_assigned_one(tmp_path):
    path = tmp_path / "stacks.json"
    first = StackAssignment(path, max_endpoints_per_stack=2)
    before = {key: first.stack_for(key) for key in ("a", "b", "c")}
    first.save()
    # Next deployment: "b" is gone, "d" and "e" are new, and the order of the keys changed.
    second = StackAssignment(path, max_endpoints_per_stack=2)
    after = {key: second.stack_for(key) for key in ("e", "c", "a", "d")}
    assert {key: after[key] for key in ("a", "c")} == {key: before[key] for key in ("a", "c")}
    assert after["e"] == "Endpoints2"  # the first stack with room
    assert after["d"] == "Endpoints3"


@settings(deadline=None, max_examples=50)
@given(
    batches=st.lists(st.lists(st.integers(0, 60).map(lambda n: f"tenant-{n}"), max_size=15), min_size=1, max_size=5),
    per_stack=st.integers(1, 10),
)
def test_assignment_is_stable_and_bounded_over_any_history(tmp_path_factory, batches, per_stack):
    path = tmp_path_factory.mktemp("assignment") / "stacks.json"
    known: dict[str, str] = {}
    for batch in batches:
        assignment = StackAssignment(path, max_endpoints_per_stack=per_stack)
        for key in batch:
            stack = assignment.stack_for(key)
            assert known.setdefault(key, stack) == stack
        assignment.save()
        assert all(len(keys) <= per_stack for keys in assignment.stacks.values())


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (
            {"max_endpoints_per_stack": 63},
            "max_endpoints_per_stack: got 63; allowed: a whole number from 1 to 62 "
            "(500 resources a stack, 8 an endpoint)",
        ),
        (
            {"max_endpoints_per_stack": 0},
            "max_endpoints_per_stack: got 0; allowed: a whole number from 1 to 62 "
            "(500 resources a stack, 8 an endpoint)",
        ),
        (
            {"stack_prefix": "1bad"},
            "stack_prefix: got '1bad'; allowed: letters, digits and hyphens, starting with a letter, at most 122 "
            "characters",
        ),
    ],
)
def test_bad_arguments_are_named(tmp_path, arguments, problem):
    with pytest.raises(ConfigurationError) as raised:
        StackAssignment(tmp_path / "stacks.json", **arguments)
    assert [str(p) for p in raised.value.problems] == [problem]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not json", "allowed: valid JSON"),
        ("[]", "allowed: a JSON object of stack names to key lists"),
        (
            '{"Endpoints1": "a"}',
            "got 'a'; allowed: a list of endpoint keys (1 to 128 letters, digits, '.', '_' and '-', starting with "
            "a letter or digit)",
        ),
        ('{"Endpoints1": ["a"], "Endpoints2": ["a"]}', "allowed: keys in one stack only; 'a' is also in Endpoints1"),
        (
            '{"Endpoints1": ["a", "b", "a", "a"]}',
            "Endpoints1: got 'a'; allowed: each key once; 'a' is listed 3 times in Endpoints1",
        ),
        (
            '{"1E": ["a"]}',
            "'1E': got '1E'; allowed: a stack name: 1 to 128 letters, digits and hyphens, starting with a letter",
        ),
    ],
)
def test_a_broken_file_is_refused_naming_the_problem(tmp_path, content, fragment):
    path = tmp_path / "stacks.json"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        StackAssignment(path)


@pytest.mark.parametrize("key", ["a/b", "-a", "", "k" * 129, None, 3])
def test_a_bad_key_is_refused_with_every_rule(tmp_path, key):
    assignment = StackAssignment(tmp_path / "stacks.json")
    for method in (assignment.stack_for, assignment.release):
        with pytest.raises(ConfigurationError) as raised:
            method(key)
        assert [str(p) for p in raised.value.problems] == [
            f"key: got {key!r}; allowed: 1 to 128 letters, digits, '.', '_' and '-', starting with a letter or digit"
        ]


def test_a_released_key_frees_its_place_and_its_stack_stays(tmp_path):
    path = tmp_path / "stacks.json"
    assignment = StackAssignment(path, max_endpoints_per_stack=2)
    for key in ("a", "b", "c"):
        assignment.stack_for(key)
    assert assignment.release("c") == "Endpoints2"
    assert assignment.release("c") is None
    assert assignment.stacks == {"Endpoints1": ("a", "b"), "Endpoints2": ()}
    assignment.save()
    reread = StackAssignment(path, max_endpoints_per_stack=2)
    assert reread.stacks == {"Endpoints1": ("a", "b"), "Endpoints2": ()}
    assert reread.release("a") == "Endpoints1"
    assert [reread.stack_for(key) for key in ("d", "e", "b")] == ["Endpoints1", "Endpoints2", "Endpoints1"]


def test_cdk_refuses_a_stack_over_500_resources_at_synthesis():
    """CDK's own check (``@aws-cdk/core:stackResourceLimit``) stops synthesis before CloudFormation is called."""
    app = cdk.App()
    stack = cdk.Stack(app, "Crowded")
    EndpointScaling(stack, "Scaling", endpoint_name="tenant", instance_type="ml.c5.xlarge")  # 3 resources
    for index in range(498):
        cdk.CfnWaitConditionHandle(stack, f"Filler{index}")
    with pytest.raises(RuntimeError) as raised:
        app.synth()
    assert "Number of resources in stack 'Crowded': 501 is greater than allowed maximum of 500" in str(raised.value)


def test_a_stack_listed_twice_in_the_file_is_refused(tmp_path):
    """A hand-merged file with a repeated stack would silently unassign endpoints, which then move."""
    path = tmp_path / "stacks.json"
    path.write_text('{"Endpoints1": ["a"], "Endpoints1": ["b"]}')
    with pytest.raises(ConfigurationError, match="allowed: valid JSON \\(Endpoints1 given more than once\\)"):
        StackAssignment(path)


def test_stack_names_stay_within_cloudformations_length(tmp_path):
    with pytest.raises(ConfigurationError, match="stack_prefix: got 'EEEE"):
        StackAssignment(tmp_path / "s.json", stack_prefix="E" * 123)
    assignment = StackAssignment(tmp_path / "s.json", stack_prefix="E" * 122, max_endpoints_per_stack=1)
    assert max(len(assignment.stack_for(f"k{i}")) for i in range(12)) <= 128


def test_unusable_paths_are_named(tmp_path):
    with pytest.raises(ConfigurationError, match="path: got 'a\\\\x00b'"):
        StackAssignment("a\0b")
    assignment = StackAssignment(tmp_path / "missing" / "dir" / "stacks.json")
    assignment.stack_for("a")
    with pytest.raises(ConfigurationError, match="allowed: a writable file"):
        assignment.save()

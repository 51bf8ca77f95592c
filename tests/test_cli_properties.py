"""Properties of ``mme-scaling`` over arbitrary templates and arguments (no CDK).

Whatever it is given, the command exits 0, 1 or 2, never prints a traceback, reports an
invalid input on one line, and never writes outside ``--out``.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mme_scaling_constructs.cli import main

SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)

#: Names that have broken file writers before: separators, dots, reserved and shell-special names.
ODD_NAMES = st.sampled_from(
    [
        "../../x",
        "/x",
        "/",
        ".",
        "..",
        "a/b",
        "a\\b",
        "",
        " ",
        "-rf",
        ".hidden",
        "commands.sh",
        "mme-scaling-export",
        "MME-Scaling-Export",
        "x" * 300,
        "é/ü",
        "line\nbreak",
        "$(touch pwned)",
        "`touch pwned`",
        "${HOME}",
        "'",
        '"',
        "Up",
        "Target",
    ]
)
NAMES = st.one_of(ODD_NAMES, st.text(max_size=12))
FUNCTIONS = st.sampled_from(
    [
        "Fn::Join",
        "Fn::Sub",
        "Fn::Select",
        "Fn::Split",
        "Fn::If",
        "Fn::GetAtt",
        "Fn::ImportValue",
        "Fn::FindInMap",
        "Fn::Base64",
        "Fn::Unknown",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    NAMES,
)


def _intrinsics(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.builds(lambda name: {"Ref": name}, NAMES),
        st.builds(lambda function, argument: {function: argument}, FUNCTIONS, children),
        st.builds(lambda function, arguments: {function: arguments}, FUNCTIONS, st.lists(children, max_size=3)),
    )


VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(NAMES, st.sampled_from(["Name", "Value", "Key", "Id"])), children, max_size=3),
        _intrinsics(children),
    ),
    max_leaves=12,
)


NON_EMPTY_NAMES = NAMES.filter(bool)
#: Values every string slot accepts: odd names and intrinsic functions CloudFormation resolves to strings.
STRINGS = st.one_of(
    NON_EMPTY_NAMES,
    st.builds(lambda name: {"Ref": name}, NON_EMPTY_NAMES),
    st.builds(lambda name: {"Fn::ImportValue": name}, NON_EMPTY_NAMES),
    st.builds(lambda name: {"Fn::GetAtt": [name, "Attribute"]}, NON_EMPTY_NAMES),
    st.builds(lambda name: {"Fn::Join": ["-", [name, {"Ref": "AWS::Region"}]]}, NON_EMPTY_NAMES),
    st.builds(lambda name: {"Fn::Sub": ["${Name}-x", {"Name": name}]}, NON_EMPTY_NAMES),
    st.builds(lambda name: {"Fn::If": ["Condition", name, "other"]}, NON_EMPTY_NAMES),
)
NUMBERS = st.one_of(st.integers(0, 100), st.builds(lambda name: {"Ref": name}, NON_EMPTY_NAMES))


@st.composite
def _properties(draw: st.DrawFn, good: dict[str, Any], garbage: bool) -> dict[str, Any]:
    """``good``, or with ``garbage`` some properties left out, replaced by any value, or added."""
    if not garbage:
        return good
    properties = {
        key: draw(st.one_of(st.just(value), st.just(value), _intrinsics(VALUES), VALUES))
        for key, value in good.items()
        if draw(st.integers(0, 9))
    }
    if draw(st.booleans()):
        properties[draw(NAMES)] = draw(VALUES)
    return properties


@st.composite
def _templates(draw: st.DrawFn) -> dict[str, Any]:
    """Scaling templates with odd names and intrinsic functions, some with garbage in places."""
    garbage = draw(st.booleans())
    target_ids = draw(st.lists(NON_EMPTY_NAMES, min_size=1, max_size=2, unique=True))
    resource_ids = ["endpoint/ep/variant/AllTraffic", "endpoint/other/variant/V"]
    resources: dict[str, Any] = {}
    for index, target_id in enumerate(target_ids):
        good = {
            "ServiceNamespace": "sagemaker",
            "ResourceId": resource_ids[index],
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "MinCapacity": draw(NUMBERS),
            "MaxCapacity": draw(NUMBERS),
            "SuspendedState": {"ScheduledScalingSuspended": draw(st.booleans())},
            "ScheduledActions": [{"ScheduledActionName": draw(STRINGS), "Schedule": draw(STRINGS)}],
        }
        resources[target_id] = {
            "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
            "Properties": draw(_properties(good, garbage)),
        }
    policy_ids = draw(st.lists(NON_EMPTY_NAMES.filter(lambda name: name not in target_ids), max_size=3, unique=True))
    for policy_id in policy_ids:
        step = draw(st.booleans())
        configuration = (
            {"AdjustmentType": draw(STRINGS), "StepAdjustments": [{"ScalingAdjustment": draw(NUMBERS)}]}
            if step
            else {
                "TargetValue": draw(NUMBERS),
                "PredefinedMetricSpecification": {"PredefinedMetricType": draw(STRINGS)},
            }
        )
        good = {
            "PolicyName": draw(STRINGS),
            "PolicyType": "StepScaling" if step else "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": draw(st.sampled_from(target_ids))},
            f"{'Step' if step else 'TargetTracking'}ScalingPolicyConfiguration": configuration,
        }
        resources[policy_id] = {
            "Type": "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Properties": draw(_properties(good, garbage)),
        }
    alarm_ids = draw(st.lists(NON_EMPTY_NAMES.filter(lambda name: name not in resources), max_size=3, unique=True))
    for alarm_id in alarm_ids:
        actions = draw(st.lists(st.sampled_from([*policy_ids, "Topic"]), max_size=2))
        good = {
            "AlarmName": draw(STRINGS),
            "AlarmActions": [{"Ref": name} for name in actions],
            "EvaluationPeriods": 1,
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": draw(NUMBERS),
            "Dimensions": [{"Name": "EndpointName", "Value": draw(STRINGS)}],
        }
        resources[alarm_id] = {"Type": "AWS::CloudWatch::Alarm", "Properties": draw(_properties(good, garbage))}
    if garbage and draw(st.booleans()):
        resources[draw(NAMES)] = draw(VALUES)
    return {"Resources": resources}


DOCUMENTS = st.one_of(_templates(), st.builds(lambda resources: {"Resources": resources}, VALUES), VALUES)
OUT_DIRS = st.sampled_from(["out", "out/nested", "./out", "sub/../out", "out/"])
#: Words for command lines, without ``/`` or ``..`` so that no argument names a place outside the sandbox.
WORDS = st.one_of(
    st.sampled_from(
        [
            "policies",
            "export",
            "target",
            "--out",
            "--out=",
            "--max-rps",
            "--safety-factor",
            "--help",
            "-h",
            "--",
            "-",
            "",
            "inf",
            "-inf",
            "nan",
            "1e999",
            "1e-320",
            "1_0",
            "0",
            "-0",
            "0x10",
            "TEMPLATE",
            "notes.txt",
            "out",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_characters="/\\.", blacklist_categories=["Cs"]), max_size=8),
    st.floats().map(repr),
)


@contextlib.contextmanager
def _sandbox() -> Iterator[Path]:
    """A working directory ``<root>/work`` holding a user's file, with a template next to it."""
    with tempfile.TemporaryDirectory() as root:
        work = Path(root) / "work"
        work.mkdir()
        (work / "notes.txt").write_text("mine\n")
        with contextlib.chdir(work):
            yield Path(root)


def _tree(root: Path) -> dict[Path, bytes | None]:
    return {path: path.read_bytes() if path.is_file() else None for path in root.rglob("*")}


def _run(argv: list[str]) -> tuple[Any, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code: Any = main(argv)
        except SystemExit as exit_:
            code = exit_.code
    return code, stdout.getvalue(), stderr.getvalue()


def _assert_clean_exit(code: Any, stderr: str) -> None:
    assert code in (0, 1, 2), stderr
    assert "Traceback" not in stderr
    if code == 1:
        assert stderr.startswith("mme-scaling: error: ") and stderr.count("\n") == 1, stderr


@SETTINGS
@given(template=DOCUMENTS, out=OUT_DIRS)
def test_export_exits_cleanly_and_writes_only_into_out(template, out):
    with _sandbox() as root:
        source = root / "template.json"
        source.write_text(json.dumps(template))
        before = _tree(root)
        code, stdout, stderr = _run(["export", str(source), "--out", out])
        _assert_clean_exit(code, stderr)
        out_dir = Path(os.path.normpath(root / "work" / out))
        after = _tree(root)
        changed = {
            path for path in after.keys() | before.keys() if before.get(path, b"new") != after.get(path, b"gone")
        }
        literal = root / "work" / out
        on_the_way = {Path(os.path.normpath(prefix)) for prefix in literal.parents} - before.keys()
        assert all(
            path == out_dir or out_dir in path.parents or (path in on_the_way and after[path] is None)
            for path in changed
        ), changed
        if code == 0:
            names = [path.name for path in out_dir.iterdir()]
            assert all(name in ("commands.sh", "deregister.sh") or name.endswith(".json") for name in names)
            assert all(not name.startswith((".", "-")) for name in names)
            assert sorted(stdout.split()) == sorted(str(Path(out) / name) for name in names)
        else:
            assert not (out_dir / "commands.sh").exists()


@settings(SETTINGS, max_examples=50)
@given(template=DOCUMENTS)
def test_policies_exits_cleanly(template):
    with _sandbox() as root:
        source = root / "template.json"
        source.write_text(json.dumps(template))
        code, stdout, stderr = _run(["policies", str(source)])
        _assert_clean_exit(code, stderr)
        assert code in (0, 1)
        if code == 0:
            assert stdout.startswith(("endpoint", "No scalable targets"))


@SETTINGS
@given(command=st.sampled_from(["policies", "export", "target"]), words=st.lists(WORDS, max_size=6))
def test_any_arguments_exit_0_1_or_2(command, words):
    template = {"Resources": {"T": {"Type": "AWS::SageMaker::Endpoint", "Properties": {}}}}
    with _sandbox() as root:
        source = root / "template.json"
        source.write_text(json.dumps(template))
        before = _tree(root)
        argv = [command, *(str(source) if word == "TEMPLATE" else word for word in words)]
        code, stdout, stderr = _run(argv)
        _assert_clean_exit(code, stderr)
        after = _tree(root)
        assert all(after.get(path) == content for path, content in before.items())
        assert all(path.parent != root for path in after.keys() - before.keys())
        if command == "target" and code == 0 and stdout and "usage" not in stdout:
            value = float(stdout)
            assert math.isfinite(value) and 2.0**-360 <= value <= 2.0**360


NUMBER_WORDS = st.one_of(
    st.floats().map(repr),
    st.integers().map(str),
    st.sampled_from(["inf", "-inf", "nan", "1e999", "1e-320", "1e300", "1_000", "0x10", "", "ten"]),
)


@SETTINGS
@given(max_rps=NUMBER_WORDS, safety_factor=st.one_of(st.none(), NUMBER_WORDS))
def test_target_prints_only_targets_application_auto_scaling_accepts(max_rps, safety_factor):
    argv = ["target", f"--max-rps={max_rps}"]
    if safety_factor is not None:
        argv.append(f"--safety-factor={safety_factor}")
    code, stdout, stderr = _run(argv)
    _assert_clean_exit(code, stderr)
    if code == 0:
        value = float(stdout)
        assert math.isfinite(value) and 2.0**-360 <= value <= 2.0**360

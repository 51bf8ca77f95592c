"""``mme-scaling``'s contract on awkward input: exit 0, 1 with one line naming the file, line or flag, or 2.

No CDK here: each test writes its small template or trace by hand.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import botocore.loaders
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs.cli import main
from mme_scaling_constructs.errors import ConfigurationError
from mme_scaling_constructs.redeploy import Clients, RedeployError
from mme_scaling_constructs.redeploy.clients import REGION_PATTERN
from mme_scaling_constructs.simulation.trace import MAX_INDEX, parse_trace
from tests.export_helpers import ENDPOINT_PROPERTIES, scaling_policy

REPO = Path(__file__).resolve().parent.parent
TRACE = "minute,invocations\n0,10\n1,20\n2,15\n"
RUN = ["--max-rps-per-instance", "12", "--instance-type", "ml.c5.xlarge"]
JSON_ONLY = "mme-scaling reads JSON templates only: cdk.out/<stack>.template.json, or the output of cdk synth --json"
REGION_ERROR = (
    "mme-scaling change-instance-type: error: argument --region: must be an AWS Region name (lowercase letters, "
    "digits and hyphens), e.g. us-east-1"
)


def _target(**properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
        "Properties": {
            "MinCapacity": 1,
            "MaxCapacity": 4,
            "ResourceId": "endpoint/e/variant/AllTraffic",
            **ENDPOINT_PROPERTIES,
            **properties,
        },
    }


def _policy(metric: str = "GPUUtilization", **properties: Any) -> dict[str, Any]:
    configuration = {
        "TargetValue": 50,
        "CustomizedMetricSpecification": {
            "MetricName": metric,
            "Namespace": "/aws/sagemaker/Endpoints",
            "Statistic": "Average",
        },
    }
    target = {"Ref": "Target"}
    return scaling_policy("gpu", "TargetTrackingScaling", configuration, ScalingTargetId=target, **properties)


def _unnamed_policy() -> dict[str, Any]:
    policy = _policy()
    del policy["Properties"]["PolicyName"]
    return policy


#: A GPU endpoint on ml.g5.xlarge whose variant scales on GPUUtilization.
GPU_TEMPLATE = {
    "Resources": {
        "Config": {
            "Type": "AWS::SageMaker::EndpointConfig",
            "Properties": {"ProductionVariants": [{"InstanceType": "ml.g5.xlarge"}]},
        },
        "Target": _target(),
        "Gpu": _policy(),
    }
}


def _write(directory: Path, name: str, content: Any) -> Path:
    path = directory / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def _exit(argv: list[str]) -> Any:
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


# --- 1. Flags are never abbreviated --------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "last_line"),
    [
        (["recommend", "TRACE", *RUN, "--max", "1"], "mme-scaling: error: unrecognized arguments: --max 1"),
        (["recommend", "TRACE", *RUN, "--min", "3"], "mme-scaling: error: unrecognized arguments: --min 3"),
        (["target", "--max-rps", "12", "--safety", "0.5"], "mme-scaling: error: unrecognized arguments: --safety 0.5"),
        (["target", "--max", "12"], "mme-scaling target: error: the following arguments are required: --max-rps"),
        (
            ["simulate", "TRACE", "--max-rps", "12", "--instance-type", "ml.c5.xlarge"],
            "mme-scaling simulate: error: the following arguments are required: --max-rps-per-instance",
        ),
        (
            ["simulate", "TRACE", "--max-rps-per-instance", "12", "--instance", "ml.c5.xlarge"],
            "mme-scaling: error: unrecognized arguments: --instance ml.c5.xlarge",
        ),
        (
            ["change-instance-type", "t.json", "--stack", "S", "--", "true"],
            "mme-scaling change-instance-type: error: the following arguments are required: --stack-name",
        ),
    ],
)
def test_abbreviated_flags_are_usage_errors(words: list[str], last_line: str, tmp_path: Path, capsys: Any) -> None:
    trace = _write(tmp_path, "trace.csv", TRACE)
    assert _exit([str(trace) if word == "TRACE" else word for word in words]) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err.splitlines()[-1]) == ("", last_line)


# --- 2. Traces at the ends of the calendar -------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["9999-12-31T23:59:00Z,1", "9999-12-31T23:59:00Z,1"],
            "line 3 column 1: got '9999-12-31T23:59:00Z'; allowed: no further row: the row before is "
            "9999-12-31T23:59:00Z, the last minute a trace can have",
        ),
        (
            ["0001-01-01T00:00:00+01:00,1"],
            "line 2 column 1: got '0001-01-01T00:00:00+01:00'; allowed: a time from 0001-01-01T00:00:00Z to "
            "9999-12-31T23:59:00Z in UTC",
        ),
        (
            ["9999-12-31T23:59:00-01:00,1"],
            "line 2 column 1: got '9999-12-31T23:59:00-01:00'; allowed: a time from 0001-01-01T00:00:00Z to "
            "9999-12-31T23:59:00Z in UTC",
        ),
        (
            ["9999999999,1"],
            "line 2 column 1: got '9999999999'; allowed: a minute index from 0 to 4223365919 (minute 4223365919 is "
            "9999-12-31T23:59:00Z)",
        ),
        (
            [f"{MAX_INDEX},1", f"{MAX_INDEX + 1},1"],
            f"line 3 column 1: got '{MAX_INDEX + 1}'; allowed: a minute index from 0 to 4223365919 (minute "
            "4223365919 is 9999-12-31T23:59:00Z)",
        ),
    ],
)
def test_traces_past_the_calendar_name_the_line(rows: list[str], message: str, tmp_path: Path, capsys: Any) -> None:
    trace = _write(tmp_path, "trace.csv", "minute,invocations\n" + "\n".join(rows) + "\n")
    for command in ("simulate", "recommend"):
        assert main([command, str(trace), *RUN]) == 1
        assert capsys.readouterr().err == f"mme-scaling: error: {trace} {message}\n"


@pytest.mark.parametrize(
    "rows",
    [
        ["9999-12-31T23:58:00Z,1", "9999-12-31T23:59:00Z,2"],
        ["0001-01-01T00:00:00Z,1", "0001-01-01T00:01:00Z,2"],
        [f"{MAX_INDEX - 1},1", f"{MAX_INDEX},2"],
    ],
)
def test_traces_at_the_ends_of_the_calendar_simulate(rows: list[str], tmp_path: Path) -> None:
    trace = _write(tmp_path, "trace.csv", "minute,invocations\n" + "\n".join(rows) + "\n")
    assert main(["simulate", str(trace), *RUN]) == 0


_EXTREME_TIMES = st.datetimes(
    min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31, 23, 59)
).map(lambda when: when.replace(second=0, microsecond=0))
_OFFSETS = st.integers(-23 * 60, 23 * 60).map(lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes)))
_MINUTES = st.one_of(
    st.builds(lambda when, zone: when.replace(tzinfo=zone).isoformat(), _EXTREME_TIMES, _OFFSETS),
    st.sampled_from(["9999-12-31T23:59:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+23:59"]),
    st.integers(0, 10**12 - 1).map(str),
    st.integers(MAX_INDEX - 2, MAX_INDEX + 2).map(str),
)


@settings(max_examples=150, deadline=None)
@given(minutes=st.lists(_MINUTES, min_size=1, max_size=3))
def test_any_minutes_parse_or_name_the_line(minutes: list[str]) -> None:
    text = "minute,invocations\n" + "".join(f"{minute},1\n" for minute in minutes)
    try:
        trace = parse_trace(text, source="t.csv")
    except ConfigurationError as error:
        assert all(problem.parameter.startswith("t.csv line ") for problem in error.problems)
    else:
        assert trace.minutes == len(minutes)


# --- 3. --region ---------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["", "us-east-1\n", "us-east-1 ", "US-EAST-1", "us east 1", "us-east-", "local"])
def test_a_region_that_is_no_region_name_is_a_usage_error(region: str, tmp_path: Path, capsys: Any) -> None:
    template = _write(tmp_path, "t.json", {"Resources": {}})
    argv = ["change-instance-type", str(template), "--stack-name", "MyStack", "--region", region, "--", "true"]
    assert _exit(argv) == 2
    assert capsys.readouterr().err.splitlines()[-1] == REGION_ERROR


def _botocore_regions() -> list[str]:
    partitions = botocore.loaders.create_loader().load_data("partitions")["partitions"]
    return [name for partition in partitions for name in partition["regions"] if not name.endswith("-global")]


@pytest.mark.parametrize("region", _botocore_regions())
def test_every_region_of_botocore_is_a_region_name(region: str) -> None:
    assert REGION_PATTERN.fullmatch(region)


def test_a_region_from_the_environment_that_is_no_region_name_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1\n")
    with pytest.raises(RedeployError) as raised:
        Clients(credentials=("testing", "testing"))
    assert raised.value.one_line == (
        "the AWS Region (from AWS_DEFAULT_REGION or the profile): got 'us-east-1\\n'; allowed: an AWS Region name "
        "(lowercase letters, digits and hyphens), e.g. us-east-1"
    )


def test_a_client_botocore_cannot_make_is_an_error_naming_it() -> None:
    clients = Clients(region="us-east-1", endpoint_url="not a url", credentials=("testing", "testing"))
    with pytest.raises(RedeployError) as raised:
        clients["cloudformation"]
    assert raised.value.one_line == "cannot make the cloudformation client: Invalid endpoint: not a url"


# --- 4. Instance types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance_type", "allowed"),
    [
        ("ml.m7g.xlarge", "a SageMaker hosting type in mme_scaling_constructs.INSTANCE_TYPES, e.g. ml.c5.xlarge"),
        ("ml.t2.medium", "a non-burstable type: SageMaker cannot auto scale burstable ml.t* instances"),
        (
            "ml.g5.12xlarge",
            "a type multi-model endpoints support: any CPU type, or one of the single-GPU types ml.g4dn.xlarge, "
            "ml.g4dn.2xlarge, ml.g4dn.4xlarge, ml.g4dn.8xlarge, ml.g4dn.16xlarge, ml.g5.xlarge, ml.g5.2xlarge, "
            "ml.g5.4xlarge, ml.g5.8xlarge, ml.g5.16xlarge, ml.p2.xlarge, ml.p3.2xlarge",
        ),
    ],
)
def test_instance_types_the_library_refuses_are_refused(
    instance_type: str, allowed: str, tmp_path: Path, capsys: Any
) -> None:
    trace = _write(tmp_path, "trace.csv", TRACE)
    for command in ("simulate", "recommend"):
        assert main([command, str(trace), "--max-rps-per-instance", "12", "--instance-type", instance_type]) == 1
        assert capsys.readouterr() == (
            "",
            f"mme-scaling: error: --instance-type: got {instance_type!r}; allowed: {allowed}\n",
        )


def test_a_cpu_type_for_a_template_that_tracks_gpu_utilization_is_refused(tmp_path: Path, capsys: Any) -> None:
    trace = _write(tmp_path, "trace.csv", TRACE)
    template = _write(tmp_path, "gpu.json", GPU_TEMPLATE)
    argv = ["simulate", str(trace), "--max-rps-per-instance", "12", "--template", str(template)]
    assert main([*argv, "--instance-type", "ml.c5.xlarge"]) == 1
    assert capsys.readouterr().err == (
        f"mme-scaling: error: {template}: --instance-type: got 'ml.c5.xlarge'; allowed: a type with a GPU: "
        "Resources.Gpu.Properties.TargetTrackingScalingPolicyConfiguration tracks GPUUtilization\n"
    )


def test_an_instance_type_that_overrides_the_template_s_is_noted(tmp_path: Path, capsys: Any) -> None:
    trace = _write(tmp_path, "trace.csv", TRACE)
    template = _write(tmp_path, "gpu.json", GPU_TEMPLATE)
    argv = ["simulate", str(trace), "--max-rps-per-instance", "12", "--template", str(template)]
    assert main([*argv, "--instance-type", "ml.g5.2xlarge"]) == 0
    assert capsys.readouterr().err == (
        "mme-scaling: note: --instance-type ml.g5.2xlarge overrides the template's instance type ml.g5.xlarge\n"
    )
    assert main([*argv, "--instance-type", "ml.g5.xlarge"]) == 0
    assert capsys.readouterr().err == ""


# --- 5. Messages name the flags typed ----------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["target", "--max-rps", "0"], "--max-rps: got 0; allowed: a finite number greater than 0"),
        (
            ["target", "--max-rps", "1", "--safety-factor", "2"],
            "--safety-factor: got 2; allowed: a finite number greater than 0 and at most 1",
        ),
        (
            ["simulate", "TRACE", *RUN, "--invocations-target", "1e300"],
            "--invocations-target: got 1e300; allowed: a number from 2^-360 to 2^360 (invocations per instance per "
            "minute)",
        ),
        (
            ["simulate", "TRACE", *RUN, "--utilization-percent", "101"],
            "--utilization-percent: got 101; allowed: a percentage per device greater than 0 and at most 100",
        ),
        (["simulate", "TRACE", *RUN, "--min", "-1"], "--min: got -1; allowed: a whole number from 1 to 2147483647"),
        (["simulate", "TRACE", *RUN, "--max", "1"], "--max: got 1; allowed: a whole number >= --min (2)"),
        (
            ["simulate", "TRACE", *RUN, "--scale-in-cooldown", "-5"],
            "--scale-in-cooldown: got -5; allowed: a whole number of seconds from 0 to 2147483647",
        ),
        (
            ["simulate", "TRACE", *RUN, "--price-per-instance-hour", "-1"],
            "--price-per-instance-hour: got -1; allowed: a number from 0 to 1e9",
        ),
        (
            ["simulate", "TRACE", *RUN, "--model-load-minutes", "99999"],
            "--model-load-minutes: got 99999; allowed: a whole number of minutes from 0 to 1440",
        ),
        (
            ["simulate", "TRACE", "--max-rps-per-instance", "0", "--instance-type", "ml.c5.xlarge"],
            "--max-rps-per-instance: got 0; allowed: a finite number greater than 0 (requests per second)",
        ),
        (
            ["recommend", "TRACE", *RUN, "--min-capacity-floor", "99999999999"],
            "--min-capacity-floor: got 99999999999; allowed: a whole number from 1 to 2147483647",
        ),
        (
            ["recommend", "TRACE", *RUN, "--overload-budget", "2"],
            "--overload-budget: got 2; allowed: a share of minutes from 0 to 1, e.g. 0.005",
        ),
        (
            ["recommend", "TRACE", *RUN, "--price-per-instance-hour", "1e10"],
            "--price-per-instance-hour: got 1e10; allowed: a number from 0 to 1e9",
        ),
    ],
)
def test_messages_name_the_flag_and_show_the_text_typed(
    argv: list[str], message: str, tmp_path: Path, capsys: Any
) -> None:
    trace = _write(tmp_path, "trace.csv", TRACE)
    assert main([str(trace) if word == "TRACE" else word for word in argv]) == 1
    assert capsys.readouterr() == ("", f"mme-scaling: error: {message}\n")


# --- 6. Standard output that cannot be written -------------------------------------------------


def _run_closed(arguments: list[str]) -> tuple[int, str]:
    """Run the command with its standard output closed (``>&-``); its status and standard error."""
    command = [sys.executable, "-m", "mme_scaling_constructs.cli", *arguments]
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *command], stderr=subprocess.PIPE, text=True, cwd=REPO, check=False
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize("arguments", [["policies", "TEMPLATE"], ["--help"], ["export", "--help"]])
def test_closed_standard_output_exits_1_with_one_line(arguments: list[str], tmp_path: Path) -> None:
    template = _write(tmp_path, "t.json", {"Resources": {}})
    status, error = _run_closed([str(template) if word == "TEMPLATE" else word for word in arguments])
    assert (status, error) == (1, "mme-scaling: error: cannot write to standard output (it is closed)\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("arguments", [["--help"], ["simulate", "--help"]])
def test_help_on_a_full_disk_exits_1(arguments: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "mme_scaling_constructs.cli", *arguments],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            check=False,
        )
    assert (done.returncode, done.stderr) == (
        1,
        "mme-scaling: error: cannot write to standard output ([Errno 28] No space left on device)\n",
    )


# --- 7. Names AWS refuses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            {"Target": _target(), "P": _policy(PolicyName="a\0b")},
            "Resources.P.Properties.PolicyName: got 'a\\x00b'; allowed: 1 to 256 printable ASCII characters",
        ),
        (
            {"Target": _target(), "P": _policy(PolicyName="scale\u202eout")},
            "Resources.P.Properties.PolicyName: got 'scale\\u202eout'; allowed: 1 to 256 printable ASCII characters",
        ),
        (
            {"Target": _target(), "P": _policy(PolicyName="x" * 257)},
            f"Resources.P.Properties.PolicyName: got '{'x' * 37}...{'x' * 38}'; allowed: 1 to 256 printable ASCII "
            "characters",
        ),
        (
            {"Target": _target(), "P\n": _unnamed_policy()},
            "Resources.P\n.Properties.PolicyName: got nothing; allowed: 1 to 256 printable ASCII characters "
            "(required: the logical id, which export names a policy by otherwise, is not one)",
        ),
        (
            {"Target": _target(ScheduledActions=[{"ScheduledActionName": "a:b", "Schedule": "rate(1 day)"}])},
            "Resources.Target.Properties.ScheduledActions[0].ScheduledActionName: got 'a:b'; allowed: 1 to 256 "
            "characters without ':', '/' or '|', no control characters, and no leading or trailing spaces",
        ),
    ],
)
def test_names_aws_refuses_are_refused(resources: dict[str, Any], message: str, tmp_path: Path, capsys: Any) -> None:
    template = _write(tmp_path, "t.json", {"Resources": resources})
    out = tmp_path / "out"
    assert main(["export", str(template), "--out", str(out)]) == 1
    shown = message.replace("\n", "\\n")
    assert capsys.readouterr().err == f"mme-scaling: error: {template}: {shown}\n"
    assert not out.exists()


def test_names_with_placeholders_are_checked_outside_them(tmp_path: Path, capsys: Any) -> None:
    schedule = {"ScheduledActionName": {"Fn::Sub": "${AWS::StackName}-mornings"}, "Schedule": "rate(1 day)"}
    name = {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "x" * 250]]}
    resources = {"Target": _target(ScheduledActions=[schedule]), "P": _policy(PolicyName=name)}
    template = _write(tmp_path, "t.json", {"Resources": resources})
    assert main(["export", str(template), "--out", str(tmp_path / "out")]) == 0
    script = (tmp_path / "out" / "commands.sh").read_text()
    assert "--scheduled-action-name '${AWS::StackName}-mornings'" in script
    assert f"--policy-name '${{AWS::StackName}}-{'x' * 250}'" in script
    assert capsys.readouterr().err == ""


# --- 8. Clearer messages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("--json", "argument --json: must be a file path, e.g. --json report.json"),
        ("--plot", "argument --plot: must be a file path, e.g. --plot run.png"),
    ],
)
def test_an_empty_output_file_is_a_usage_error(flag: str, message: str, tmp_path: Path, capsys: Any) -> None:
    trace = _write(tmp_path, "trace.csv", TRACE)
    assert _exit(["simulate", str(trace), *RUN, flag, ""]) == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"mme-scaling simulate: error: {message}"


def test_a_directory_as_output_file_names_the_flag(tmp_path: Path, capsys: Any) -> None:
    trace = _write(tmp_path, "trace.csv", TRACE)
    assert main(["simulate", str(trace), *RUN, "--json", str(tmp_path)]) == 1
    message = f"--json {tmp_path}: is a directory; --json takes a file path"
    assert capsys.readouterr().err == f"mme-scaling: error: {message}\n"


@pytest.mark.parametrize("out", ["notes.txt", "notes.txt/sub"])
def test_a_file_in_the_way_of_out_says_out_is_a_directory(out: str, tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    template = _write(tmp_path, "t.json", {"Resources": {"Target": _target()}})
    assert main(["export", str(template), "--out", str(tmp_path / out)]) == 1
    assert capsys.readouterr().err == (
        f"mme-scaling: error: --out {tmp_path / out}: a file is in the way; --out takes a directory, which export "
        "creates if needed\n"
    )
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--max-rps", "1e-400"], "--max-rps: got 1e-400; allowed: a finite number greater than 0"),
        (["--max-rps", "-inf"], "--max-rps: got -inf; allowed: a finite number greater than 0"),
        (["--max-rps", "-1e5"], "--max-rps: got -1e5; allowed: a finite number greater than 0"),
        (
            ["--max-rps", "1", "--safety-factor", "-nan"],
            "--safety-factor: got -nan; allowed: a finite number greater than 0 and at most 1",
        ),
    ],
)
def test_numbers_are_shown_as_typed_and_negative_ones_are_values(argv: list[str], message: str, capsys: Any) -> None:
    assert main(["target", *argv]) == 1
    assert capsys.readouterr() == ("", f"mme-scaling: error: {message}\n")


def test_a_yaml_template_says_templates_are_json(tmp_path: Path, capsys: Any) -> None:
    template = _write(tmp_path, "t.yaml", "Resources:\n  Handle:\n    Type: AWS::CloudFormation::WaitConditionHandle\n")
    assert main(["policies", str(template)]) == 1
    assert capsys.readouterr().err == (
        f"mme-scaling: error: {template}: not valid JSON (Expecting value: line 1 column 1 (char 0)); {JSON_ONLY}\n"
    )
    trace = _write(tmp_path, "trace.csv", TRACE)
    assert main(["simulate", str(trace), "--max-rps-per-instance", "12", "--template", str(template)]) == 1
    assert capsys.readouterr().err == (
        f"mme-scaling: error: {template}: not a readable JSON file (Expecting value: line 1 column 1 (char 0)); "
        f"{JSON_ONLY}\n"
    )


# --- Any words: exit 0, 1 with one line, or 2 ----------------------------------------------------

_SIMULATION_WORDS = st.one_of(
    st.sampled_from(
        [
            "--max-rps-per-instance",
            "--instance-type",
            "--template",
            "--config",
            "--min",
            "--max",
            "--invocations-target",
            "--utilization-percent",
            "--scale-in-cooldown",
            "--overload-budget",
            "--min-capacity-floor",
            "--startup-minutes",
            "--price-per-instance-hour",
            "--json",
            "--max-rps",
            "--inst",
            "TRACE",
            "TEMPLATE",
            "ml.c5.xlarge",
            "ml.g5.xlarge",
            "ml.m7g.xlarge",
            "ml.t2.medium",
            "12",
            "0",
            "-1",
            "-inf",
            "nan",
            "1e999",
            "1e-400",
            "99999999999",
            "",
            "report.json",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_characters="/\\.", blacklist_categories=["Cs"]), max_size=6),
)


@settings(max_examples=60, deadline=None)
@given(command=st.sampled_from(["simulate", "recommend"]), words=st.lists(_SIMULATION_WORDS, max_size=8))
def test_any_simulation_words_exit_0_1_or_2(command: str, words: list[str]) -> None:
    with tempfile.TemporaryDirectory() as root, contextlib.chdir(root):
        trace = _write(Path(root), "trace.csv", TRACE)
        template = _write(Path(root), "gpu.json", GPU_TEMPLATE)
        replaced = {"TRACE": str(trace), "TEMPLATE": str(template)}
        argv = [command, str(trace), *(replaced.get(word, word) for word in words)]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = _exit(argv)
    errors = err.getvalue()
    assert status in (0, 1, 2), errors
    assert "Traceback" not in errors
    if status == 1:
        assert errors.startswith("mme-scaling: error: ") and errors.count("\n") == 1, errors

"""The mme-scaling command, end to end on a synthesized template."""

import json
import os
import shlex
import subprocess
import sys

import aws_cdk as cdk
import pytest

from app import MultiModelEndpointsStack
from mme_scaling_constructs import (
    EndpointScaling,
    InvocationsPerInstancePolicy,
    ScalingPreset,
    ScheduledScaling,
    SuspendedState,
)
from mme_scaling_constructs.cli import main
from tests.conftest import assert_lints_clean
from tests.export_helpers import ENDPOINT_PROPERTIES, STEP_SPEC, metric_math_scaling, scaling_policy


@pytest.fixture(scope="module")
def template_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("cdk.out")
    app = cdk.App(outdir=str(out))
    MultiModelEndpointsStack(app, "Example")
    app.synth()
    assert_lints_clean(out / "Example.template.json")
    return out / "Example.template.json"


def test_policies_table(template_path, capsys):
    assert main(["policies", str(template_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "endpoint",
        "variant",
        "min",
        "max",
        "policy",
        "metric",
        "target",
        "cooldown",
        "in/out",
        "(s)",
    ]
    rows = [line.split() for line in lines[1:]]
    assert len(rows) == 4
    cpu = next(row for row in rows if row[5] == "CPUUtilization")
    assert cpu[0].startswith("${CpuEndpoint") and cpu[0].endswith(".EndpointName}")
    assert cpu[1:4] == ["AllTraffic", "2", "6"]
    assert cpu[7:] == ["200", "600/300"]
    gpu = next(row for row in rows if row[5] == "GPUUtilization")
    assert gpu[7:] == ["50", "600/300"]
    assert sum(row[5] == "SageMakerVariantInvocationsPerInstance" for row in rows) == 2


def test_export_writes_json_and_commands(template_path, tmp_path, capsys):
    out = tmp_path / "export"
    assert main(["export", str(template_path), "--out", str(out)]) == 0
    written = capsys.readouterr().out.split()
    assert len(written) == 7
    assert written[-3:] == [
        str(out / "commands.sh"),
        str(out / "deregister.sh"),
        str(out / "mme-scaling-export.json"),
    ]
    script = (out / "commands.sh").read_text().splitlines()
    registers = [line for line in script if "register-scalable-target" in line]
    puts = [line for line in script if "put-scaling-policy" in line]
    assert len(registers) == 2 and len(puts) == 4
    assert "--service-namespace sagemaker" in registers[0]
    assert "--scalable-dimension sagemaker:variant:DesiredInstanceCount" in registers[0]
    assert "--min-capacity 2 --max-capacity 6" in registers[0]
    assert "--resource-id 'endpoint/${CpuEndpoint" in registers[0]
    assert "--policy-type TargetTrackingScaling" in puts[0]
    policy_file = shlex.split(puts[0])[-1].removeprefix("file://$here/")
    configuration = json.loads((out / policy_file).read_text())
    assert configuration["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
    }


@pytest.mark.parametrize(
    ("arguments", "output"),
    [(["--max-rps", "10"], "300"), (["--max-rps", "4", "--safety-factor", "0.75"], "180")],
)
def test_target(arguments, output, capsys):
    assert main(["target", *arguments]) == 0
    assert capsys.readouterr().out.strip() == output


def test_target_out_of_range_exits_1(capsys):
    assert main(["target", "--max-rps", "10", "--safety-factor", "1.5"]) == 1
    assert capsys.readouterr().err.strip() == (
        "mme-scaling: error: --safety-factor: got 1.5; allowed: a finite number greater than 0 and at most 1"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
        ('{"Outputs": {}}', "not a CloudFormation template (no Resources section)"),
    ],
)
def test_bad_template_files_exit_1(tmp_path, capsys, content, message):
    path = tmp_path / "template.json"
    if content is not None:
        path.write_text(content)
    assert main(["policies", str(path)]) == 1
    assert capsys.readouterr().err.strip() == f"mme-scaling: error: {path}: {message}"


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["target"])
    assert raised.value.code == 2
    assert "the following arguments are required: --max-rps" in capsys.readouterr().err


def test_console_script_runs_without_the_cdk(template_path):
    completed = subprocess.run(
        [sys.executable, "-m", "mme_scaling_constructs.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "policies" in completed.stdout and "export" in completed.stdout and "exit codes" in completed.stdout
    probe = "import sys, mme_scaling_constructs.cli; print('jsii' in sys.modules, 'botocore' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout == "False False\n"


def test_export_includes_schedules_suspended_state_and_step_policies(tmp_path, capsys):
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Scheduled")
    preset = ScalingPreset.custom(
        InvocationsPerInstancePolicy(),
        STEP_SPEC,
        schedules=(
            ScheduledScaling(name="mornings", schedule="cron(0 7 * * ? *)", min_capacity=3, time_zone="Asia/Seoul"),
        ),
        suspended_state=SuspendedState(scheduled_scaling_suspended=True),
    )
    EndpointScaling(stack, "Scaling", endpoint_name="ep", instance_type="ml.m5.xlarge", preset=preset)
    app.synth()
    assert_lints_clean(tmp_path / "cdk.out" / "Scheduled.template.json")
    out = tmp_path / "export"
    assert main(["export", str(tmp_path / "cdk.out" / "Scheduled.template.json"), "--out", str(out)]) == 0
    capsys.readouterr()
    script = (out / "commands.sh").read_text()
    assert (
        "register-scalable-target --service-namespace sagemaker --resource-id endpoint/ep/variant/AllTraffic "
        "--scalable-dimension sagemaker:variant:DesiredInstanceCount --min-capacity 2 --max-capacity 4 "
        "--suspended-state "
        '\'{"DynamicScalingInSuspended":false,"DynamicScalingOutSuspended":false,"ScheduledScalingSuspended":true}\''
    ) in script
    assert (
        "put-scheduled-action --service-namespace sagemaker --resource-id endpoint/ep/variant/AllTraffic "
        "--scalable-dimension sagemaker:variant:DesiredInstanceCount --scheduled-action-name mornings "
        "--schedule 'cron(0 7 * * ? *)' --scalable-target-action '{\"MinCapacity\":3}' --timezone Asia/Seoul"
    ) in script
    assert script.count("--policy-type StepScaling") == 2
    assert script.count('--step-scaling-policy-configuration "file://$here/') == 2
    alarm_lines = [line for line in script.splitlines() if "put-metric-alarm" in line]
    assert len(alarm_lines) == 2
    for line in alarm_lines:
        variable = line.rsplit('"$', 1)[1].rstrip('"')
        assert f"{variable}=$(aws application-autoscaling put-scaling-policy" in script
        alarm_file = shlex.split(line)[4].removeprefix("file://$here/")
        alarm = json.loads((out / alarm_file).read_text())
        assert alarm["MetricName"] == "DiskUtilization"
        assert alarm["Dimensions"] == [
            {"Name": "EndpointName", "Value": "ep"},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ]
        assert alarm["AlarmName"] == alarm_file.removesuffix(".json")
        assert "AlarmActions" not in alarm
    assert main(["policies", str(tmp_path / "cdk.out" / "Scheduled.template.json")]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    step_rows = [row for row in rows if row[5] == "step:"]
    assert sorted(row[8:] for row in step_rows) == [["<=", "20", "none"], [">=", "80", "none"]]
    assert all(row[6:8] == ["DiskUtilization", "(Average)"] for row in step_rows)


def test_policies_shows_metric_math_and_custom_metrics(tmp_path, capsys):
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    metric_math_scaling(cdk.Stack(app, "Math"))
    app.synth()
    assert_lints_clean(tmp_path / "cdk.out" / "Math.template.json")
    assert main(["policies", str(tmp_path / "cdk.out" / "Math.template.json")]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert any("math: m1 / 60" in row and "  4  " in row for row in rows)
    assert any("ModelLatency (Average)" in row and "  9  " in row for row in rows)


# --- Hand-written templates: no CDK needed -----------------------------------------------

TARGET = {
    "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
    "Properties": {
        **ENDPOINT_PROPERTIES,
        "ResourceId": "endpoint/ep/variant/AllTraffic",
        "MinCapacity": 2,
        "MaxCapacity": 4,
    },
}
STEP_CONFIGURATION = {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [{"ScalingAdjustment": 1}]}
TRACKING_CONFIGURATION = {
    "TargetValue": 70,
    "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
}


def _step_policy(**properties):
    return scaling_policy("up", "StepScaling", STEP_CONFIGURATION, ScalingTargetId={"Ref": "Target"}, **properties)


def _alarm(name, policy="Up"):
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": name,
            "AlarmActions": [{"Ref": policy}],
            "ComparisonOperator": "GreaterThanThreshold",
            "EvaluationPeriods": 1,
            "MetricName": "CPUUtilization",
            "Namespace": "/aws/sagemaker/Endpoints",
            "Period": 60,
            "Statistic": "Average",
            "Threshold": 80,
        },
    }


def _tracking_policy(**properties):
    return scaling_policy("tracking", "TargetTrackingScaling", TRACKING_CONFIGURATION, **properties)


STEP_TEMPLATE = {"Resources": {"Target": TARGET, "Up": _step_policy(), "UpAlarm": _alarm("cpu-high")}}


def _write_template(directory, template):
    path = directory / "template.json"
    path.write_text(json.dumps(template))
    return path


def _tree(root):
    """Every path under ``root`` with its content (None for directories and links)."""
    return {
        path: (path.read_bytes() if path.is_file() and not path.is_symlink() else None)
        for path in sorted(root.rglob("*"))
    }


def test_commands_run_from_any_working_directory(tmp_path, capsys):
    bin_dir, elsewhere, log = tmp_path / "bin", tmp_path / "elsewhere", tmp_path / "aws.log"
    bin_dir.mkdir()
    elsewhere.mkdir()
    fake_aws = bin_dir / "aws"
    fake_aws.write_text(
        f"#!{sys.executable}\n"
        "import json, pathlib, sys\n"
        "for word in sys.argv[1:]:\n"
        "    if word.startswith('file://'):\n"
        "        json.loads(pathlib.Path(word.removeprefix('file://')).read_text())\n"
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "if '--query' in sys.argv:\n"
        "    print('arn:aws:autoscaling:policy/' + sys.argv[sys.argv.index('--policy-name') + 1])\n"
    )
    fake_aws.chmod(0o755)
    out = tmp_path / "out dir"
    assert main(["export", str(_write_template(tmp_path, STEP_TEMPLATE)), "--out", str(out)]) == 0
    capsys.readouterr()
    environment = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    completed = subprocess.run(
        ["bash", str(out / "commands.sh")], cwd=elsewhere, env=environment, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    assert [call[:2] for call in calls] == [
        ["application-autoscaling", "register-scalable-target"],
        ["application-autoscaling", "put-scaling-policy"],
        ["cloudwatch", "put-metric-alarm"],
    ]
    assert calls[1][-5:] == [f"file://{out}/Up.json", "--query", "PolicyARN", "--output", "text"]
    assert calls[2][2:] == [
        "--cli-input-json",
        f"file://{out}/cpu-high.json",
        "--alarm-actions",
        "arn:aws:autoscaling:policy/up",
    ]


def test_file_names_never_leave_out_and_never_collide(tmp_path, capsys):
    names = ["../../x", "/x", "team/cpu-high", "team_cpu-high", "TEAM/CPU-HIGH", "..", "mme-scaling-export"]
    resources = {"Target": TARGET, "../../escape": _step_policy()}
    resources.update({f"Alarm{index}": _alarm(name, "../../escape") for index, name in enumerate(names)})
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    template = _write_template(tmp_path, {"Resources": resources})
    before = _tree(tmp_path)
    assert main(["export", str(template), "--out", str(work / "out")]) == 0
    capsys.readouterr()
    after = _tree(tmp_path)
    assert {path for path in after if path not in before} == {work / "out", *(work / "out").iterdir()}
    assert all(after[path] == content for path, content in before.items())
    assert sorted(path.name for path in (work / "out").iterdir()) == [
        "TEAM_CPU-HIGH-3.json",
        "alarm.json",
        "commands.sh",
        "deregister.sh",
        "escape.json",
        "mme-scaling-export-2.json",
        "mme-scaling-export.json",
        "team_cpu-high-2.json",
        "team_cpu-high.json",
        "x-2.json",
        "x.json",
    ]
    assert json.loads((work / "out" / "team_cpu-high.json").read_text())["AlarmName"] == "team/cpu-high"
    assert json.loads((work / "out" / "x-2.json").read_text())["AlarmName"] == "/x"
    assert json.loads((work / "out" / "alarm.json").read_text())["AlarmName"] == ".."


def test_export_refuses_to_overwrite_a_file_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "commands.sh").write_text("my own script\n")
    (out / "notes.txt").write_text("mine\n")
    assert main(["export", str(_write_template(tmp_path, STEP_TEMPLATE)), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"mme-scaling: error: {out}/commands.sh: exists and was not written by mme-scaling export "
        "(it is not in mme-scaling-export.json); move it away or choose another --out\n"
    )
    assert sorted(path.name for path in out.iterdir()) == ["commands.sh", "notes.txt"]
    assert (out / "commands.sh").read_text() == "my own script\n"


def test_export_overwrites_its_own_files_removes_its_stale_ones_and_leaves_others_alone(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    template = _write_template(tmp_path, STEP_TEMPLATE)
    assert main(["export", str(template), "--out", str(out)]) == 0
    capsys.readouterr()
    (out / "Up.json").write_text("edited\n")
    tracking = {"Resources": {"Target": TARGET, "Tracking": _tracking_policy(ScalingTargetId={"Ref": "Target"})}}
    template.write_text(json.dumps(tracking))
    assert main(["export", str(template), "--out", str(out)]) == 0
    assert capsys.readouterr().out.split() == [
        str(out / name) for name in ("Tracking.json", "commands.sh", "deregister.sh", "mme-scaling-export.json")
    ]
    assert sorted(path.name for path in out.iterdir()) == [
        "Tracking.json",
        "commands.sh",
        "deregister.sh",
        "mme-scaling-export.json",
        "notes.txt",
    ]
    assert (out / "notes.txt").read_text() == "mine\n"
    assert json.loads((out / "mme-scaling-export.json").read_text()) == {
        "writtenBy": "mme-scaling export",
        "files": ["Tracking.json", "commands.sh", "deregister.sh"],
    }


def test_export_never_writes_through_a_symbolic_link(tmp_path, capsys):
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    victim.write_text("precious\n")
    template = _write_template(tmp_path, STEP_TEMPLATE)
    assert main(["export", str(template), "--out", str(out)]) == 0
    (out / "commands.sh").unlink()
    (out / "commands.sh").symlink_to(victim)
    capsys.readouterr()
    assert main(["export", str(template), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"mme-scaling: error: {out}/commands.sh: is a symbolic link; export does not write through links\n"
    )
    assert victim.read_text() == "precious\n"


def test_export_refuses_a_manifest_it_did_not_write(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mme-scaling-export.json").write_text('{"files": ["../../victim.txt"]}')
    assert main(["export", str(_write_template(tmp_path, STEP_TEMPLATE)), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"mme-scaling: error: {out}/mme-scaling-export.json: exists and is not a manifest of mme-scaling export; "
        "move it away or choose another --out\n"
    )
    assert [path.name for path in out.iterdir()] == ["mme-scaling-export.json"]


def test_empty_out_is_a_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    template = _write_template(tmp_path, STEP_TEMPLATE)
    with pytest.raises(SystemExit) as raised:
        main(["export", str(template), "--out", ""])
    assert raised.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "mme-scaling export: error: argument --out: must not be empty (give a directory, e.g. --out scaling/; "
        "'.' for here)"
    )
    assert [path.name for path in tmp_path.iterdir()] == ["template.json"]


def test_policies_lists_policies_that_name_their_target_by_resource_id(tmp_path, capsys):
    by_name = {**ENDPOINT_PROPERTIES, "ResourceId": "endpoint/ep/variant/AllTraffic"}
    elsewhere = {**ENDPOINT_PROPERTIES, "ResourceId": "endpoint/other/variant/AllTraffic"}
    template = {
        "Resources": {
            "Target": TARGET,
            "Joined": _tracking_policy(PolicyName="joined", **by_name),
            "Alone": _tracking_policy(PolicyName="alone", **elsewhere),
        }
    }
    assert main(["policies", str(_write_template(tmp_path, template))]) == 0
    rows = [line.split()[:5] for line in capsys.readouterr().out.splitlines()[1:]]
    assert rows == [["ep", "AllTraffic", "2", "4", "joined"], ["other", "AllTraffic", "-", "-", "alone"]]


def _policy_properties(**properties):
    return {"Resources": {"Target": TARGET, "P": _tracking_policy(**properties)}}


def _target_properties(**properties):
    return {"Resources": {"T": {**TARGET, "Properties": {**TARGET["Properties"], **properties}}}}


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ({"Resources": {"X": 5}}, "Resources.X: got 5; allowed: an object with a Type string"),
        (
            {"Resources": {"T": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": []}}},
            "Resources.T.Properties: got []; allowed: an object",
        ),
        (
            _target_properties(ResourceId={"Fn::Join": "x"}),
            "Resources.T.Properties.ResourceId.Fn::Join: got 'x'; allowed: [a delimiter string, a list of strings]",
        ),
        (
            _target_properties(ResourceId={"Fn::Join": ["", ["endpoint/", 5]]}),
            "Resources.T.Properties.ResourceId.Fn::Join[1][1]: got 5; allowed: a string or an intrinsic function",
        ),
        (
            _target_properties(ServiceNamespace=5, MinCapacity="two"),
            "Resources.T.Properties.ServiceNamespace: got 5; allowed: a non-empty string; "
            "Resources.T.Properties.MinCapacity: got 'two'; allowed: a whole number from 0 to 2147483647",
        ),
        (
            _target_properties(SuspendedState={"Fn::If": ["Suspend", {}, {"Ref": "AWS::NoValue"}]}),
            "Resources.T.Properties.SuspendedState: got {'Fn::If': ['Suspend', {}, {'Ref': 'AWS::NoValue'}]}; "
            "allowed: an object written in the template (an intrinsic function can stand only for a string, a number, "
            "a boolean or a timestamp)",
        ),
        (
            _target_properties(ScheduledActions=[{"Schedule": "rate(1 day)", "StartTime": "soon"}]),
            "Resources.T.Properties.ScheduledActions[0].StartTime: got 'soon'; allowed: an ISO 8601 date and time, "
            "e.g. 2025-01-31T08:00:00Z; Resources.T.Properties.ScheduledActions[0].ScheduledActionName: got nothing; "
            "allowed: a non-empty string (required)",
        ),
        (
            _policy_properties(ScalingTargetId={"Ref": "Missing"}),
            "Resources.P.Properties.ScalingTargetId: got {'Ref': 'Missing'}; allowed: a Ref to a scalable target of "
            "the template, or its id 'resource-id|dimension|namespace'",
        ),
        (
            _policy_properties(),
            "Resources.P.Properties.ScalingTargetId: got nothing; allowed: a Ref to a scalable target, or else "
            "ResourceId, ScalableDimension and ServiceNamespace",
        ),
        (
            _policy_properties(ScalingTargetId={"Ref": "Target"}, ResourceId="endpoint/ep/variant/AllTraffic"),
            "Resources.P.Properties.ResourceId: got 'endpoint/ep/variant/AllTraffic'; allowed: nothing when "
            "ScalingTargetId is given",
        ),
        (
            _policy_properties(ScalingTargetId={"Ref": "Target"}, PolicyType="PredictiveScaling"),
            "Resources.P.Properties.PolicyType: got 'PredictiveScaling'; allowed: TargetTrackingScaling or StepScaling",
        ),
        (
            _policy_properties(
                ScalingTargetId={"Ref": "Target"},
                TargetTrackingScalingPolicyConfiguration={"TargetValue": "high", "Unknown": 1},
            ),
            "Resources.P.Properties.TargetTrackingScalingPolicyConfiguration.TargetValue: got 'high'; allowed: a "
            "finite number; Resources.P.Properties.TargetTrackingScalingPolicyConfiguration.Unknown: got 1; allowed: "
            "no field of that name (fields: CustomizedMetricSpecification, DisableScaleIn, "
            "PredefinedMetricSpecification, ScaleInCooldown, ScaleOutCooldown, TargetValue)",
        ),
        (
            {
                "Resources": {
                    "Target": TARGET,
                    "Up": _step_policy(),
                    "Alarm": {
                        **_alarm("a"),
                        "Properties": {
                            **_alarm("a")["Properties"],
                            "Dimensions": [{"Name": "EndpointName", "Value": {"Ref": ""}}],
                        },
                    },
                }
            },
            "Resources.Alarm.Properties.Dimensions[0].Value.Ref: got ''; allowed: the name of a parameter, resource "
            "or pseudo parameter",
        ),
    ],
)
def test_malformed_templates_exit_1_with_one_line(tmp_path, capsys, template, message):
    path = _write_template(tmp_path, template)
    for command in (["policies", str(path)], ["export", str(path), "--out", str(tmp_path / "out")]):
        assert main(command) == 1
        assert capsys.readouterr().err == f"mme-scaling: error: {path}: {message}\n"
    assert not (tmp_path / "out").exists()


def test_deep_nesting_exits_1(tmp_path, capsys):
    resource_id = "endpoint/ep/variant/AllTraffic"
    for _ in range(200):
        resource_id = {"Fn::Join": ["", [resource_id]]}
    path = _write_template(tmp_path, _target_properties(ResourceId=resource_id))
    assert main(["policies", str(path)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"mme-scaling: error: {path}: Resources.T.Properties.ResourceId.Fn::Join[1][0].Fn::Join")
    assert error.endswith("; allowed: a value nested at most 32 levels deep\n") and error.count("\n") == 1
    path.write_text('{"Resources": ' + "[" * 100_000)
    assert main(["policies", str(path)]) == 1
    assert capsys.readouterr().err == f"mme-scaling: error: {path}: not valid JSON (nested too deeply)\n"


@pytest.mark.parametrize(
    ("number", "message"),
    [("NaN", "NaN is not a JSON number"), ("1e400", "1e400 is out of the range of numbers")],
)
def test_non_finite_json_numbers_exit_1(tmp_path, capsys, number, message):
    path = tmp_path / "template.json"
    path.write_text(
        '{"Resources": {"T": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": '
        '{"MinCapacity": ' + number + "}}}}"
    )
    assert main(["policies", str(path)]) == 1
    assert capsys.readouterr().err == f"mme-scaling: error: {path}: not valid JSON ({message})\n"


def test_closed_standard_output_exits_quietly(template_path):
    reader, writer = os.pipe()
    os.close(reader)
    try:
        for arguments in (["policies", str(template_path)], ["--help"]):
            completed = subprocess.run(
                [sys.executable, "-m", "mme_scaling_constructs.cli", *arguments], stdout=writer, stderr=subprocess.PIPE
            )
            assert (completed.returncode, completed.stderr) == (0, b"")
    finally:
        os.close(writer)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_full_standard_output_exits_1(template_path):
    with open("/dev/full", "w") as full:
        completed = subprocess.run(
            [sys.executable, "-m", "mme_scaling_constructs.cli", "policies", str(template_path)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert (completed.returncode, completed.stderr) == (
        1,
        "mme-scaling: error: cannot write to standard output ([Errno 28] No space left on device)\n",
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--max-rps", "inf"], "--max-rps: got inf; allowed: a finite number greater than 0"),
        (["--max-rps", "nan"], "--max-rps: got nan; allowed: a finite number greater than 0"),
        (
            ["--max-rps", "10", "--safety-factor=-inf"],
            "--safety-factor: got -inf; allowed: a finite number greater than 0 and at most 1",
        ),
        (["--max-rps", "-1"], "--max-rps: got -1; allowed: a finite number greater than 0"),
        (["--max-rps", "0"], "--max-rps: got 0; allowed: a finite number greater than 0"),
        (
            ["--max-rps", "1e300"],
            "--max-rps: got 1e300; allowed: a rate whose target (--max-rps x --safety-factor x 60) is from 2^-360 "
            "to 2^360",
        ),
        (
            ["--max-rps", "1e308"],
            "--max-rps: got 1e308; allowed: a rate whose target (--max-rps x --safety-factor x 60) is from 2^-360 "
            "to 2^360",
        ),
    ],
)
def test_target_refuses_values_outside_the_target_value_range(arguments, message, capsys):
    assert main(["target", *arguments]) == 1
    assert capsys.readouterr().err == f"mme-scaling: error: {message}\n"


def test_target_keeps_the_precision_of_the_result(capsys):
    assert main(["target", "--max-rps", "1234.5678"]) == 0
    assert capsys.readouterr().out == "37037.034\n"

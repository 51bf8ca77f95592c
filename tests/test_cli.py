"""The mme-scaling command, end to end on a synthesized template."""

import json
import subprocess
import sys

import aws_cdk as cdk
import pytest

from app import MultiModelEndpointsStack
from mme_scaling_constructs import (
    CustomMetricPolicy,
    EndpointScaling,
    InvocationsPerInstancePolicy,
    MetricMathPolicy,
    MetricSpec,
    ScalingPreset,
    ScalingStep,
    ScheduledScaling,
    StepScalingSpec,
    SuspendedState,
)
from mme_scaling_constructs.cli import main
from tests.conftest import assert_lints_clean


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
    assert len(written) == 5
    script = (out / "commands.sh").read_text().splitlines()
    registers = [line for line in script if "register-scalable-target" in line]
    puts = [line for line in script if "put-scaling-policy" in line]
    assert len(registers) == 2 and len(puts) == 4
    assert "--service-namespace sagemaker" in registers[0]
    assert "--scalable-dimension sagemaker:variant:DesiredInstanceCount" in registers[0]
    assert "--min-capacity 2 --max-capacity 6" in registers[0]
    assert "--resource-id 'endpoint/${CpuEndpoint" in registers[0]
    assert "--policy-type TargetTrackingScaling" in puts[0]
    policy_file = puts[0].rsplit("file://", 1)[1]
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
        "mme-scaling: error: safety_factor: got 1.5; allowed: a number greater than 0 and at most 1"
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
    probe = "import sys, mme_scaling_constructs.cli; print('jsii' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "False\n"


def test_export_includes_schedules_suspended_state_and_step_policies(tmp_path, capsys):
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stack = cdk.Stack(app, "Scheduled")
    preset = ScalingPreset.custom(
        InvocationsPerInstancePolicy(),
        StepScalingSpec(
            metric=MetricSpec(metric_name="DiskUtilization"),
            steps=(ScalingStep(upper=20, change=-1), ScalingStep(lower=80, change=1)),
        ),
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
    assert script.count("--step-scaling-policy-configuration file://") == 2
    alarm_lines = [line for line in script.splitlines() if "put-metric-alarm" in line]
    assert len(alarm_lines) == 2
    for line in alarm_lines:
        variable = line.rsplit('"$', 1)[1].rstrip('"')
        assert f"{variable}=$(aws application-autoscaling put-scaling-policy" in script
        alarm_file = line.split("file://", 1)[1].split()[0]
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
    stack = cdk.Stack(app, "Math")
    invocations = MetricSpec(metric_name="Invocations", namespace="AWS/SageMaker", statistic="Sum")
    preset = ScalingPreset.custom(
        MetricMathPolicy(expression="m1 / 60", metrics={"m1": invocations}, target_value=4),
        CustomMetricPolicy(metric=MetricSpec(metric_name="ModelLatency", namespace="AWS/SageMaker"), target_value=9),
    )
    EndpointScaling(stack, "Scaling", endpoint_name="ep", instance_type="ml.m5.xlarge", preset=preset)
    app.synth()
    assert_lints_clean(tmp_path / "cdk.out" / "Math.template.json")
    assert main(["policies", str(tmp_path / "cdk.out" / "Math.template.json")]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert any("math: m1 / 60" in row and "  4  " in row for row in rows)
    assert any("ModelLatency (Average)" in row and "  9  " in row for row in rows)

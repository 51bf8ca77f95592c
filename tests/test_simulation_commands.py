"""The simulate and recommend commands, on a parser built with add_commands."""

import json
import subprocess
import sys

import pytest

from mme_scaling_constructs.simulation.commands import SimulationInputError
from tests.simulation_helpers import RECOMMENDED_KEYS, REPORT_KEYS

# --- commands -----------------------------------------------------------------------------


def test_recommend_round_trips_through_simulate(run, trace_file, tmp_path):
    out = tmp_path / "rec.json"
    text = run(
        "recommend",
        trace_file,
        "--max-rps-per-instance",
        2,
        "--instance-type",
        "ml.c5.xlarge",
        "--overload-budget",
        0.01,
        "--json",
        out,
    )
    assert "ScalingPreset.for_instance_type(\n    'ml.c5.xlarge'," in text
    report = json.loads(out.read_text())
    recommended = report["recommended"]
    assert set(recommended) >= RECOMMENDED_KEYS
    assert report["within_budget"] is True
    again = tmp_path / "again.json"
    run("simulate", trace_file, "--max-rps-per-instance", 2, "--config", out, "--json", again)
    assert {k: json.loads(again.read_text())[k] for k in REPORT_KEYS} == {k: report[k] for k in REPORT_KEYS}
    flags = tmp_path / "flags.json"
    run(
        "simulate",
        trace_file,
        "--max-rps-per-instance",
        2,
        "--instance-type",
        "ml.c5.xlarge",
        "--min",
        recommended["min_capacity"],
        "--max",
        recommended["max_capacity"],
        "--invocations-target",
        recommended["invocations_per_instance"],
        "--utilization-percent",
        recommended["utilization_percent"],
        "--scale-in-cooldown",
        recommended["scale_in_cooldown_s"],
        "--scale-out-cooldown",
        recommended["scale_out_cooldown_s"],
        "--json",
        flags,
    )
    assert {k: json.loads(flags.read_text())[k] for k in REPORT_KEYS} == {k: report[k] for k in REPORT_KEYS}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--max-rps-per-instance", "nan", "--instance-type", "ml.c5.xlarge"],
            "--max-rps-per-instance: got nan; allowed: a finite number",
        ),
        (["--max-rps-per-instance", "2"], "--instance-type T, --template FILE or --config REC.json is required"),
        (
            ["--max-rps-per-instance", "2", "--instance-type", "c5"],
            "--instance-type: got 'c5'; allowed: an instance type of the form ml.<family>.<size>, e.g. ml.c5.xlarge",
        ),
        (
            ["--max-rps-per-instance", "2", "--instance-type", "ml.c5.xlarge", "--min", "5", "--max", "3"],
            "--max: got 3; allowed: a whole number >= --min (5)",
        ),
        (
            ["--max-rps-per-instance", "2", "--config", "x.json", "--min", "3"],
            "--min: not allowed with --config, which gives the whole configuration",
        ),
        (
            ["--max-rps-per-instance", "2", "--instance-type", "ml.c5.xlarge", "--startup-minutes", "-1"],
            "--startup-minutes: got -1; allowed: a whole number of minutes from 0 to 1440",
        ),
    ],
)
def test_simulate_bad_input(run, trace_file, argv, message):
    with pytest.raises(SimulationInputError) as caught:
        run("simulate", trace_file, *argv)
    assert str(caught.value) == message


def test_bad_trace_names_file_and_line(run, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("minute,invocations\n0,1\n1,lots\n")
    with pytest.raises(SimulationInputError) as caught:
        run("simulate", path, "--max-rps-per-instance", 2, "--instance-type", "ml.c5.xlarge")
    assert (
        str(caught.value)
        == f"{path} line 3 column 2: got 'lots'; allowed: a finite number >= 0 (invocations in the minute)"
    )


def test_usage_errors_exit_2(run, trace_file):
    with pytest.raises(SystemExit) as caught:
        run("simulate", trace_file, "--max-rps-per-instance", 2, "--template", "a.json", "--config", "b.json")
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        run("recommend", trace_file, "--max-rps-per-instance", 2)
    assert caught.value.code == 2


def test_no_progress_bar_off_a_terminal(run, trace_file, capsys):
    run("recommend", trace_file, "--max-rps-per-instance", 2, "--instance-type", "ml.c5.xlarge")
    assert capsys.readouterr().err == ""


def test_simulation_imports_no_cdk():
    code = (
        "import sys; import mme_scaling_constructs.simulation.commands, mme_scaling_constructs.simulation.sources; "
        "print(any(name == 'jsii' or name.startswith('aws_cdk') for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_registering_the_commands_imports_no_numpy():
    code = (
        "import argparse, sys; from mme_scaling_constructs.simulation.commands import add_commands; "
        "add_commands(argparse.ArgumentParser().add_subparsers()); print('numpy' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["simulate", "--max-rps-per-instance", "1e-320", "--instance-type", "ml.m5.xlarge"],
            "--max-rps-per-instance: got 1e-320; allowed: a rate at which the trace's peak",
        ),
        (
            ["recommend", "--max-rps-per-instance", "1e-320", "--instance-type", "ml.m5.xlarge"],
            "--max-rps-per-instance: got 1e-320; allowed: a rate at which the trace's peak",
        ),
        (
            [
                "simulate",
                "--max-rps-per-instance",
                "10",
                "--instance-type",
                "ml.m5.xlarge",
                "--price-per-instance-hour",
                "1e308",
            ],
            "--price-per-instance-hour: got 1e308; allowed: a number from 0 to 1e9",
        ),
    ],
)
def test_numbers_that_overflow_the_model_are_refused(run, trace_file, argv, message):
    with pytest.raises(SimulationInputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        run(argv[0], trace_file, *argv[1:])


def test_a_tiny_utilization_target_runs_at_max_capacity(run, trace_file, tmp_path):
    out = tmp_path / "r.json"
    run(
        "simulate",
        trace_file,
        "--max-rps-per-instance",
        10,
        "--instance-type",
        "ml.m5.xlarge",
        "--utilization-percent",
        "1e-300",
        "--json",
        out,
    )
    assert json.loads(out.read_text())["instance_minutes"] == 4 * 1440


def test_a_progress_bar_on_a_terminal(trace_file):
    """With standard error on a (pseudo) terminal, recommend draws its progress to 100 %."""
    import os
    import pty

    controller, terminal = pty.openpty()
    argv = [sys.executable, "-m", "mme_scaling_constructs.cli", "recommend", str(trace_file)]
    argv += ["--max-rps-per-instance", "2", "--instance-type", "ml.c5.xlarge"]
    process = subprocess.run(argv, stdout=subprocess.PIPE, stderr=terminal, timeout=120, check=True)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed once everything was read
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert b"\rsimulating [" in shown
    assert b"100%" in shown
    assert process.stdout.startswith(b"Recommended (")

"""The PNG plot of simulate (matplotlib, an optional dependency)."""

import argparse
import json

import pytest

from mme_scaling_constructs.simulation import synthetic
from mme_scaling_constructs.simulation.commands import add_commands

REPORT_KEYS = {
    "minutes",
    "instance_minutes",
    "overloaded_minutes",
    "max_overload_ratio",
    "scaling_activities",
    "static_peak_instances",
    "static_peak_instance_minutes",
}
RECOMMENDED_KEYS = {
    "min_capacity",
    "max_capacity",
    "invocations_per_instance",
    "scale_in_cooldown_s",
    "scale_out_cooldown_s",
}


@pytest.fixture
def run():
    parser = argparse.ArgumentParser(prog="mme-scaling")
    add_commands(parser.add_subparsers(required=True))

    def invoke(*argv):
        arguments = parser.parse_args([str(a) for a in argv])
        return arguments.run(arguments)

    return invoke


@pytest.fixture
def trace_file(tmp_path):
    trace = synthetic.noisy(synthetic.diurnal(minutes=1440), seed=2)
    path = tmp_path / "trace.csv"
    path.write_text("minute,invocations\n" + "".join(f"{i},{int(v)}\n" for i, v in enumerate(trace.invocations)))
    return path


def test_simulate_flags_json_and_plot(run, trace_file, tmp_path):
    pytest.importorskip("matplotlib")
    out, plot = tmp_path / "r.json", tmp_path / "r.png"
    text = run(
        "simulate",
        trace_file,
        "--max-rps-per-instance",
        2,
        "--instance-type",
        "ml.c5.xlarge",
        "--max",
        40,
        "--json",
        out,
        "--plot",
        plot,
    )
    assert text.splitlines()[0].startswith("Simulation: 1440 minutes (1.0 days), min 2, max 40")
    report = json.loads(out.read_text())
    assert set(report) >= REPORT_KEYS
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

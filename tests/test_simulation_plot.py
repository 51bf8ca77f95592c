"""The PNG plot of simulate (matplotlib, an optional dependency)."""

import json

import pytest

from tests.simulation_helpers import REPORT_KEYS


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

"""Time the simulator on 30 days of per-minute traffic: one configuration, and 500 in lockstep.

Targets (issue 9): one configuration in under 50 ms; 500 candidates in under 5 s. Prints each
time, its ratio to the target, and peak memory (traced Python and NumPy allocations, and the
process's peak resident set).

Run: .venv/bin/python benchmarks/simulation_benchmark.py
"""

from __future__ import annotations

import itertools
import resource
import statistics
import time
import tracemalloc

from mme_scaling_constructs.simulation import synthetic
from mme_scaling_constructs.simulation.config import INVOCATIONS, SimulatedPolicy, SimulationConfig
from mme_scaling_constructs.simulation.lockstep import simulate_many
from mme_scaling_constructs.simulation.model import simulate
from mme_scaling_constructs.simulation.recommend import recommend

ONE_TARGET_S = 0.050
MANY_TARGET_S = 5.0
CANDIDATES = 500
MAX_RPS = 2.0


def candidates() -> list[SimulationConfig]:
    grid = itertools.product(
        (1, 2, 3, 4, 5),  # min
        (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0),  # safety factor
        (60, 300),  # scale-out cooldown
        (300, 600, 900, 1800, 3600),  # scale-in cooldown
    )
    return [
        SimulationConfig(
            min_capacity=low,
            max_capacity=40,
            policies=(SimulatedPolicy(metric=INVOCATIONS, target=factor * MAX_RPS * 60),),
            scale_out_cooldown_s=out_s,
            scale_in_cooldown_s=in_s,
        )
        for low, factor, out_s, in_s in grid
    ][:CANDIDATES]


def main() -> None:
    trace = synthetic.noisy(synthetic.diurnal(minutes=30 * 1440), relative_noise=0.1, seed=0)
    config = SimulationConfig(min_capacity=2, max_capacity=40)
    configs = candidates()
    assert len(configs) == CANDIDATES
    simulate(trace, config, max_rps_per_instance=MAX_RPS)  # warm up

    one = []
    for _ in range(7):
        start = time.perf_counter()
        result = simulate(trace, config, max_rps_per_instance=MAX_RPS)
        one.append(time.perf_counter() - start)
    many = []
    for _ in range(2):
        start = time.perf_counter()
        simulate_many(trace, configs, max_rps_per_instance=MAX_RPS)
        many.append(time.perf_counter() - start)

    start = time.perf_counter()
    recommendation = recommend(trace, max_rps_per_instance=MAX_RPS, instance_type="ml.c5.xlarge")
    recommend_s = time.perf_counter() - start

    tracemalloc.start()
    simulate(trace, config, max_rps_per_instance=MAX_RPS)
    _, one_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    simulate_many(trace, configs, max_rps_per_instance=MAX_RPS)
    _, many_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"trace: {trace.minutes} minutes (30 days), {result.scaling_activities} scaling activities in one run")
    print(
        f"one configuration:   median {statistics.median(one) * 1000:7.1f} ms, best {min(one) * 1000:7.1f} ms; "
        f"target {ONE_TARGET_S * 1000:.0f} ms; median/target {statistics.median(one) / ONE_TARGET_S:.2f}"
    )
    print(
        f"{CANDIDATES} candidates:      median {statistics.median(many):7.2f} s,  best {min(many):7.2f} s;  "
        f"target {MANY_TARGET_S:.0f} s;   median/target {statistics.median(many) / MANY_TARGET_S:.2f}"
    )
    print(
        f"recommend:           {recommend_s:7.2f} s for {recommendation.candidates} candidates "
        f"({len(recommendation.config.schedules)} scheduled actions recommended)"
    )
    print(
        f"peak traced memory: one configuration {one_peak / 2**20:.1f} MiB, {CANDIDATES} candidates "
        f"{many_peak / 2**20:.1f} MiB; process peak RSS {rss_mib:.0f} MiB"
    )


if __name__ == "__main__":
    main()

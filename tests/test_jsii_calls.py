"""The construct's jsii calls per endpoint: the deterministic measure of its synthesis cost."""

import importlib.util
import json
import statistics
import time
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import Duration

from mme_scaling_constructs import MultiModelEndpoint, ScalingPreset
from mme_scaling_constructs.testing.jsii_calls import JsiiCalls
from tests.conftest import CPU_IMAGE

ROOT = Path(__file__).parent.parent

#: Calls per endpoint today (hand-written L1 code of the same template makes 24, see
#: ``benchmarks/synthesis_benchmark.py``); lower it as the construct gets cheaper, never raise
#: it without a reason.
CALLS_PER_ENDPOINT = 20
#: Calls of a stack's first endpoint: the per-endpoint calls plus what a stack's endpoints share
#: (its environment, the service-linked role's import). The hand-written code makes 24.
CALLS_FOR_FIRST_ENDPOINT = 22
#: What a stack of a concrete environment adds: its app, where its scalable targets are claimed.
CALLS_FOR_CONCRETE_ENVIRONMENT = 2


def add_endpoint(stack, index):
    MultiModelEndpoint(
        stack,
        f"Mme{index}",
        image_uri=CPU_IMAGE,
        model_data_url=f"s3://model-bucket/tenant-{index}/",
        instance_type="ml.c5.xlarge",
        scaling=ScalingPreset.cpu(),
    )


def test_calls_per_endpoint_stay_within_budget():
    stack = cdk.Stack(cdk.App(), "Counted")
    add_endpoint(stack, 0)  # first use fills the caches
    with JsiiCalls() as calls:
        for index in range(1, 6):
            add_endpoint(stack, index)
    assert calls.count / 5 <= CALLS_PER_ENDPOINT


def test_a_stacks_first_endpoint_pays_for_what_the_stack_shares():
    app = cdk.App()
    add_endpoint(cdk.Stack(app, "Warm"), 0)  # first use of the process's caches
    agnostic_stack = cdk.Stack(app, "Agnostic")
    with JsiiCalls() as agnostic:
        add_endpoint(agnostic_stack, 1)
    concrete_stack = cdk.Stack(app, "Concrete", env=cdk.Environment(account="123456789012", region="us-east-1"))
    with JsiiCalls() as concrete:
        add_endpoint(concrete_stack, 2)
    assert agnostic.count <= CALLS_FOR_FIRST_ENDPOINT
    assert concrete.count <= CALLS_FOR_FIRST_ENDPOINT + CALLS_FOR_CONCRETE_ENVIRONMENT


def test_the_counter_counts_and_restores():
    with JsiiCalls() as calls:
        Duration.seconds(5).to_seconds()
    assert calls.count == 2  # create the Duration, call toSeconds
    Duration.seconds(5).to_seconds()
    assert calls.count == 2


@pytest.fixture(scope="module")
def benchmark():
    """``benchmarks/synthesis_benchmark.py``, loaded as a module."""
    spec = importlib.util.spec_from_file_location("synthesis_benchmark", ROOT / "benchmarks" / "synthesis_benchmark.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_compares_identical_templates(benchmark):
    """The synthesis benchmark's hand-written L1 baseline synthesizes exactly the construct's template."""

    def template(add_endpoint):
        app = cdk.App()
        stack = cdk.Stack(app, "Compared")
        for index in range(3):
            add_endpoint(stack, index)
        return app.synth().get_stack_by_name("Compared").template

    assert template(benchmark.with_construct) == template(benchmark.with_l1)


def test_jsii_runs_on_the_node_package_json_pins(benchmark):
    """``make`` puts the pinned Node.js first on the PATH, so jsii (and the benchmark) run on a supported one."""
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["node"]
    assert pinned.split(".")[0] in {"22", "24"}
    assert benchmark.node_version() == f"v{pinned}"


def test_the_benchmark_counts_the_cpu_of_jsiis_node_processes(benchmark):
    """The CPU clock finds jsii's Node.js processes and counts the kernel's work, which Python only waits for."""
    cdk.App()  # jsii is running
    clock = benchmark.CpuClock()
    assert len(clock.processes) >= 1
    node_before = clock.now() - time.process_time()
    app = cdk.App()
    for index in range(30):
        cdk.CfnWaitConditionHandle(cdk.Stack(app, f"Stack{index}"), "Handle")
    app.synth()
    assert clock.now() - time.process_time() > node_before  # the kernel worked
    assert benchmark.ratio([2.0, 4.0], [1.0, 2.0], statistics.median) == "2.00x"
    assert benchmark.ratio([2.0, None], [1.0, 2.0], statistics.median) == "   -"

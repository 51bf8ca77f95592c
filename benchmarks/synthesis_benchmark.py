"""Synthesis cost of MultiModelEndpoint against the same template written with aws-cdk-lib L1 classes.

Prints, for 1, 40 and 500 endpoints (500 over 10 stacks), the time of building and
synthesizing the app with the construct and with hand-written L1 code, run alternately in
this process (which goes first alternates too), and their ratio: of the fastest runs, which
``timeit`` recommends since slower runs measure other processes' interference, of the median
runs, and of the median CPU time of Python and jsii's Node.js processes (which leaves out what
other processes ran meanwhile). Then the jsii calls each makes per endpoint, the peak memory,
and the import time of ``MultiModelEndpoint`` over the aws-cdk-lib modules it uses.

    make bench    # or, with node_modules/.bin first on the PATH:
    .venv/bin/python benchmarks/synthesis_benchmark.py [--scale FACTOR]

jsii runs on the ``node`` of the PATH (or ``JSII_NODE``); ``make bench`` puts the pinned
Node.js first, as ``make test`` does. The first line printed names the version measured.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402
from aws_cdk import aws_applicationautoscaling as appscaling  # noqa: E402
from aws_cdk import aws_iam as iam  # noqa: E402
from aws_cdk import aws_sagemaker as sagemaker  # noqa: E402
from constructs import Construct  # noqa: E402

from mme_scaling_constructs import MultiModelEndpoint, ScalingPreset  # noqa: E402
from mme_scaling_constructs.testing.jsii_calls import JsiiCalls  # noqa: E402

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/serving:1"
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
LOG_GROUPS = f"arn:{cdk.Aws.PARTITION}:logs:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:log-group:/aws/sagemaker/Endpoints/*"


def with_construct(stack: cdk.Stack, index: int) -> None:
    """One endpoint with the package: CPU preset on ml.c5.xlarge."""
    MultiModelEndpoint(
        stack,
        f"Mme{index}",
        image_uri=IMAGE,
        model_data_url=f"s3://model-bucket/tenant-{index}/",
        instance_type="ml.c5.xlarge",
        scaling=ScalingPreset.cpu(),
    )


def with_l1(stack: cdk.Stack, index: int) -> None:
    """The same template, written with L1 classes only.

    Plain ``Construct`` scopes give the resources the construct's logical ids (``Resource``
    children where the construct uses an L2 class), and the policy names are made the same way,
    so both functions synthesize identical templates (``tests/test_jsii_calls.py`` checks it).
    """
    scope = Construct(stack, f"Mme{index}")
    arn = f"arn:{cdk.Aws.PARTITION}"
    role = iam.CfnRole(
        Construct(scope, "ExecutionRole"),
        "Resource",
        assume_role_policy_document={
            "Statement": [
                {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}}
            ],
            "Version": "2012-10-17",
        },
        description="Serves the models of a SageMaker multi-model endpoint",
    )
    policy = iam.CfnManagedPolicy(
        scope,
        "ExecutionPolicy",
        description="Lets SageMaker serve the models of a multi-model endpoint",
        roles=[role.ref],
        policy_document={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ReadModelArchives",
                    "Effect": "Allow",
                    "Action": "s3:GetObject",
                    "Resource": f"{arn}:s3:::model-bucket/tenant-{index}/*",
                },
                {
                    "Sid": "ListModelArchives",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": f"{arn}:s3:::model-bucket",
                    "Condition": {"StringLike": {"s3:prefix": [f"tenant-{index}/*"]}},
                },
                {
                    "Sid": "PullServingImage",
                    "Effect": "Allow",
                    "Action": [
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                    ],
                    "Resource": f"{arn}:ecr:us-east-1:123456789012:repository/serving",
                },
                {
                    "Sid": "AuthenticateToEcr",
                    "Effect": "Allow",
                    "Action": "ecr:GetAuthorizationToken",
                    "Resource": "*",
                },
                {
                    "Sid": "WriteEndpointLogs",
                    "Effect": "Allow",
                    "Action": LOG_ACTIONS,
                    "Resource": LOG_GROUPS,
                },
                {
                    "Sid": "PutEndpointMetrics",
                    "Effect": "Allow",
                    "Action": "cloudwatch:PutMetricData",
                    "Resource": "*",
                    "Condition": {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}},
                },
            ],
        },
    )
    model = sagemaker.CfnModel(
        scope,
        "Model",
        execution_role_arn=role.attr_arn,
        primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
            image=IMAGE,
            mode="MultiModel",
            model_data_url=f"s3://model-bucket/tenant-{index}/",
            multi_model_config=sagemaker.CfnModel.MultiModelConfigProperty(model_cache_setting="Enabled"),
        ),
    )
    model.node.add_dependency(policy)
    config = sagemaker.CfnEndpointConfig(
        scope,
        "EndpointConfig",
        production_variants=[
            sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name="AllTraffic",
                model_name=model.attr_model_name,
                instance_type="ml.c5.xlarge",
                initial_instance_count=2,
                initial_variant_weight=1,
            )
        ],
    )
    endpoint = sagemaker.CfnEndpoint(
        scope,
        "Endpoint",
        endpoint_config_name=config.attr_endpoint_config_name,
        retain_all_variant_properties=True,
    )
    name = endpoint.attr_endpoint_name
    scaling = Construct(scope, "Scaling")
    target = appscaling.CfnScalableTarget(
        Construct(scaling, "Target"),
        "Resource",
        service_namespace="sagemaker",
        scalable_dimension="sagemaker:variant:DesiredInstanceCount",
        resource_id=f"endpoint/{name}/variant/AllTraffic",
        min_capacity=2,
        max_capacity=4,
        role_arn=f"{arn}:iam::{cdk.Aws.ACCOUNT_ID}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
        "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint",
    )
    name_prefix = cdk.Names.unique_id(scaling)
    dimensions = [
        appscaling.CfnScalingPolicy.MetricDimensionProperty(name="EndpointName", value=name),
        appscaling.CfnScalingPolicy.MetricDimensionProperty(name="VariantName", value="AllTraffic"),
    ]
    for policy_id, configuration in (
        (
            "InvocationsPerInstance",
            appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=70,
                scale_in_cooldown=600,
                scale_out_cooldown=300,
                disable_scale_in=False,
                predefined_metric_specification=appscaling.CfnScalingPolicy.PredefinedMetricSpecificationProperty(
                    predefined_metric_type="SageMakerVariantInvocationsPerInstance"
                ),
            ),
        ),
        (
            "CPUUtilization",
            appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=200,
                scale_in_cooldown=600,
                scale_out_cooldown=300,
                disable_scale_in=False,
                customized_metric_specification=appscaling.CfnScalingPolicy.CustomizedMetricSpecificationProperty(
                    metric_name="CPUUtilization",
                    namespace="/aws/sagemaker/Endpoints",
                    dimensions=dimensions,
                    statistic="Average",
                    unit="Percent",
                ),
            ),
        ),
    ):
        appscaling.CfnScalingPolicy(
            scaling,
            policy_id,
            policy_name=f"{name_prefix}{policy_id}",
            policy_type="TargetTrackingScaling",
            scaling_target_id=target.ref,
            target_tracking_scaling_policy_configuration=configuration,
        )


def build_app(add_endpoint: Callable[[cdk.Stack, int], None], endpoints: int, stacks: int) -> cdk.App:
    app = cdk.App()
    targets = [cdk.Stack(app, f"Stack{n}") for n in range(stacks)]
    for index in range(endpoints):
        add_endpoint(targets[index % stacks], index)
    return app


def jsii_node_processes() -> list[int]:
    """The processes this one started and theirs: jsii's Node.js runtime and the kernel it runs.

    Read from ``/proc`` (Linux); empty elsewhere. Call it when no other child process runs.
    """
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], [os.getpid()]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


class CpuClock:
    """CPU seconds of this process and of jsii's Node.js processes, in nanoseconds' resolution.

    Python waits while the kernel works, so wall-clock time is the two processes' CPU time plus
    whatever else the machine ran meanwhile; CPU time leaves the latter out. ``now()`` is
    ``None`` where ``/proc/<pid>/task/*/schedstat`` cannot be read.
    """

    def __init__(self) -> None:
        self.processes = jsii_node_processes()

    def now(self) -> float | None:
        """CPU seconds so far, of every thread (Node.js starts threads as it needs them)."""
        threads = [path for pid in self.processes for path in Path(f"/proc/{pid}/task").glob("*/schedstat")]
        if not threads:
            return None
        try:
            node = sum(int(path.read_text().split()[0]) for path in threads)
        except (OSError, IndexError, ValueError):
            return None
        return time.process_time() + node / 1e9


class Run(NamedTuple):
    """One build and synthesis of an app: wall-clock seconds, and CPU seconds (``None`` if unknown)."""

    wall: float
    cpu: float | None


def timed(add_endpoint: Callable[[cdk.Stack, int], None], endpoints: int, stacks: int, clock: CpuClock) -> Run:
    """Build and synthesize the app, with Python's garbage collector paused as ``timeit`` does.

    The garbage of the previous run is collected first, so neither side pays for the other's.
    """
    gc.collect()
    gc.disable()
    try:
        cpu, start = clock.now(), time.perf_counter()
        build_app(add_endpoint, endpoints, stacks).synth()
        wall, cpu_after = time.perf_counter() - start, clock.now()
        return Run(wall, None if cpu is None or cpu_after is None else cpu_after - cpu)
    finally:
        gc.enable()


def ratio(ours: list[float | None], theirs: list[float | None], statistic: Callable[[list[float]], float]) -> str:
    """``statistic`` of ours over ``statistic`` of theirs, or ``-`` when a value is unknown."""
    known_ours, known_theirs = [v for v in ours if v is not None], [v for v in theirs if v is not None]
    if len(known_ours) < len(ours) or len(known_theirs) < len(theirs):
        return "   -"
    return f"{statistic(known_ours) / statistic(known_theirs):4.2f}x"


def calls_per_endpoint(add_endpoint: Callable[[cdk.Stack, int], None]) -> float:
    """jsii calls of building ten endpoints in one stack, per endpoint (synthesis excluded)."""
    app = cdk.App()
    stack = cdk.Stack(app, "Counted")
    add_endpoint(stack, 0)  # first-use costs (caches) outside the count
    with JsiiCalls() as calls:
        for index in range(1, 11):
            add_endpoint(stack, index)
    return calls.count / 10


#: The aws-cdk-lib modules ``mme_scaling_constructs`` imports when ``MultiModelEndpoint`` is imported.
CDK_MODULES_USED = (
    "aws_applicationautoscaling",
    "aws_cloudwatch",
    "aws_ec2",
    "aws_iam",
    "aws_kms",
    "aws_sagemaker",
)


def import_overhead() -> float:
    """Seconds ``from mme_scaling_constructs import MultiModelEndpoint`` adds to the CDK modules it uses.

    Measured in fresh interpreters with bytecode written to a scratch cache first, as ``pip
    install`` leaves an installed package (compiled), whatever ``PYTHONDONTWRITEBYTECODE`` says.
    """
    code = (
        "import time, aws_cdk, constructs\n"
        f"from aws_cdk import {', '.join(CDK_MODULES_USED)}\n"
        "t = time.perf_counter()\n"
        "from mme_scaling_constructs import MultiModelEndpoint\n"
        "print(time.perf_counter() - t)\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        environment["PYTHONPYCACHEPREFIX"] = cache
        command = [sys.executable, "-c", code]
        subprocess.run(command, capture_output=True, check=True, cwd=ROOT, env=environment)  # compiles
        runs = [
            float(subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=environment).stdout)
            for _ in range(5)
        ]
    return statistics.median(runs)


def node_version() -> str:
    """The version of the Node.js jsii runs on: ``JSII_NODE``, else ``node`` on the PATH."""
    node = os.environ.get("JSII_NODE", "node")
    return subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()


#: Endpoints, stacks and alternate runs of each measured size: 40 to 60 s each on two cores. One
#: endpoint takes about 20 ms, so it gets the most runs: its median moves most with the machine.
SIZES = ((1, 1, 500), (40, 1, 28), (500, 10, 7))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiply the alternate runs of every size (default 1: 500, 28 and 7 runs for 1, 40 and 500 endpoints)",
    )
    arguments = parser.parse_args()
    print(f"jsii on Node.js {node_version()}, Python {sys.version.split()[0]}")
    clock = CpuClock()
    timed(with_l1, 2, 1, clock)  # warm up jsii and CDK's template validation
    timed(with_construct, 2, 1, clock)
    print("endpoints  stacks  wall, fastest: construct (s)  L1 (s)  ratio    wall, median: ratio    CPU, median: ratio")
    for endpoints, stacks, rounds in SIZES:
        runs: dict[Callable[[cdk.Stack, int], None], list[Run]] = {with_construct: [], with_l1: []}
        for round_number in range(max(1, round(rounds * arguments.scale))):
            order = (with_construct, with_l1) if round_number % 2 == 0 else (with_l1, with_construct)
            for add_endpoint in order:
                runs[add_endpoint].append(timed(add_endpoint, endpoints, stacks, clock))
        ours, theirs = runs[with_construct], runs[with_l1]
        fastest, fastest_baseline = min(run.wall for run in ours), min(run.wall for run in theirs)
        print(
            f"{endpoints:9d}  {stacks:6d}  {fastest:28.3f}  {fastest_baseline:6.3f}  {fastest / fastest_baseline:4.2f}x"
            f"  {ratio([r.wall for r in ours], [r.wall for r in theirs], statistics.median):>20}"
            f"  {ratio([r.cpu for r in ours], [r.cpu for r in theirs], statistics.median):>19}"
        )
    ours_calls, l1_calls = calls_per_endpoint(with_construct), calls_per_endpoint(with_l1)
    print(f"jsii calls per endpoint: construct {ours_calls:.0f}, L1 {l1_calls:.0f} ({ours_calls / l1_calls:.2f}x)")
    tracemalloc.start()
    build_app(with_construct, 500, 10).synth()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak Python memory, 500 endpoints: {peak / 2**20:.1f} MiB")
    print(f"import overhead of MultiModelEndpoint over its CDK modules: {import_overhead() * 1000:.0f} ms")


if __name__ == "__main__":
    main()

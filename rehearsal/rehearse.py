"""Deploy the example app with the pinned CDK CLI to a local AWS emulator, and read it back.

Run from the repository root with the project's virtual environment (``make rehearse``)::

    .venv/bin/python -m rehearsal.rehearse

Steps, each bounded in time, the emulator stopped whatever happens:

1. Start a fresh moto server on 127.0.0.1 (a free port chosen by the system) in this process.
2. Synthesize ``app.py``'s ``MultiModelEndpointsStack`` as stack ``MmeScalingExample`` with
   ``LegacyStackSynthesizer`` (the template goes inline, so nothing is bootstrapped or uploaded)
   and ``-c gpuInstanceType=ml.g4dn.xlarge`` (the emulator's instance-type list lacks ml.g5).
   An endpoint's ``Fn::GetAtt EndpointArn``, which the emulator lacks, is deployed as its
   ``Ref`` (the same ARN).
3. ``cdk deploy`` the assembly with the pinned CLI, ``AWS_ENDPOINT_URL`` at the emulator.
4. Read the SageMaker model, endpoint config and endpoint (and any stack outputs) back and
   compare them with the template, its intrinsic functions evaluated with the deployed stack's
   values.
5. The emulator's CloudFormation skips ``AWS::ApplicationAutoScaling::*``: apply the template's
   scaling with the API calls ``mme-scaling export`` writes (placeholders filled from the
   deployed stack), then read the targets, policies, scheduled actions and alarms back and
   compare them with the template.

Exit status 0 when every check passes, 1 with the findings otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from mme_scaling_constructs.export import ExportedTarget, scaling_in_template
from mme_scaling_constructs.redeploy import (
    Clients,
    RedeployError,
    deployed_values,
    read_stack,
    register_scaling,
    resolve,
    target_where,
)
from rehearsal.checks import (
    RehearsalFailure,
    differences,
    expected_policy,
    expected_scheduled_actions,
    expected_target,
    exported_logical_ids,
    missing_resources,
    split_compared,
    tag_differences,
    without_endpoint_arn,
)

REPO: Final = Path(__file__).resolve().parent.parent
STACK_NAME: Final = "MmeScalingExample"
STACK_CLASS: Final = "MultiModelEndpointsStack"
REGION: Final = "us-east-1"
#: A single-GPU MME type the emulator knows; its list lacks the app's default, ml.g5.xlarge.
DEFAULT_GPU_INSTANCE_TYPE: Final = "ml.g4dn.xlarge"
#: The whole rehearsal, deploy included, ends within this many seconds.
DEFAULT_TIME_LIMIT: Final = 240.0
#: CloudFormation takes a template of at most this many bytes inline; larger ones need a bucket.
MAX_INLINE_TEMPLATE_BYTES: Final = 51_200
SAGEMAKER_TYPES: Final = ("AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig", "AWS::SageMaker::Endpoint")
SKIPPED_PREFIX: Final = "AWS::ApplicationAutoScaling::"


class Deadline:
    """The time left of the rehearsal's limit; every wait takes its timeout from here."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self, step: str) -> float:
        """Seconds left, at least 1.

        Raises:
            RehearsalFailure: the limit has passed before ``step``.
        """
        remaining = self.end - time.monotonic()
        if remaining < 1:
            raise RehearsalFailure(f"time limit of {self.seconds:.0f} s reached before {step}")
        return remaining


@dataclass
class Report:
    """What the rehearsal checked, printed at the end."""

    checked: list[str] = field(default_factory=list)
    not_compared: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def skip(self, label: str, not_compared: Mapping[str, str]) -> None:
        """Record the properties of ``label`` that no describe call reads back, with the reason."""
        self.not_compared += [
            f"{label}.{key}: {reason}" for key, reason in not_compared.items() if not reason.startswith("compared with")
        ]

    def ok(self, line: str) -> None:
        """Record and print a passed check."""
        self.checked.append(line)
        print(f"  ok  {line}", flush=True)


# --- The emulator ---------------------------------------------------------------------------


@contextlib.contextmanager
def emulator() -> Iterator[str]:
    """A fresh moto server on 127.0.0.1 in a thread of this process; yields its URL, stops it on exit."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="moto-server", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- Synthesis and deployment ---------------------------------------------------------------


def synthesize(app_file: Path, outdir: Path, gpu_instance_type: str, report: Report) -> dict[str, Any]:
    """Synthesize the app's stack into ``outdir`` for the emulator, and return its template.

    The template written to ``outdir`` is the one the emulator can deploy (see
    :func:`~rehearsal.checks.without_endpoint_arn`); the one returned is as synthesized.

    Raises:
        RehearsalFailure: the app has no ``MultiModelEndpointsStack``, ignores the
            ``gpuInstanceType`` context, or its template is too large to deploy inline.
    """
    os.environ["PATH"] = f"{REPO / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    import aws_cdk as cdk

    spec = importlib.util.spec_from_file_location("mme_rehearsal_app", app_file)
    if spec is None or spec.loader is None:
        raise RehearsalFailure(f"cannot load {app_file}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stack_class = getattr(module, STACK_CLASS, None)
    if stack_class is None:
        raise RehearsalFailure(f"{app_file} defines no {STACK_CLASS}")
    app = cdk.App(
        outdir=str(outdir),
        context={"gpuInstanceType": gpu_instance_type},
        default_stack_synthesizer=cdk.LegacyStackSynthesizer(),
    )
    stack_class(app, STACK_NAME)
    app.synth()
    template_file = outdir / f"{STACK_NAME}.template.json"
    template: dict[str, Any] = json.loads(template_file.read_text())
    instance_types = {
        variant.get("InstanceType")
        for resource in template.get("Resources", {}).values()
        if resource.get("Type") == "AWS::SageMaker::EndpointConfig"
        for variant in resource.get("Properties", {}).get("ProductionVariants", [])
    }
    if gpu_instance_type not in instance_types:
        raise RehearsalFailure(
            f"{app_file} ignores the context gpuInstanceType={gpu_instance_type}",
            [
                f"its endpoint configs use {sorted(map(str, instance_types))}; the emulator rejects ml.g5 types, so",
                "the GPU endpoint must read its type with self.node.try_get_context('gpuInstanceType')",
            ],
        )
    deployed, replaced = without_endpoint_arn(template)
    if replaced:
        template_file.write_text(json.dumps(deployed, indent=1))
        report.gaps.append(
            f"the emulator has no Fn::GetAtt EndpointArn: the deployed template uses Ref (the same ARN in "
            f"CloudFormation) in its {replaced} place(s); the checks compare with the synthesized template"
        )
    size = template_file.stat().st_size
    if size > MAX_INLINE_TEMPLATE_BYTES:
        raise RehearsalFailure(
            f"the template has {size} bytes; LegacyStackSynthesizer deploys at most "
            f"{MAX_INLINE_TEMPLATE_BYTES} inline, and the emulator cannot read a template from a bucket URL"
        )
    return template


def cli_environment(endpoint_url: str, scratch: Path) -> dict[str, str]:
    """The CDK CLI's environment: the emulator's endpoint, fake credentials, nothing from the user's AWS setup."""
    dropped = ("AWS_", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(
        {
            "PATH": f"{REPO / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": str(scratch / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(scratch / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": "127.0.0.1",
            "CI": "true",
            "CDK_HOME": str(scratch / "cdk-home"),
            "CDK_DISABLE_VERSION_CHECK": "true",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
        }
    )
    return env


def deploy(assembly: Path, endpoint_url: str, scratch: Path, deadline: Deadline) -> None:
    """``cdk deploy`` the stack of ``assembly`` to the emulator with the pinned CLI.

    Raises:
        RehearsalFailure: the CLI failed or did not finish in the time left (it is then stopped).
    """
    cdk = REPO / "node_modules" / ".bin" / "cdk"
    command = [
        str(cdk),
        "deploy",
        STACK_NAME,
        "--app",
        str(assembly),
        "--require-approval",
        "never",
        "--progress",
        "events",
        "--ci",
        "--no-notices",
        "--no-version-reporting",
        "--no-ec2creds",
    ]
    timeout = min(deadline.left("cdk deploy"), 180.0)
    process = subprocess.Popen(
        command,
        cwd=scratch,
        env=cli_environment(endpoint_url, scratch),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        status = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise RehearsalFailure(f"cdk deploy did not finish within {timeout:.0f} s; stopped it") from None
    except BaseException:
        _stop(process)
        raise
    if status != 0:
        raise RehearsalFailure(f"cdk deploy exited with status {status}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the CLI and anything it started (its own process group), and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


# --- Reading the emulator back --------------------------------------------------------------


def emulator_clients(endpoint_url: str) -> Clients:
    """boto3 clients for the emulator, with fake credentials."""
    return Clients(region=REGION, endpoint_url=endpoint_url, credentials=("testing", "testing"))


def read_deployed(
    clients: Clients, template: Mapping[str, Any], targets: Sequence[ExportedTarget], report: Report
) -> dict[str, Any]:
    """The stack's values by ``Fn::Sub`` name (see :func:`mme_scaling_constructs.redeploy.deployed_values`).

    Raises:
        RehearsalFailure: the stack is not ``CREATE_COMPLETE``, or a resource the emulator
            supports is missing.
    """
    stack = read_stack(clients, STACK_NAME)
    if stack.status != "CREATE_COMPLETE":
        raise RehearsalFailure(f"stack {STACK_NAME} is {stack.status}, not CREATE_COMPLETE")
    resources: Mapping[str, Any] = template["Resources"]
    applied, unaccounted = missing_resources(resources, set(stack.resources), exported_logical_ids(targets))
    if unaccounted:
        raise RehearsalFailure("the deployed stack lacks resources of the template:", unaccounted)
    if applied:
        kinds = sorted({resources[logical_id]["Type"] for logical_id in applied})
        report.gaps.append(
            f"the emulator's CloudFormation skipped {len(applied)} resources without an error ({', '.join(kinds)}: "
            f"{SKIPPED_PREFIX}* and the alarms whose actions name skipped policies); "
            "the rehearsal applied them with the exported Application Auto Scaling and CloudWatch calls"
        )
    created = len(stack.resources)
    report.ok(f"stack {STACK_NAME} is CREATE_COMPLETE with {created} of the template's {len(resources)} resources")
    return deployed_values(clients, stack)


def check_sagemaker(
    clients: Clients, template: Mapping[str, Any], values: Mapping[str, Any], report: Report
) -> list[str]:
    """Compare each SageMaker model, endpoint config and endpoint with the template; return the findings."""
    sagemaker = clients["sagemaker"]
    findings: list[str] = []
    describe: dict[str, tuple[Callable[..., Any], str, str, str]] = {
        "AWS::SageMaker::Model": (sagemaker.describe_model, "ModelName", "ModelName", "ModelArn"),
        "AWS::SageMaker::EndpointConfig": (
            sagemaker.describe_endpoint_config,
            "EndpointConfigName",
            "EndpointConfigName",
            "EndpointConfigArn",
        ),
        "AWS::SageMaker::Endpoint": (sagemaker.describe_endpoint, "EndpointName", "EndpointName", "EndpointArn"),
    }
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] not in SAGEMAKER_TYPES:
            continue
        call, parameter, attribute, arn_key = describe[resource["Type"]]
        properties = resolve(resource.get("Properties", {}), values, f"Resources.{logical_id}.Properties")
        compared, not_compared = split_compared(resource["Type"], properties)
        actual = call(**{parameter: values[f"{logical_id}.{attribute}"]})
        found = differences(compared, actual, logical_id)
        if actual.get(arn_key) != values[logical_id]:
            found.append(f"{logical_id}.{arn_key}: expected {values[logical_id]!r} (Ref), got {actual.get(arn_key)!r}")
        if resource["Type"] == "AWS::SageMaker::Endpoint" and actual.get("EndpointStatus") != "InService":
            found.append(f"{logical_id}.EndpointStatus: expected 'InService', got {actual.get('EndpointStatus')!r}")
        if "Tags" in properties:
            tags = sagemaker.list_tags(ResourceArn=values[logical_id]).get("Tags", [])
            found += tag_differences(properties["Tags"], tags, f"{logical_id}.Tags")
        findings += found
        report.skip(logical_id, not_compared)
        if not found:
            shown = ", ".join(sorted(compared))
            report.ok(f"{logical_id} ({resource['Type']}) matches the template: {shown}")
    return findings


def check_outputs(
    clients: Clients, template: Mapping[str, Any], values: Mapping[str, Any], report: Report
) -> list[str]:
    """Compare the stack's outputs with the template's; return the findings.

    The emulator reports no outputs at all for a stack created from a change set, which is how
    ``cdk deploy`` creates stacks: then the outputs are listed as not compared.
    """
    outputs = template.get("Outputs", {})
    if not outputs:
        return []
    expected = {key: resolve(output.get("Value"), values, f"Outputs.{key}.Value") for key, output in outputs.items()}
    stack = clients["cloudformation"].describe_stacks(StackName=STACK_NAME)["Stacks"][0]
    if not stack.get("Outputs"):
        report.skip(
            "Outputs",
            {key: "the emulator reports no outputs for a stack created from a change set" for key in expected},
        )
        return []
    reported = {output["OutputKey"]: output.get("OutputValue") for output in stack["Outputs"]}
    found = differences(expected, reported, "Outputs")
    if not found:
        report.ok(f"outputs match the template: {', '.join(sorted(expected))}")
    return found


def apply_scaling(clients: Clients, targets: Sequence[ExportedTarget], values: dict[str, Any]) -> dict[str, str]:
    """Make the exported scaling calls against the emulator, placeholders filled; return the shell variables.

    Adds each policy's ARN and each target's id to ``values`` (see :func:`record_applied`).

    Raises:
        RedeployError: a placeholder has no deployed value, or a call is rejected.
    """
    variables = register_scaling(clients, targets, values)
    record_applied(clients, targets, values)
    return variables


def record_applied(clients: Clients, targets: Sequence[ExportedTarget], values: dict[str, Any]) -> None:
    """Add what ``Ref`` returns for applied scaling to ``values``: each target's id, each policy's ARN.

    The ARNs are read back with ``DescribeScalingPolicies``; a policy that is not there gets none.
    """
    for target in targets:
        where = target_where(target, values, {})
        if target.logical_id is not None:
            values[target.logical_id] = "|".join(
                (where["ResourceId"], where["ScalableDimension"], where["ServiceNamespace"])
            )
        policies = clients["application-autoscaling"].describe_scaling_policies(**where)["ScalingPolicies"]
        arns = {policy["PolicyName"]: policy["PolicyARN"] for policy in policies}
        for policy in target.policies:
            if policy.policy_name in arns:
                values[policy.logical_id] = arns[policy.policy_name]


def check_scaling(
    clients: Clients,
    template: Mapping[str, Any],
    targets: Sequence[ExportedTarget],
    values: Mapping[str, Any],
    variables: Mapping[str, str],
    report: Report,
) -> list[str]:
    """Read the targets, policies, scheduled actions and alarms back; return the findings."""
    resources: Mapping[str, Any] = template["Resources"]
    autoscaling, cloudwatch = clients["application-autoscaling"], clients["cloudwatch"]
    findings: list[str] = []
    for target in targets:
        where = target_where(target, values, variables)
        label = target.logical_id or where["ResourceId"]
        if target.logical_id is not None:
            properties = resolve(resources[target.logical_id].get("Properties", {}), values, target.logical_id)
            expected, not_compared = expected_target(properties, where)
            found_targets = autoscaling.describe_scalable_targets(
                ServiceNamespace=where["ServiceNamespace"],
                ResourceIds=[where["ResourceId"]],
                ScalableDimension=where["ScalableDimension"],
            )["ScalableTargets"]
            if len(found_targets) != 1:
                findings.append(f"{label}: expected 1 scalable target, the emulator reports {len(found_targets)}")
                continue
            found = differences(expected, found_targets[0], label)
            findings += found
            report.skip(label, not_compared)
            if not found:
                report.ok(
                    f"{label} (scalable target) matches: capacity {expected['MinCapacity']}..{expected['MaxCapacity']}"
                )
            schedules = expected_scheduled_actions(properties, where)
            reported = autoscaling.describe_scheduled_actions(**where)["ScheduledActions"]
            by_name = {action["ScheduledActionName"]: action for action in reported}
            found = (
                []
                if set(by_name) == set(schedules)
                else [
                    f"{label}: expected scheduled actions {sorted(schedules)}, the emulator reports {sorted(by_name)}"
                ]
            )
            for name, action in schedules.items():
                if name in by_name:
                    found += differences(action, by_name[name], f"{label}.ScheduledActions[{name}]")
            findings += found
            if not found:
                report.ok(f"{label}: {len(schedules)} scheduled action(s) match")
        reported_policies = autoscaling.describe_scaling_policies(**where)["ScalingPolicies"]
        policy_by_name = {policy["PolicyName"]: policy for policy in reported_policies}
        expected_names = {policy.policy_name for policy in target.policies}
        if set(policy_by_name) != expected_names:
            findings.append(
                f"{label}: expected policies {sorted(expected_names)}, the emulator reports {sorted(policy_by_name)}"
            )
        for policy in target.policies:
            properties = resolve(resources[policy.logical_id].get("Properties", {}), values, policy.logical_id)
            expected = expected_policy(properties, policy.policy_name, where)
            if policy.policy_name not in policy_by_name:
                continue
            found = differences(expected, policy_by_name[policy.policy_name], policy.logical_id)
            findings += found
            if not found:
                report.ok(f"{policy.logical_id} ({policy.policy_type} policy) matches the template")
            for alarm in policy.alarms:
                if alarm.policies[-1] != policy.logical_id:
                    continue
                alarm_properties = resolve(resources[alarm.logical_id].get("Properties", {}), values, alarm.logical_id)
                alarm_properties.setdefault("AlarmName", alarm.logical_id)
                alarm_properties.pop("Tags", None)
                metric_alarms = cloudwatch.describe_alarms(AlarmNames=[alarm_properties["AlarmName"]])["MetricAlarms"]
                if len(metric_alarms) != 1:
                    findings.append(f"{alarm.logical_id}: expected 1 alarm, the emulator reports {len(metric_alarms)}")
                    continue
                found = differences(alarm_properties, metric_alarms[0], alarm.logical_id)
                findings += found
                if not found:
                    report.ok(f"{alarm.logical_id} (alarm of {', '.join(alarm.policies)}) matches the template")
    return findings


# --- The whole rehearsal --------------------------------------------------------------------


def rehearse(app_file: Path, gpu_instance_type: str, deadline: Deadline) -> Report:
    """Run every step; return what was checked.

    Raises:
        RedeployError: listing what failed: a :class:`RehearsalFailure` for a failed step or
            check, its base class for a call the emulator rejected or a value it lacks.
    """
    report = Report()
    report.gaps.append(
        f"the GPU endpoint runs on {gpu_instance_type} (cdk context gpuInstanceType): "
        "the emulator's SageMaker instance-type list lacks ml.g5, the app's default"
    )
    with tempfile.TemporaryDirectory(prefix="mme-rehearsal-") as scratch_name:
        scratch = Path(scratch_name)
        assembly = scratch / "cdk.out"
        print(f"rehearsal: synthesizing {app_file.name} ({STACK_NAME}, LegacyStackSynthesizer)", flush=True)
        template = synthesize(app_file, assembly, gpu_instance_type, report)
        targets = scaling_in_template(template)
        with emulator() as endpoint_url:
            print(f"rehearsal: emulator at {endpoint_url}; cdk deploy", flush=True)
            deploy(assembly, endpoint_url, scratch, deadline)
            deadline.left("reading the stack back")
            clients = emulator_clients(endpoint_url)
            values = read_deployed(clients, template, targets, report)
            findings = check_sagemaker(clients, template, values, report)
            findings += check_outputs(clients, template, values, report)
            deadline.left("applying the scaling")
            variables = apply_scaling(clients, targets, values)
            findings += check_scaling(clients, template, targets, values, variables, report)
    if findings:
        raise RehearsalFailure("the emulator differs from the template:", findings)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rehearsal; print what it checked and its wall time. Returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m rehearsal.rehearse", description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=REPO / "app.py", help="the app file (default: app.py)")
    parser.add_argument(
        "--gpu-instance-type",
        default=DEFAULT_GPU_INSTANCE_TYPE,
        help=f"context gpuInstanceType, a type the emulator knows (default: {DEFAULT_GPU_INSTANCE_TYPE})",
    )
    parser.add_argument(
        "--time-limit", type=float, default=DEFAULT_TIME_LIMIT, help="seconds for the whole rehearsal (default: 240)"
    )
    args = parser.parse_args(argv)
    # A terminated rehearsal still stops the CLI and the emulator on its way out.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    started = time.monotonic()
    try:
        report = rehearse(args.app.resolve(), args.gpu_instance_type, Deadline(args.time_limit))
    except RedeployError as failure:  # a RehearsalFailure, or a failed AWS call or resolution
        print(f"rehearsal FAILED after {time.monotonic() - started:.1f} s: {failure}", file=sys.stderr, flush=True)
        return 1
    for gap in report.gaps:
        print(f"  emulator gap: {gap}")
    for line in report.not_compared:
        print(f"  not compared: {line}")
    print(f"rehearsal passed: {len(report.checked)} checks in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``mme-scaling change-instance-type``: deregister, deploy without and then with the scaling, against a local emulator.

The stack is a ``MultiModelEndpoint`` (target tracking, step scaling with its alarms, a schedule)
synthesized in-process and created in moto. Moto's CloudFormation skips
``AWS::ApplicationAutoScaling::*`` and the alarms that name skipped policies, so the deployed
scaling is registered with the package's own calls first, and after phase 2 the command finds
the new scaling unregistered and registers it itself. The deploy command is a small Python script
run as the subprocess, standing in for ``cdk deploy`` and for what moto's CloudFormation does not
do (see :data:`DEPLOY_SCRIPT`): it records ``MME_SCALING_DETACHED_STACKS`` in each run, fails as
SageMaker and CloudFormation would while a target is registered or when a policy of a
deregistered target would change, and updates the stack with the template the app synthesizes
with that environment, sent as YAML as ``cdk deploy`` sends a template that fits inline. What
ends up registered is read back and compared with the template by the rehearsal's checks.
Moto's ``DeregisterScalableTarget`` keeps the target's policies (AWS deletes them); registering
overwrites them by name.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml
from botocore.exceptions import ClientError

from mme_scaling_constructs import MultiModelEndpoint, ScalingPreset, ScheduledScaling
from mme_scaling_constructs.cli import main
from mme_scaling_constructs.constants import DETACHED_STACKS_VARIABLE
from mme_scaling_constructs.export import scaling_in_template
from mme_scaling_constructs.redeploy import (
    Clients,
    DeployedStack,
    InstanceTypeChange,
    MissingDependency,
    RedeployError,
    change_instance_type,
    deployed_values,
    exit_status,
    name_from_arn,
    named_as_deployed,
    phase_environment,
    read_stack,
    register_scaling,
    template_from_body,
)
from rehearsal.rehearse import Report, check_scaling, cli_environment, emulator, record_applied
from tests.conftest import CPU_IMAGE, MODEL_DATA_URL
from tests.export_helpers import STEP_SPEC

#: Moto's CloudFormation, on the scaling resources it skipped: when creating, and when deleting them.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Tried to parse AWS::"),
    pytest.mark.filterwarnings("ignore:Unable to delete .*, as it was never created"),
]

STACK = "Change"
REGION = "us-east-1"
OLD_TYPE, NEW_TYPE = "ml.c5.xlarge", "ml.c5.2xlarge"
#: The phase-1 template: the new one synthesized with the variable naming the stack.
DETACHED = f"{NEW_TYPE} detached"
PHASE_1 = "phase 1, the stack without its scaling resources"
PHASE_2 = "phase 2, the stack with its scaling resources"
RESTORE = "run the same command again (or mme-scaling export and bash commands.sh) to register them"
COMPLETE = "running the same command again completes the change"
REFUSED = (
    "application-autoscaling PutScalingPolicy failed: An error occurred (ValidationException) when calling the "
    "PutScalingPolicy operation: simulated"
)
BOTO3_MISSING = "mme-scaling: error: change-instance-type needs boto3: pip install 'mme-scaling-constructs[aws]'"
SCALING_TYPES = ("AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy")

#: A stack without scaling.
NO_SCALING: dict[str, Any] = {"Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}
#: The deploy command, as ``cdk deploy``: ACTION STACK LOG DETACHED_TEMPLATE FULL_TEMPLATE. It appends
#: {"variable", "registered"} to LOG; exits ACTION when that is a number; fails (status 3) while a
#: scalable target is registered, as SageMaker refuses the endpoint update; fails (status 1, the stack
#: left as it was) when the update would change a scaling policy the stack has, as CloudFormation's
#: PutScalingPolicy on a deregistered target fails with ObjectNotFoundException and rolls back; else
#: deploys the template the app synthesizes with its environment. ACTION "update" does just that;
#: "ignore" always deploys the full template (an app that ignores the variable); "phase-2-fails-N"
#: exits N when the variable does not name the stack; "applied-fails-N" deploys, then exits N;
#: "creates" also registers the deployed template's scaling when the stack has it, as CloudFormation
#: does on AWS (moto's skips it).
DEPLOY_SCRIPT = """
import json, os, sys
action, stack, log, detached_template, full_template = sys.argv[1:6]
variable = os.environ.get("MME_SCALING_DETACHED_STACKS")
detached = stack in {name.strip() for name in (variable or "").split(",")}
if action.isdigit():
    open(log, "a").write(json.dumps({"variable": variable}) + "\\n")
    sys.exit(int(action))
import boto3, yaml
from botocore.exceptions import ClientError
registered = boto3.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="sagemaker")
count = len(registered["ScalableTargets"])
open(log, "a").write(json.dumps({"variable": variable, "registered": count}) + "\\n")
if count:
    sys.exit(3)
if action.startswith("phase-2-fails-") and not detached:
    sys.exit(int(action.rsplit("-", 1)[1]))
body = open(detached_template if detached and action != "ignore" else full_template).read()
cloudformation = boto3.client("cloudformation")
current = cloudformation.get_template(StackName=stack)["TemplateBody"]
def policies(template):
    template = yaml.safe_load(template) if isinstance(template, str) else template
    kind = "AWS::ApplicationAutoScaling::ScalingPolicy"
    return {key: value["Properties"] for key, value in template["Resources"].items() if value["Type"] == kind}
before, after = policies(current), policies(body)
changed = sorted(key for key in before.keys() & after.keys() if before[key] != after[key])
if changed:
    print(f"{changed[0]}: ObjectNotFoundException; UPDATE_ROLLBACK_COMPLETE", file=sys.stderr)
    sys.exit(1)
try:
    cloudformation.update_stack(StackName=stack, TemplateBody=body, Capabilities=["CAPABILITY_IAM"])
except ClientError as error:
    if "No updates are to be performed" not in str(error):
        raise
if action.startswith("applied-fails-"):
    sys.exit(int(action.rsplit("-", 1)[1]))
if action == "creates" and not detached:
    from mme_scaling_constructs.export import scaling_in_template
    from mme_scaling_constructs.redeploy import Clients, deployed_values, read_stack, register_scaling
    clients = Clients()
    deployed = read_stack(clients, stack)
    register_scaling(clients, scaling_in_template(deployed.template), deployed_values(clients, deployed))
"""


def synthesize(instance_type: str) -> dict[str, Any]:
    """The template of a CPU MME with target tracking, step scaling (two alarms) and a schedule."""
    app = cdk.App(default_stack_synthesizer=cdk.LegacyStackSynthesizer())
    stack = cdk.Stack(app, STACK)
    preset = (
        ScalingPreset.cpu(min_capacity=2, max_capacity=4)
        .with_policy(STEP_SPEC)
        .with_schedule(ScheduledScaling(name="mornings", schedule="cron(0 7 * * ? *)", min_capacity=3))
    )
    MultiModelEndpoint(
        stack, "Mme", image_uri=CPU_IMAGE, model_data_url=MODEL_DATA_URL, instance_type=instance_type, scaling=preset
    )
    template: dict[str, Any] = app.synth().get_stack_by_name(STACK).template
    return template


@pytest.fixture(scope="module")
def templates() -> dict[str, dict[str, Any]]:
    """The old and new templates, and the new one as phase 1 synthesizes it."""
    synthesized = {OLD_TYPE: synthesize(OLD_TYPE), NEW_TYPE: synthesize(NEW_TYPE)}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DETACHED_STACKS_VARIABLE, STACK)
        synthesized[DETACHED] = synthesize(NEW_TYPE)
    return synthesized


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The rehearsal's emulator, without its warning for each resource its CloudFormation skips."""
    moto_logger = logging.getLogger("moto")
    level = moto_logger.level
    moto_logger.setLevel(logging.ERROR)
    try:
        with emulator() as url:
            yield url
    finally:
        moto_logger.setLevel(level)


@pytest.fixture
def clients(server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Clients:
    """An empty emulator; the environment (inherited by the deploy command) points at it."""
    urllib.request.urlopen(urllib.request.Request(f"{server}/moto-api/reset", method="POST"), timeout=10).close()
    environment = cli_environment(server, tmp_path)  # the rehearsal's: nothing of the user's AWS setup
    environment.pop(DETACHED_STACKS_VARIABLE, None)
    for name in set(os.environ) - set(environment):
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Clients(region=REGION, endpoint_url=server, credentials=("testing", "testing"))


@pytest.fixture
def deployed(clients: Clients, templates: dict[str, dict[str, Any]]) -> DeployedStack:
    """The stack on the old instance type, its scaling registered as CloudFormation would."""
    body = json.dumps(templates[OLD_TYPE])
    clients.call("cloudformation", "CreateStack", StackName=STACK, TemplateBody=body, Capabilities=["CAPABILITY_IAM"])
    stack = read_stack(clients, STACK)
    register_scaling(clients, scaling_in_template(stack.template), deployed_values(clients, stack))
    return stack


@pytest.fixture
def files(tmp_path: Path, templates: dict[str, dict[str, Any]]) -> dict[str, Path]:
    """The new template as synthesized (JSON), both templates the deploy command sends (YAML), the script, its log."""
    paths = {
        "json": tmp_path / "Change.template.json",
        "detached": tmp_path / "Change-detached.yaml",
        "yaml": tmp_path / "Change.yaml",
        "script": tmp_path / "d.py",
        "log": tmp_path / "deploys.jsonl",
    }
    paths["json"].write_text(json.dumps(templates[NEW_TYPE], indent=1))
    paths["detached"].write_text(yaml.safe_dump(templates[DETACHED], sort_keys=False))
    paths["yaml"].write_text(yaml.safe_dump(templates[NEW_TYPE], sort_keys=False))
    paths["script"].write_text(DEPLOY_SCRIPT)
    return paths


def deploy(files: dict[str, Path], action: str) -> list[str]:
    script, log, detached, full = (str(files[name]) for name in ("script", "log", "detached", "yaml"))
    return [sys.executable, script, action, STACK, log, detached, full]


def deploys(files: dict[str, Path]) -> list[dict[str, Any]]:
    """What the deploy command saw in each run: the variable, and how many targets were registered."""
    if not files["log"].exists():
        return []
    return [json.loads(line) for line in files["log"].read_text().splitlines()]


def endpoint_name(stack: DeployedStack) -> str:
    (physical_id,) = [pid for kind, pid in stack.resources.values() if kind == "AWS::SageMaker::Endpoint"]
    return physical_id.rsplit("/", 1)[1]


def instance_type(clients: Clients) -> str:
    """The instance type of the stack's endpoint config (moto's endpoint keeps naming the replaced one)."""
    stack = read_stack(clients, STACK)
    (config,) = [pid for kind, pid in stack.resources.values() if kind == "AWS::SageMaker::EndpointConfig"]
    described = clients.call("sagemaker", "DescribeEndpointConfig", EndpointConfigName=name_from_arn(config))
    return str(described["ProductionVariants"][0]["InstanceType"])


def scaling_resource_types(clients: Clients) -> list[str]:
    """The scaling resource types in the stack's current template."""
    resources = read_stack(clients, STACK).template["Resources"]
    return sorted(value["Type"] for value in resources.values() if value["Type"] in SCALING_TYPES)


def scaling_findings(clients: Clients, template: dict[str, Any]) -> list[str]:
    """Where the registered target, schedules, policies and alarms differ from ``template``'s."""
    targets = scaling_in_template(template)
    values = deployed_values(clients, read_stack(clients, STACK))
    record_applied(clients, targets, values)
    return check_scaling(clients, template, targets, values, {}, Report())


def registered_ids(clients: Clients) -> list[str]:
    found = clients.call("application-autoscaling", "DescribeScalableTargets", ServiceNamespace="sagemaker")
    return [target["ResourceId"] for target in found["ScalableTargets"]]


def call_lines(template: dict[str, Any], resource_id: str) -> list[str]:
    """The calls that register ``template``'s scaling, in order, as change-instance-type prints them."""
    resources = template["Resources"]
    names = {
        key: value["Properties"].get("PolicyName", key)
        for key, value in resources.items()
        if value["Type"] == "AWS::ApplicationAutoScaling::ScalingPolicy"
    }
    lines = [f"RegisterScalableTarget {resource_id}", f"PutScheduledAction mornings on {resource_id}"]
    for logical_id, name in names.items():
        lines.append(f"PutScalingPolicy {name} on {resource_id}")
        alarms = [
            key
            for key, value in resources.items()
            if value["Type"] == "AWS::CloudWatch::Alarm" and {"Ref": logical_id} in value["Properties"]["AlarmActions"]
        ]
        lines += [f"PutMetricAlarm {alarm}" for alarm in alarms]
    return lines


def two_runs(command: list[str]) -> list[str]:
    """What the command prints for two deploy runs that succeed, the caller's environment without the variable."""
    return [
        f"{PHASE_1}: running {DETACHED_STACKS_VARIABLE}={STACK} {shlex.join(command)}",
        "the deploy command exited with status 0",
        f"{PHASE_2}: running {shlex.join(command)}",
        "the deploy command exited with status 0",
    ]


def completed_lines(resource_id: str, calls: list[str]) -> list[str]:
    """What the command prints after phase 2 when the emulator's CloudFormation skipped the scaling."""
    return [
        f"CloudFormation did not create {resource_id}: registering the scaling of stack {STACK}'s template "
        "for them outside CloudFormation",
        f"registering the scaling of stack {STACK}'s template",
        *calls,
    ]


def changed(
    files: dict[str, Path], command: list[str], capsys: Any, *options: str, template: Path | None = None
) -> str:
    """Run ``mme-scaling change-instance-type`` on the stack with ``command`` as its deploy; assert
    it succeeded without a word on stderr and return what it printed."""
    path = files["json"] if template is None else template
    status = main(["change-instance-type", str(path), "--stack-name", STACK, *options, "--", *command])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    return out


def done_line(deregistered: int, made: int) -> str:
    return (
        f"stack {STACK}: deregistered {deregistered} scalable target(s), deployed in two phases; CloudFormation "
        f"did not create 1 scalable target(s): registered their scaling outside CloudFormation ({made} calls)"
    )


def refuse_put_scaling_policy(clients: Clients) -> None:
    """Make the next ``PutScalingPolicy`` call made with ``clients`` fail (:data:`REFUSED`)."""
    refused: list[bool] = []

    def refuse(**kwargs: Any) -> None:
        if not refused:
            refused.append(True)
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "simulated"}}, "PutScalingPolicy")

    clients["application-autoscaling"].meta.events.register(
        "before-call.application-autoscaling.PutScalingPolicy", refuse
    )


def change_of(files: dict[str, Path], templates: dict[str, Any], action: str) -> InstanceTypeChange:
    return InstanceTypeChange(
        template=templates[NEW_TYPE],
        template_name=str(files["json"]),
        stack_name=STACK,
        deploy_command=tuple(deploy(files, action)),
    )


def failed_change(
    clients: Clients, files: dict[str, Path], templates: dict[str, Any], action: str
) -> tuple[RedeployError, list[str]]:
    """Run the change with a deploy that does ``action``; the error it must end in, and its lines."""
    lines: list[str] = []
    with pytest.raises(RedeployError) as error:
        change_instance_type(change_of(files, templates, action), clients, lines.append)
    return error.value, lines


# --- The whole change, through the command line ---------------------------------------------


def test_change_deregisters_then_deploys_without_and_with_the_scaling(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], templates: dict[str, Any], capsys: Any
) -> None:
    resource_id = f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic"
    command = deploy(files, "update")
    assert scaling_findings(clients, templates[OLD_TYPE]) == []
    assert len(scaling_resource_types(clients)) == 5
    capsys.readouterr()

    out = changed(files, command, capsys)
    calls = call_lines(templates[NEW_TYPE], resource_id)
    assert out.splitlines() == [
        f"stack {STACK} is CREATE_COMPLETE; its template has 1 scalable target(s)",
        f"deregistered {resource_id} (its scaling policies and scheduled actions too)",
        *two_runs(command),
        *completed_lines(resource_id, calls),
        done_line(1, len(calls)),
    ]
    assert len(calls) == 8
    # Phase 1 saw the variable and nothing registered; phase 2 ran without the variable.
    assert deploys(files) == [{"variable": STACK, "registered": 0}, {"variable": None, "registered": 0}]
    assert instance_type(clients) == NEW_TYPE
    assert len(scaling_resource_types(clients)) == 5  # CloudFormation's records hold the scaling again
    assert registered_ids(clients) == [resource_id]
    assert scaling_findings(clients, templates[NEW_TYPE]) == []
    policies = clients.call(
        "application-autoscaling", "DescribeScalingPolicies", ServiceNamespace="sagemaker", ResourceId=resource_id
    )["ScalingPolicies"]
    cpu_targets = [
        policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"]
        for policy in policies
        if "CPUUtilization" in policy["PolicyName"]
    ]
    assert cpu_targets == [400]  # 50 % of 8 vCPUs; 200 on the 4 vCPUs of ml.c5.xlarge


def test_scaling_that_cloudformation_created_is_checked_and_left_to_it(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], templates: dict[str, Any], capsys: Any
) -> None:
    resource_id = f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic"
    capsys.readouterr()

    out = changed(files, deploy(files, "creates"), capsys)
    assert out.splitlines()[-2:] == [
        f"registered by CloudFormation: {resource_id}",
        f"stack {STACK}: deregistered 1 scalable target(s), deployed in two phases; 1 scalable target(s) registered "
        "by CloudFormation",
    ]
    assert not [line for line in out.splitlines() if line.startswith(("RegisterScalableTarget", "PutScalingPolicy"))]
    assert scaling_findings(clients, templates[NEW_TYPE]) == []


def test_a_failed_phase_1_registers_the_deployed_scaling_again_and_exits_with_its_status(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], templates: dict[str, Any], capsys: Any
) -> None:
    status = main(["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", *deploy(files, "7")])

    out, err = capsys.readouterr()
    calls = call_lines(templates[OLD_TYPE], f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic")
    assert (status, err) == (
        7,
        f"mme-scaling: error: {PHASE_1}: the deploy command exited with status 7; registered the scaling of stack "
        f"{STACK}'s template again ({len(calls)} calls)\n",
    )
    assert out.splitlines()[-len(calls) - 1 :] == [f"registering the scaling of stack {STACK}'s template", *calls]
    assert deploys(files) == [{"variable": STACK}]  # phase 2 never ran
    assert instance_type(clients) == OLD_TYPE
    assert scaling_findings(clients, templates[OLD_TYPE]) == []


def test_a_phase_1_that_failed_after_its_update_names_what_it_left_without_scaling(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], capsys: Any
) -> None:
    resource_id = f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic"
    command = deploy(files, "applied-fails-6")

    status = main(["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", *command])

    assert (status, capsys.readouterr().err) == (
        6,
        f"mme-scaling: error: {PHASE_1}: the deploy command exited with status 6; registered the scaling of stack "
        f"{STACK}'s template again (0 calls); left without their scaling: {resource_id}; {COMPLETE}\n",
    )
    assert scaling_resource_types(clients) == []
    assert registered_ids(clients) == []


def test_a_failed_phase_2_registers_nothing_and_running_again_completes_the_change(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], templates: dict[str, Any], capsys: Any
) -> None:
    resource_id = f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic"
    command = deploy(files, "phase-2-fails-4")
    capsys.readouterr()

    status = main(["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", *command])

    out, err = capsys.readouterr()
    assert (status, err) == (
        4,
        f"mme-scaling: error: {PHASE_2}: the deploy command exited with status 4; nothing was registered outside "
        f"CloudFormation; left without their scaling: {resource_id}; {COMPLETE}\n",
    )
    assert out.splitlines()[-2:] == [
        f"{PHASE_2}: running {shlex.join(command)}",
        "the deploy command exited with status 4",
    ]
    assert deploys(files) == [{"variable": STACK, "registered": 0}, {"variable": None, "registered": 0}]
    assert registered_ids(clients) == []
    assert scaling_resource_types(clients) == []  # the stack as phase 1 left it
    assert instance_type(clients) == NEW_TYPE

    command = deploy(files, "update")
    out = changed(files, command, capsys)
    calls = call_lines(templates[NEW_TYPE], resource_id)
    assert out.splitlines() == [
        f"stack {STACK} is UPDATE_COMPLETE; its template has 0 scalable target(s)",
        *two_runs(command),
        *completed_lines(resource_id, calls),
        done_line(0, len(calls)),
    ]
    assert registered_ids(clients) == [resource_id]
    assert scaling_findings(clients, templates[NEW_TYPE]) == []


def test_an_app_that_ignores_the_variable_fails_phase_1_and_gets_its_scaling_back(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], templates: dict[str, Any], capsys: Any
) -> None:
    # The one-deploy change: CloudFormation would update the CPU policy (200 -> 400) of a deregistered target.
    status = main(["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", *deploy(files, "ignore")])

    calls = call_lines(templates[OLD_TYPE], f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic")
    assert (status, capsys.readouterr().err) == (
        1,
        f"mme-scaling: error: {PHASE_1}: the deploy command exited with status 1; registered the scaling of stack "
        f"{STACK}'s template again ({len(calls)} calls)\n",
    )
    assert deploys(files) == [{"variable": STACK, "registered": 0}]
    assert instance_type(clients) == OLD_TYPE
    assert scaling_findings(clients, templates[OLD_TYPE]) == []


@pytest.mark.parametrize(
    ("given", "seen", "shown"),
    [
        ("Other", ["Other,Change", "Other"], [f"{DETACHED_STACKS_VARIABLE}=Other,Change ", ""]),
        (
            "Other, Change",
            ["Other, Change", "Other"],
            [f"{DETACHED_STACKS_VARIABLE}='Other, Change' ", f"{DETACHED_STACKS_VARIABLE}=Other "],
        ),
        (STACK, [STACK, None], [f"{DETACHED_STACKS_VARIABLE}={STACK} ", f"env -u {DETACHED_STACKS_VARIABLE} "]),
    ],
)
def test_the_variable_the_caller_set_is_kept_for_other_stacks(
    given: str,
    seen: list[str | None],
    shown: list[str],
    clients: Clients,
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    clients.call("cloudformation", "CreateStack", StackName=STACK, TemplateBody=json.dumps(NO_SCALING))
    monkeypatch.setenv(DETACHED_STACKS_VARIABLE, given)
    variable = f"os.environ.get({DETACHED_STACKS_VARIABLE!r})"
    record = f"import os, json; open({str(files['log'])!r}, 'a').write(json.dumps({variable}) + '\\n')"
    command = [sys.executable, "-c", record]

    out = changed(files, command, capsys)
    assert [json.loads(line) for line in files["log"].read_text().splitlines()] == seen
    assert os.environ.get(DETACHED_STACKS_VARIABLE) == given  # this process's environment is left as it was
    running = [line for line in out.splitlines() if ": running " in line]
    assert running == [
        f"{PHASE_1}: running {shown[0]}{shlex.join(command)}",
        f"{PHASE_2}: running {shown[1]}{shlex.join(command)}",
    ]


@pytest.mark.parametrize(
    ("given", "detached", "expected"),
    [
        ("", True, STACK),
        (" , ", True, STACK),
        ("A,,B", True, "A,,B,Change"),
        (" Change ,A", True, " Change ,A"),
        (" Change ,A", False, "A"),
        ("A,,Change", False, "A,"),
        (" , Change", False, None),
        ("", False, ""),
        ("Changed", False, "Changed"),
    ],
)
def test_phase_environments_read_the_variable_as_the_constructs_do(
    given: str, detached: bool, expected: str | None
) -> None:
    environment, _ = phase_environment({DETACHED_STACKS_VARIABLE: given, "PATH": "/bin"}, STACK, detached=detached)
    assert environment.get(DETACHED_STACKS_VARIABLE) == expected
    assert environment["PATH"] == "/bin"


def test_a_deploy_command_that_cannot_be_found_changes_nothing(
    clients: Clients, files: dict[str, Path], capsys: Any
) -> None:
    clients.call("cloudformation", "CreateStack", StackName=STACK, TemplateBody=json.dumps(NO_SCALING))
    missing = str(files["script"].parent / "no-such-deploy")

    status = main(["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", missing, "deploy"])

    assert (status, capsys.readouterr().err) == (
        1,
        f"mme-scaling: error: cannot find the deploy command's program {missing!r} (nothing was changed)\n",
    )


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (
            ClientError({"Error": {"Code": "AccessDenied", "Message": "simulated"}}, "DescribeStacks"),
            "cloudformation DescribeStacks failed: An error occurred (AccessDenied) when calling the DescribeStacks "
            "operation: simulated",
        ),
        (RuntimeError("simulated"), "unexpected RuntimeError: simulated"),
        (KeyboardInterrupt(), "interrupted"),
    ],
)
def test_targets_left_without_scaling_are_named_when_the_stack_cannot_be_read_after_phase_1(
    failure: BaseException,
    message: str,
    clients: Clients,
    deployed: DeployedStack,
    files: dict[str, Path],
    templates: dict[str, Any],
) -> None:
    calls: list[str] = []

    def fail_after_phase_1(**kwargs: Any) -> None:
        calls.append("DescribeStacks")
        if len(calls) > 1:
            raise failure

    clients["cloudformation"].meta.events.register("before-call.cloudformation.DescribeStacks", fail_after_phase_1)
    error, lines = failed_change(clients, files, templates, "0")
    assert error.one_line == (
        f"{message}; left without their scaling: endpoint/{endpoint_name(deployed)}/variant/AllTraffic; {COMPLETE}"
    )
    assert lines[-1] == "the deploy command exited with status 0"
    assert registered_ids(clients) == []


def test_a_failed_registration_of_the_deployed_scaling_names_what_it_left(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], templates: dict[str, Any]
) -> None:
    resource_id = f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic"
    refuse_put_scaling_policy(clients)
    error, _ = failed_change(clients, files, templates, "5")
    assert error.one_line == (
        f"{PHASE_1}: the deploy command exited with status 5; registering the scaling of stack {STACK}'s template "
        f"again failed: {REFUSED}; left without their scaling: {resource_id}; {RESTORE}"
    )


def test_running_again_after_a_failed_registration_converges(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], templates: dict[str, Any], capsys: Any
) -> None:
    resource_id = f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic"
    refuse_put_scaling_policy(clients)
    error, lines = failed_change(clients, files, templates, "0")
    assert error.one_line == f"{REFUSED}; left without their scaling: {resource_id}; {COMPLETE}"
    assert lines[-1].startswith("PutScalingPolicy ")
    assert scaling_findings(clients, templates[NEW_TYPE]) != []
    capsys.readouterr()

    out = changed(files, deploy(files, "update"), capsys)
    assert f"deregistered {resource_id} (its scaling policies and scheduled actions too)" in out.splitlines()
    assert registered_ids(clients) == [resource_id]
    assert scaling_findings(clients, templates[NEW_TYPE]) == []
    assert instance_type(clients) == NEW_TYPE


def test_dry_run_prints_the_plan_and_changes_nothing(
    clients: Clients,
    deployed: DeployedStack,
    files: dict[str, Path],
    templates: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    resource_id = f"endpoint/{endpoint_name(deployed)}/variant/AllTraffic"
    marker = files["script"].parent / "ran"
    command = [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    monkeypatch.setenv(DETACHED_STACKS_VARIABLE, "Other")
    capsys.readouterr()

    out = changed(files, command, capsys, "--dry-run")
    assert out.splitlines() == [
        f"stack {STACK} is CREATE_COMPLETE; its template has 1 scalable target(s)",
        f"would deregister {resource_id} (its scaling policies and scheduled actions too)",
        f"would run {PHASE_1}: {DETACHED_STACKS_VARIABLE}=Other,{STACK} {shlex.join(command)}",
        f"would run {PHASE_2}: {shlex.join(command)}",
        "would check that each scalable target of the stack's template is registered, and register the scaling of "
        f"those CloudFormation did not create, e.g. {files['json']}'s, with the stack's values after the deploy:",
        *[f"would call {line}" for line in call_lines(templates[NEW_TYPE], resource_id)],
        f"dry run: nothing changed in stack {STACK}",
    ]
    assert not marker.exists()
    assert registered_ids(clients) == [resource_id]
    assert instance_type(clients) == OLD_TYPE
    assert scaling_findings(clients, templates[OLD_TYPE]) == []


def test_a_target_named_outside_the_stack_is_skipped_both_ways(
    clients: Clients, files: dict[str, Path], tmp_path: Path, capsys: Any
) -> None:
    imported = "endpoint/${ImportValue(SharedEndpoint)}/variant/AllTraffic"
    template = {
        "Resources": {
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "Target": {
                "Type": "AWS::ApplicationAutoScaling::ScalableTarget",
                "Properties": {
                    "MinCapacity": 1,
                    "MaxCapacity": 2,
                    "ResourceId": {
                        "Fn::Join": ["", ["endpoint/", {"Fn::ImportValue": "SharedEndpoint"}, "/variant/AllTraffic"]]
                    },
                    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                    "ServiceNamespace": "sagemaker",
                },
            },
        }
    }
    clients.call("cloudformation", "CreateStack", StackName=STACK, TemplateBody=json.dumps(template))
    path = tmp_path / "imported.json"
    path.write_text(json.dumps(template))
    command = deploy(files, "0")

    out = changed(files, command, capsys, template=path)
    missing = "no deployed value for placeholder '${ImportValue(SharedEndpoint)}'"
    assert out.splitlines() == [
        f"stack {STACK} is CREATE_COMPLETE; its template has 1 scalable target(s)",
        f"skipped {imported}: cannot fill the exported scaling calls: "
        f"application-autoscaling DeregisterScalableTarget.ResourceId: {missing}",
        f"{PHASE_1}: running {DETACHED_STACKS_VARIABLE}={STACK} {shlex.join(command)}",
        "the deploy command exited with status 0",
        f"warning: after phase 1, stack {STACK}'s template still has 1 scalable target(s): scaling not made by "
        f"EndpointScaling, or a deploy command that did not synthesize the app with {DETACHED_STACKS_VARIABLE} set "
        "(cdk deploy does; cdk deploy --app cdk.out deploys an assembly synthesized before); those not registered "
        "after phase 2 are registered outside CloudFormation",
        f"{PHASE_2}: running {shlex.join(command)}",
        "the deploy command exited with status 0",
        f"cannot check {imported}: cannot fill the exported scaling calls: target {imported}.ResourceId: {missing}",
        f"stack {STACK}: deregistered 0 scalable target(s), deployed in two phases; 0 scalable target(s) registered "
        "by CloudFormation; 1 scalable target(s) not checked",
    ]


# --- Errors -----------------------------------------------------------------------------------


def test_a_missing_stack_is_one_line_and_exit_1(clients: Clients, files: dict[str, Path], capsys: Any) -> None:
    status = main(["change-instance-type", str(files["json"]), "--stack-name", "Nope", "--", "true"])
    assert (status, capsys.readouterr()) == (1, ("", f"mme-scaling: error: stack Nope does not exist in {REGION}\n"))


def test_a_missing_or_invalid_template_is_reported_before_any_aws_call(tmp_path: Path, capsys: Any) -> None:
    missing = tmp_path / "missing.json"
    assert main(["change-instance-type", str(missing), "--stack-name", STACK, "--", "true"]) == 1
    assert capsys.readouterr().err == f"mme-scaling: error: {missing}: no such file\n"
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"Resources": {"T": {"Type": "AWS::ApplicationAutoScaling::ScalableTarget"}}}))
    assert main(["policies", str(invalid)]) == 1
    expected = capsys.readouterr().err
    assert expected.startswith(f"mme-scaling: error: {invalid}: Resources.T.Properties")
    assert main(["change-instance-type", str(invalid), "--stack-name", STACK, "--region", REGION, "--", "true"]) == 1
    assert capsys.readouterr().err == expected


def test_a_stack_in_progress_is_left_alone(clients: Clients, files: dict[str, Path], capsys: Any) -> None:
    clients.call(
        "cloudformation",
        "CreateChangeSet",
        StackName=STACK,
        ChangeSetName="pending",
        ChangeSetType="CREATE",
        TemplateBody=json.dumps(NO_SCALING),
    )
    status = main(["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", "true"])
    assert (status, capsys.readouterr()) == (
        1,
        ("", f"mme-scaling: error: stack {STACK} is REVIEW_IN_PROGRESS; run again once CloudFormation has finished\n"),
    )


@pytest.mark.parametrize(
    ("options", "unset", "message"),
    [
        (["--profile", "nope"], [], "cannot open the AWS session: The config profile (nope) could not be found"),
        ([], ["AWS_REGION", "AWS_DEFAULT_REGION"], "cannot make the cloudformation client: You must specify a region."),
    ],
)
def test_aws_setup_problems_are_one_line_and_exit_1(
    options: list[str],
    unset: list[str],
    message: str,
    clients: Clients,
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    for name in unset:
        monkeypatch.delenv(name)
    status = main(["change-instance-type", str(files["json"]), "--stack-name", STACK, *options, "--", "true"])
    assert (status, capsys.readouterr().err) == (1, f"mme-scaling: error: {message}\n")


@pytest.mark.parametrize("tail", [[], ["--"]])
def test_no_deploy_command_is_a_usage_error(tail: list[str], tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["change-instance-type", str(tmp_path / "t.json"), "--stack-name", STACK, *tail])
    assert raised.value.code == 2
    assert capsys.readouterr().err.endswith(
        "mme-scaling change-instance-type: error: a deploy command is required after --, "
        "e.g. -- npx cdk deploy MyStack\n"
    )


def test_missing_boto3_is_named_with_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, Path], capsys: Any
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    status = main(["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", "true"])
    assert (status, capsys.readouterr().err) == (1, BOTO3_MISSING + "\n")


def test_deploy_command_words_after_the_separator_are_not_options(
    clients: Clients, files: dict[str, Path], capsys: Any
) -> None:
    clients.call("cloudformation", "CreateStack", StackName=STACK, TemplateBody=json.dumps(NO_SCALING))
    command = [sys.executable, "-c", "import sys; sys.exit(5)", "--dry-run", "--stack-name", "x"]
    assert main(["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", *command]) == 5
    assert (
        f"{PHASE_1}: running {DETACHED_STACKS_VARIABLE}={STACK} {shlex.join(command)}"
        in capsys.readouterr().out.splitlines()
    )


# --- The pieces -----------------------------------------------------------------------------


def test_stack_parameters_are_typed_and_no_echo_ones_left_out(clients: Clients) -> None:
    template = {
        "Parameters": {
            "Count": {"Type": "Number"},
            "Ratio": {"Type": "Number"},
            "Secret": {"Type": "String", "NoEcho": True},
            "Name": {"Type": "String"},
        },
        **NO_SCALING,
    }
    given = {"Count": "3", "Ratio": "0.5", "Secret": "s3cr3t", "Name": "007"}
    clients.call(
        "cloudformation",
        "CreateStack",
        StackName=STACK,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in given.items()],
    )
    stack = read_stack(clients, STACK)
    assert stack.parameters == {"Count": 3, "Ratio": 0.5, "Name": "007"}
    assert {key: deployed_values(clients, stack)[key] for key in ("Count", "AWS::StackName")} == {
        "Count": 3,
        "AWS::StackName": STACK,
    }


def test_yaml_templates_read_with_short_forms_and_timestamps_as_text() -> None:
    body = """
Resources:
  Target:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      ResourceId: !Join ["", ["endpoint/", !GetAtt Endpoint.EndpointName, "/variant/AllTraffic"]]
      RoleARN: !Sub "arn:${AWS::Partition}:iam::role"
      MinCapacity: !Ref Min
      Options: !If [IsProduction, {A: 1}, !Ref AWS::NoValue]
      ScheduledActions:
        - StartTime: 2027-01-01T00:00:00Z
          Schedule: rate(1 hour)
"""
    assert template_from_body(body, "t")["Resources"]["Target"]["Properties"] == {
        "ResourceId": {"Fn::Join": ["", ["endpoint/", {"Fn::GetAtt": "Endpoint.EndpointName"}, "/variant/AllTraffic"]]},
        "RoleARN": {"Fn::Sub": "arn:${AWS::Partition}:iam::role"},
        "MinCapacity": {"Ref": "Min"},
        "Options": {"Fn::If": ["IsProduction", {"A": 1}, {"Ref": "AWS::NoValue"}]},
        "ScheduledActions": [{"StartTime": "2027-01-01T00:00:00Z", "Schedule": "rate(1 hour)"}],
    }
    assert template_from_body('{"Resources": {}}', "t") == {"Resources": {}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[]", "the template has no Resources section"),
        ("Resources: [a", "the template is neither JSON nor YAML (while parsing a flow sequence)"),
        ({"Resources": []}, "the template has no Resources section"),
    ],
)
def test_template_bodies_that_are_no_template(body: Any, message: str) -> None:
    with pytest.raises(RedeployError) as error:
        template_from_body(body, "the template")
    assert error.value.one_line == message


def test_a_yaml_template_without_pyyaml_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(MissingDependency) as error:
        template_from_body("Resources: {}", "the deployed template of stack S")
    assert error.value.one_line == (
        "the deployed template of stack S is YAML, which needs PyYAML: pip install 'mme-scaling-constructs[aws]'"
    )


def test_alarms_the_template_leaves_unnamed_take_the_deployed_names(templates: dict[str, Any]) -> None:
    template = json.loads(json.dumps(templates[OLD_TYPE]))
    alarms = sorted(key for key, value in template["Resources"].items() if value["Type"] == "AWS::CloudWatch::Alarm")
    template["Resources"][alarms[0]]["Properties"]["AlarmName"] = "chosen"
    resources = {alarm: ("AWS::CloudWatch::Alarm", f"{STACK}-{alarm}-XYZ") for alarm in alarms}
    names = {
        alarm.logical_id: alarm.params["AlarmName"]
        for target in named_as_deployed(scaling_in_template(template), template, resources)
        for policy in target.policies
        for alarm in policy.alarms
    }
    assert names == {alarms[0]: "chosen", alarms[1]: f"{STACK}-{alarms[1]}-XYZ"}
    unchanged = named_as_deployed(scaling_in_template(template), template, {})
    assert {a.logical_id: a.params["AlarmName"] for t in unchanged for p in t.policies for a in p.alarms} == {
        alarms[0]: "chosen",
        alarms[1]: alarms[1],
    }


@pytest.mark.parametrize(("returncode", "status"), [(0, 0), (3, 3), (255, 255), (-9, 137), (-2, 130), (256, 1)])
def test_exit_status_follows_the_shell(returncode: int, status: int) -> None:
    assert exit_status(returncode) == status


def test_a_closed_standard_output_does_not_stop_the_change(
    clients: Clients, deployed: DeployedStack, files: dict[str, Path], templates: dict[str, Any], monkeypatch: Any
) -> None:
    class Closed:
        encoding = "utf-8"

        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self) -> int:
            raise OSError("no file descriptor")

    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", Closed())
        status = main(
            ["change-instance-type", str(files["json"]), "--stack-name", STACK, "--", *deploy(files, "update")]
        )
    assert status == 0
    assert [run["variable"] for run in deploys(files)] == [STACK, None]
    assert scaling_findings(clients, templates[NEW_TYPE]) == []

"""An instance-type change of a stack's scaled variants: deregister, then deploy in two phases.

SageMaker refuses an endpoint update that changes the instance type of a variant registered
with Application Auto Scaling; the variant must be deregistered first and registered again
after (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html). One
CloudFormation update cannot order that, and a scaling resource it updates while its target is
deregistered fails (``ObjectNotFoundException``). So :func:`change_instance_type` runs the
user's deploy command twice, and CloudFormation keeps owning the scaling:

1. Read the new template's scaling, and the deployed stack: its status, template, resources
   and values.
2. Deregister each scalable target of the deployed template that is registered
   (``DeregisterScalableTarget`` also deletes its scaling policies and scheduled actions).
3. Phase 1: run the deploy command with :data:`~mme_scaling_constructs.constants.DETACHED_STACKS_VARIABLE`
   naming the stack. The app synthesizes the stack without its scaling resources; CloudFormation
   updates the endpoint (nothing is registered) and then deletes those resources. On failure,
   register the scaling of the stack's template as it is after the failure (after a rollback,
   the previous one), and report the command's status.
4. Phase 2: run the deploy command without the stack in that variable; CloudFormation creates
   the scaling resources after the endpoint. On failure, report the command's status and the
   targets left without scaling; nothing is registered outside CloudFormation.
5. Check that every scalable target of the stack's template is registered, and register the
   scaling of any that CloudFormation did not create (a deploy command that does not run the
   app with its environment; an emulator that skips ``AWS::ApplicationAutoScaling::*``)
   through the API.

Every step converges when run again: a target that is not registered is not deregistered, a
deploy that changes nothing succeeds, and registering creates or updates.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NoReturn

from mme_scaling_constructs.constants import APPLICATION_AUTOSCALING_CLI_SERVICE, DETACHED_STACKS_VARIABLE
from mme_scaling_constructs.errors import ConfigurationError
from mme_scaling_constructs.export import ApiCall, ExportedTarget, api_calls, deregister_calls, scaling_in_template
from mme_scaling_constructs.redeploy.clients import Clients
from mme_scaling_constructs.redeploy.environment import phase_environment
from mme_scaling_constructs.redeploy.errors import DeployFailed, RedeployError
from mme_scaling_constructs.redeploy.scaling import (
    call_subject,
    is_registered,
    named_as_deployed,
    register_scaling,
    target_where,
)
from mme_scaling_constructs.redeploy.stack import DeployedStack, deployed_values, read_stack, referenced_logical_ids
from mme_scaling_constructs.redeploy.values import fill

#: Exit status when the deploy command cannot be started, or reports a status beyond 255.
FAILURE_STATUS: Final = 1
#: Exit status of a command ended by signal N is this plus N, as shells report it.
SIGNAL_STATUS_BASE: Final = 128
#: How a failure before phase 1 succeeded tells the user to restore what is left deregistered.
RESTORE_HINT: Final = "run the same command again (or mme-scaling export and bash commands.sh) to register them"
#: How a failure after phase 1 succeeded tells the user to finish: nothing is left to
#: deregister, phase 1 finds no change, and phase 2 creates the scaling.
COMPLETE_HINT: Final = "running the same command again completes the change"
#: How the log names each run of the deploy command.
PHASE_1: Final = "phase 1, the stack without its scaling resources"
PHASE_2: Final = "phase 2, the stack with its scaling resources"

_Key = tuple[str, str, str]


@dataclass(frozen=True, kw_only=True)
class InstanceTypeChange:
    """An instance-type change of a deployed stack's scaled variants, made around its deploy command.

    Args:
        template: the new synthesized template (the one the deploy command deploys in phase 2).
        template_name: how messages name it, e.g. its path.
        stack_name: the deployed stack's name.
        deploy_command: the program and its arguments, run without a shell, twice, e.g.
            ``("npx", "cdk", "deploy", "MyStack", "--require-approval", "never")``. It must
            synthesize the app with the environment it is given, as ``cdk deploy`` does.
        dry_run: print what would be deregistered, run, checked and registered, and change
            nothing; defaults to ``False``.
    """

    template: Mapping[str, Any]
    template_name: str
    stack_name: str
    deploy_command: tuple[str, ...]
    dry_run: bool = False


def change_instance_type(change: InstanceTypeChange, clients: Clients, log: Callable[[str], None]) -> str:
    """Deregister the stack's scaling, and run the deploy command without and then with the stack's scaling.

    Args:
        change: what to deploy, and how.
        clients: the AWS clients, e.g. ``Clients(region=..., profile=...)``.
        log: called with one line per step and per AWS call that changes something.

    Returns:
        A one-line summary.

    Raises:
        ConfigurationError: the new template's scaling cannot be read.
        DeployFailed: a run of the deploy command failed. Its ``status`` is the exit status.
            In phase 1, the scaling of the stack's template (after a rollback, the previous one)
            was registered again; in phase 2, nothing was registered, and the message names
            the targets left without scaling.
        RedeployError: the stack or a call failed, or anything else went wrong once the change
            began (an interrupt included). When targets were deregistered by then, the message
            names those left without their scaling and says how to restore them.
    """
    return _Change(change, clients, log).run()


def exit_status(returncode: int) -> int:
    """The exit status to report for a command's ``returncode``: 128 + N when signal N ended it."""
    if returncode < 0:
        return SIGNAL_STATUS_BASE - returncode
    return returncode if returncode < 256 else FAILURE_STATUS


def _key(target: ExportedTarget) -> _Key:
    return (target.service_namespace, target.resource_id, target.scalable_dimension)


@dataclass
class _Change:
    change: InstanceTypeChange
    clients: Clients
    log: Callable[[str], None]
    #: Targets, by unfilled key, whose names cannot be filled from the stack before the deploy.
    unresolved: set[_Key] = field(default_factory=set)
    #: Resource ids this run deregistered, and those still to be registered once registering started.
    deregistered: list[str] = field(default_factory=list)
    pending: list[str] | None = None
    #: The new template's targets (what phase 2 creates), and whether phase 1 has succeeded.
    awaited: list[str] = field(default_factory=list)
    detached: bool = False

    def run(self) -> str:
        change = self.change
        new_targets = scaling_in_template(change.template)
        self._check_deploy_command()
        before = read_stack(self.clients, change.stack_name)
        old_targets = _deployed_scaling(before)
        calls = deregister_calls(old_targets)
        wanted = referenced_logical_ids([call.params for call in calls])
        wanted |= referenced_logical_ids([target.where for target in new_targets])
        if change.dry_run:
            wanted |= referenced_logical_ids([call.params for call in api_calls(new_targets)])
        values = deployed_values(self.clients, before, wanted)
        self.log(f"stack {before.name} is {before.status}; its template has {len(calls)} scalable target(s)")
        registered = self._registered(old_targets, values)
        self.awaited = [_label(target, values) for target in _registrable(new_targets)]
        if change.dry_run:
            return self._dry_run(registered, new_targets, before, values)
        try:
            with _terminations_raise():
                return self._change(registered)
        except KeyboardInterrupt:
            raise self._left(RedeployError("interrupted")) from None
        except Terminated as terminated:
            left = self._left(RedeployError(f"terminated by signal {terminated.signum}"))
            raise DeployFailed(SIGNAL_STATUS_BASE + terminated.signum, left.one_line) from None
        except DeployFailed:
            raise
        except RedeployError as error:
            raise self._left(error) from None
        except Exception as error:  # once targets are deregistered, every failure must say which
            raise self._left(RedeployError(f"unexpected {type(error).__name__}: {error}")) from error

    def _change(self, registered: Sequence[Mapping[str, str]]) -> str:
        try:
            for where in registered:
                # Counted before the call: a call that fails or is interrupted may have deregistered it.
                self.deregistered.append(where["ResourceId"])
                self.clients.call(APPLICATION_AUTOSCALING_CLI_SERVICE, "DeregisterScalableTarget", **where)
                self.log(f"deregistered {where['ResourceId']} (its scaling policies and scheduled actions too)")
        except RedeployError as error:
            if not self.deregistered:
                raise
            self._restore(f"{error.one_line}; nothing was deployed", None)
        status, failure = self._deploy(detached=True)
        if status != 0:
            self._restore(f"{PHASE_1}: {failure}", status)
        self.detached = True
        self._check_detached()
        status, failure = self._deploy(detached=False)
        if status != 0:
            unscaled = list(dict.fromkeys([*self.deregistered, *self.awaited]))
            left = f"; left without their scaling: {', '.join(unscaled)}" if unscaled else ""
            raise DeployFailed(
                status, f"{PHASE_2}: {failure}; nothing was registered outside CloudFormation{left}; {COMPLETE_HINT}"
            )
        return self._complete()

    def _restore(self, failure: str, status: int | None) -> NoReturn:
        """Register the scaling of the stack's template again after ``failure``, and raise."""
        again = f"the scaling of stack {self.change.stack_name}'s template"
        try:
            made, restored = self._register_stack_scaling()
        except RedeployError as error:
            raise RedeployError(f"{failure}; registering {again} again failed: {error.one_line}") from None
        message = f"{failure}; registered {again} again ({made} calls)"
        left = [resource_id for resource_id in self.deregistered if resource_id not in restored]
        if left:  # the stack's template has lost them: CloudFormation applied phase 1 before failing
            message += f"; left without their scaling: {', '.join(left)}; {COMPLETE_HINT}"
        if status is None:
            raise RedeployError(message)
        raise DeployFailed(status, message)

    def _check_detached(self) -> None:
        """Log a warning when phase 1 left scaling resources in the stack's template."""
        stack = read_stack(self.clients, self.change.stack_name)
        kept = _registrable(_deployed_scaling(stack))
        if kept:
            self.log(
                f"warning: after phase 1, stack {stack.name}'s template still has {len(kept)} scalable target(s): "
                f"scaling not made by EndpointScaling, or a deploy command that did not synthesize the app with "
                f"{DETACHED_STACKS_VARIABLE} set (cdk deploy does; cdk deploy --app cdk.out deploys an assembly "
                "synthesized before); those not registered after phase 2 are registered outside CloudFormation"
            )

    def _complete(self) -> str:
        """Check that each target of the stack's template is registered; register the others' scaling."""
        stack = read_stack(self.clients, self.change.stack_name)
        targets = named_as_deployed(_deployed_scaling(stack), stack.template, stack.resources)
        values = deployed_values(self.clients, stack, referenced_logical_ids([c.params for c in api_calls(targets)]))
        missing: list[ExportedTarget] = []
        created = unchecked = 0
        for target in _registrable(targets):
            try:
                where = target_where(target, values, {})
            except RedeployError as error:
                unchecked += 1
                self.log(f"cannot check {target.resource_id}: {error.one_line}")
                continue
            if is_registered(self.clients, where):
                created += 1
                self.log(f"registered by CloudFormation: {where['ResourceId']}")
            else:
                missing.append(target)
        parts = [
            f"stack {stack.name}: deregistered {len(self.deregistered)} scalable target(s), deployed in two phases"
        ]
        if missing:
            names = ", ".join(_label(target, values) for target in missing)
            self.log(
                f"CloudFormation did not create {names}: registering the scaling of stack {stack.name}'s template "
                "for them outside CloudFormation"
            )
            made, _ = self._register(missing, values, f"stack {stack.name}'s template")
            parts.append(
                f"CloudFormation did not create {len(missing)} scalable target(s): registered their scaling outside "
                f"CloudFormation ({made} calls)"
            )
        else:
            parts.append(f"{created} scalable target(s) registered by CloudFormation")
        if unchecked:
            parts.append(f"{unchecked} scalable target(s) not checked")
        return "; ".join(parts)

    def _registered(self, targets: Sequence[ExportedTarget], values: Mapping[str, Any]) -> list[dict[str, str]]:
        """The filled names of the targets that are registered; logs the others."""
        found: list[dict[str, str]] = []
        for target, call in zip(_registrable(targets), deregister_calls(targets), strict=True):
            try:
                where: dict[str, str] = fill(call.params, values, {}, f"{call.service} {call.operation}")
            except RedeployError as error:
                self.unresolved.add(_key(target))
                self.log(f"skipped {target.resource_id}: {error.one_line}")
                continue
            if is_registered(self.clients, where):
                found.append(where)
            else:
                self.log(f"not registered, nothing to deregister: {where['ResourceId']}")
        return found

    def _dry_run(
        self,
        registered: Sequence[Mapping[str, str]],
        new_targets: Sequence[ExportedTarget],
        before: DeployedStack,
        values: Mapping[str, Any],
    ) -> str:
        for where in registered:
            self.log(f"would deregister {where['ResourceId']} (its scaling policies and scheduled actions too)")
        for phase, detached in ((PHASE_1, True), (PHASE_2, False)):
            self.log(f"would run {phase}: {self._shown_command(detached=detached)}")
        self.log(
            "would check that each scalable target of the stack's template is registered, and register the "
            f"scaling of those CloudFormation did not create, e.g. {self.change.template_name}'s, with the "
            "stack's values after the deploy:"
        )
        for call in api_calls(named_as_deployed(new_targets, self.change.template, before.resources)):
            self.log(f"would call {call_subject(call.operation, _shown(call, values))}")
        return f"dry run: nothing changed in stack {before.name}"

    def _deploy(self, *, detached: bool) -> tuple[int, str]:
        """Run the deploy command for one phase; return its exit status and, on failure, what happened."""
        environment, _ = phase_environment(os.environ, self.change.stack_name, detached=detached)
        self.log(f"{PHASE_1 if detached else PHASE_2}: running {self._shown_command(detached=detached)}")
        try:
            process = subprocess.Popen(list(self.change.deploy_command), env=environment)
        except (OSError, ValueError) as error:
            return FAILURE_STATUS, f"cannot run the deploy command: {error}"
        try:
            returncode = process.wait()
        except KeyboardInterrupt:
            returncode = process.wait()  # the interrupt reached the command too: let it finish
        except Terminated as terminated:  # sent to this process only: pass it on, and let the command finish
            process.send_signal(terminated.signum)
            process.wait()
            raise
        status = exit_status(returncode)
        self.log(f"the deploy command exited with status {status}")
        return status, f"the deploy command exited with status {status}"

    def _check_deploy_command(self) -> None:
        """Refuse, before any AWS call, a deploy command whose program cannot be found."""
        environment, _ = phase_environment(os.environ, self.change.stack_name, detached=True)
        program = self.change.deploy_command[0]
        if shutil.which(program, path=environment.get("PATH")) is None:
            raise RedeployError(f"cannot find the deploy command's program {program!r} (nothing was changed)")

    def _shown_command(self, *, detached: bool) -> str:
        """The deploy command of one phase as a shell line, its environment change before it."""
        _, prefix = phase_environment(os.environ, self.change.stack_name, detached=detached)
        return " ".join(word for word in (prefix, shlex.join(self.change.deploy_command)) if word)

    def _register_stack_scaling(self) -> tuple[int, list[str]]:
        """Register the scaling of the stack's current template; return the number of calls and the targets."""
        stack = read_stack(self.clients, self.change.stack_name)
        targets = named_as_deployed(_deployed_scaling(stack), stack.template, stack.resources)
        values = deployed_values(self.clients, stack, referenced_logical_ids([c.params for c in api_calls(targets)]))
        kept = [target for target in targets if self._fillable(target, values)]
        return self._register(kept, values, f"stack {stack.name}'s template")

    def _register(
        self, targets: Sequence[ExportedTarget], values: Mapping[str, Any], name: str
    ) -> tuple[int, list[str]]:
        """Register ``targets`` with ``values``; return the number of calls made and the targets' resource ids."""
        labels = {_key(target): _label(target, values) for target in targets}
        order = list(labels)
        self.pending = list(labels.values())
        self.log(f"registering the scaling of {name}")
        made = 0

        def before_call(call: ApiCall, params: dict[str, Any]) -> None:
            nonlocal made
            names = ("ServiceNamespace", "ResourceId", "ScalableDimension")
            key: _Key = (str(call.params.get(names[0])), str(call.params.get(names[1])), str(call.params.get(names[2])))
            if key in labels:
                self.pending = [labels[other] for other in order[order.index(key) :]]
            self.log(call_subject(call.operation, params))
            made += 1

        register_scaling(self.clients, targets, values, before_call=before_call)
        self.pending = []
        return made, list(labels.values())

    def _fillable(self, target: ExportedTarget, values: Mapping[str, Any]) -> bool:
        """Whether to register ``target``: its names fill, or else it was never this run's to restore."""
        try:
            fill(target.where, values, {}, f"target {target.resource_id}")
        except RedeployError as error:
            if _key(target) in self.unresolved or target.logical_id is None:
                self.log(f"skipped {target.resource_id}: {error.one_line}")
                return False
            raise
        return True

    def _left(self, error: RedeployError) -> RedeployError:
        """``error``, naming the targets left without their scaling and how to restore them."""
        unscaled = self.awaited if self.detached else self.deregistered
        left = unscaled if self.pending is None else self.pending
        if not left:
            return error
        hint = COMPLETE_HINT if self.detached else RESTORE_HINT
        return RedeployError(f"{error.one_line}; left without their scaling: {', '.join(left)}; {hint}")


def _deployed_scaling(stack: DeployedStack) -> list[ExportedTarget]:
    """The scaling of the stack's template.

    Raises:
        RedeployError: the template's scaling cannot be read.
    """
    try:
        return scaling_in_template(stack.template)
    except ConfigurationError as error:
        problems = "; ".join(str(problem) for problem in error.problems)
        raise RedeployError(f"the deployed template of stack {stack.name}: {problems}") from None


def _registrable(targets: Sequence[ExportedTarget]) -> list[ExportedTarget]:
    """The targets the template registers itself (those :func:`deregister_calls` deregisters), in order."""
    return [target for target in targets if target.logical_id is not None]


def _label(target: ExportedTarget, values: Mapping[str, Any]) -> str:
    """The target's resource id, filled when it can be."""
    try:
        return str(fill(target.resource_id, values, {}))
    except RedeployError:
        return target.resource_id


def _shown(call: ApiCall, values: Mapping[str, Any]) -> dict[str, Any]:
    """The call's parameters with every placeholder that has a value filled, the others left as they are."""
    shown: dict[str, Any] = {}
    for name, value in call.params.items():
        try:
            shown[name] = fill(value, values, {})
        except RedeployError:
            shown[name] = value
    return shown


class Terminated(Exception):
    """SIGTERM or SIGHUP arrived during a change (a cancelled job, a closed terminal).

    Args:
        signum: the signal's number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum


#: Signals that end a change as Ctrl-C does: the targets left without scaling are named.
TERMINATING_SIGNALS: Final = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _terminations_raise() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    previous = {signum: signal.signal(signum, handler) for signum in TERMINATING_SIGNALS}
    try:
        yield
    finally:
        for signum, action in previous.items():
            signal.signal(signum, action)

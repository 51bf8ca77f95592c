"""The deploy command's environment in each phase of an instance-type change.

Phase 1 runs the deploy command with :data:`~mme_scaling_constructs.constants.DETACHED_STACKS_VARIABLE`
naming the stack, so that the app (``cdk deploy`` passes its environment to it) synthesizes the
stack without its scaling resources; phase 2 runs it with the stack taken out of that list.
Names are read as the constructs read them: comma-separated, spaces around a name ignored.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from mme_scaling_constructs.constants import DETACHED_STACKS_VARIABLE, detached_stack_names


def phase_environment(environment: Mapping[str, str], stack_name: str, *, detached: bool) -> tuple[dict[str, str], str]:
    """The environment to run the deploy command with in one phase, and how a shell would set it.

    Args:
        environment: the environment the command would inherit, e.g. ``os.environ``.
        stack_name: the stack whose scaling is left out (phase 1) or put back (phase 2).
        detached: ``True`` for phase 1: the variable names the stack (appended after a comma
            when the variable lists other stacks); ``False`` for phase 2: the stack is taken out
            of the variable, and the variable removed when it lists nothing else.

    Returns:
        The environment, and the shell words that run a command with it when put before the
        command: ``MME_SCALING_DETACHED_STACKS=MyStack`` in phase 1; in phase 2, ``""`` when
        the environment is unchanged, ``MME_SCALING_DETACHED_STACKS=Other`` when other stacks
        stay listed, ``env -u MME_SCALING_DETACHED_STACKS`` when the variable is removed.
    """
    result = dict(environment)
    current = result.get(DETACHED_STACKS_VARIABLE)
    listed = detached_stack_names(current)
    if detached:
        if stack_name not in listed:
            result[DETACHED_STACKS_VARIABLE] = f"{current},{stack_name}" if listed else stack_name
        return result, _assignment(result[DETACHED_STACKS_VARIABLE])
    if current is None or stack_name not in listed:
        return result, ""
    kept = ",".join(name for name in current.split(",") if name.strip() != stack_name)
    if detached_stack_names(kept):
        result[DETACHED_STACKS_VARIABLE] = kept
        return result, _assignment(kept)
    del result[DETACHED_STACKS_VARIABLE]
    return result, f"env -u {DETACHED_STACKS_VARIABLE}"


def _assignment(value: str) -> str:
    """``NAME=value`` as a shell reads it before a command: only the value quoted."""
    return f"{DETACHED_STACKS_VARIABLE}={shlex.quote(value)}"

"""Stable assignment of many endpoints to stacks, kept in a file you commit.

CloudFormation holds at most 500 resources in a stack, and moving an endpoint to another
stack replaces it (a new endpoint, a cold model cache, a new name if it was generated). So an
endpoint is assigned once and stays: :class:`StackAssignment` keeps the assignment in a JSON
file, gives a new endpoint the first stack with room (or a new stack), and never moves an
assigned one. Pure Python: it imports no CDK code.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from mme_scaling_constructs.errors import ConfigurationError, Problem, Problems

#: CloudFormation's limit of resources in one stack.
MAX_RESOURCES_PER_STACK: Final = 500
#: Resources a MultiModelEndpoint with a CPU or GPU preset makes: role, managed policy, model,
#: endpoint config, endpoint, scalable target and two scaling policies.
RESOURCES_PER_ENDPOINT: Final = 8
#: Default endpoints per stack: 50 x 8 = 400 resources, leaving room for step policies,
#: alarms and other resources of the stack.
DEFAULT_ENDPOINTS_PER_STACK: Final = 50
#: Stack names: letters, digits and hyphens, starting with a letter, at most 128 (CloudFormation).
STACK_NAME_PATTERN: Final = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
#: Room a stack prefix leaves for the stack's number.
STACK_NUMBER_DIGITS: Final = 6
#: Endpoint keys: what the file is keyed by, e.g. a tenant id.
KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
KEY_RULE: Final = "1 to 128 letters, digits, '.', '_' and '-', starting with a letter or digit"
STACK_NAME_RULE: Final = "a stack name: 1 to 128 letters, digits and hyphens, starting with a letter"
SUBJECT: Final = "StackAssignment"


class StackAssignment:
    """Which stack holds each endpoint, read from and written to a JSON file.

    The file maps each stack name to the endpoint keys it holds, e.g.
    ``{"Endpoints1": ["tenant-a", "tenant-b"], "Endpoints2": ["tenant-c"]}``. Commit it: it is
    what keeps every endpoint in its stack as endpoints are added.

    Args:
        path: the JSON file; it need not exist yet.
        stack_prefix: new stacks are named ``<stack_prefix><n>``; defaults to ``"Endpoints"``.
        max_endpoints_per_stack: endpoints a new endpoint may join; defaults to 50 (400 of a
            stack's 500 resources with the default presets).

    Raises:
        ConfigurationError: for an invalid argument or file, naming it.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        stack_prefix: str = "Endpoints",
        max_endpoints_per_stack: int = DEFAULT_ENDPOINTS_PER_STACK,
    ) -> None:
        problems = Problems(SUBJECT)
        if not isinstance(path, (str, Path)) or not str(path) or "\0" in str(path):
            problems.add("path", path, "a path to a JSON file")
        if not (
            isinstance(stack_prefix, str) and STACK_NAME_PATTERN.fullmatch(f"{stack_prefix}{'9' * STACK_NUMBER_DIGITS}")
        ):
            problems.add(
                "stack_prefix",
                stack_prefix,
                f"letters, digits and hyphens, starting with a letter, at most {128 - STACK_NUMBER_DIGITS} characters",
            )
        limit = MAX_RESOURCES_PER_STACK // RESOURCES_PER_ENDPOINT
        if not (
            isinstance(max_endpoints_per_stack, int)
            and not isinstance(max_endpoints_per_stack, bool)
            and 1 <= max_endpoints_per_stack <= limit
        ):
            problems.add(
                "max_endpoints_per_stack",
                max_endpoints_per_stack,
                f"a whole number from 1 to {limit} ({MAX_RESOURCES_PER_STACK} resources a stack, "
                f"{RESOURCES_PER_ENDPOINT} an endpoint)",
            )
        problems.raise_if_any()
        self.path = Path(path)
        self.stack_prefix = stack_prefix
        self.max_endpoints_per_stack = max_endpoints_per_stack
        self._stacks: dict[str, list[str]] = _read(self.path)
        self._stack_of = {key: stack for stack, keys in self._stacks.items() for key in keys}

    @property
    def stacks(self) -> dict[str, tuple[str, ...]]:
        """Every stack name with the endpoint keys it holds, in assignment order."""
        return {stack: tuple(keys) for stack, keys in self._stacks.items()}

    def stack_for(self, key: str) -> str:
        """The stack of the endpoint ``key``: where it was assigned, else the first stack with room.

        A new key joins the first stack holding fewer than ``max_endpoints_per_stack``
        endpoints, else a new stack. Call :meth:`save` to record new assignments.

        Raises:
            ConfigurationError: if ``key`` is not a valid endpoint key.
        """
        _check_key(key)
        if key in self._stack_of:
            return self._stack_of[key]
        stack = next(
            (name for name, keys in self._stacks.items() if len(keys) < self.max_endpoints_per_stack),
            None,
        )
        if stack is None:
            stack = self._new_stack_name()
            self._stacks[stack] = []
        self._stacks[stack].append(key)
        self._stack_of[key] = stack
        return stack

    def release(self, key: str) -> str | None:
        """Forget the endpoint ``key`` (a retired tenant): its place goes to the next new endpoint.

        Its stack stays in the file, even when it holds no endpoint any more, so that an app
        that defines every stack of :attr:`stacks` still defines it and deploying it deletes
        the endpoint. Call :meth:`save` to record it.

        Returns:
            the stack that held ``key``, or ``None`` if it held none.

        Raises:
            ConfigurationError: if ``key`` is not a valid endpoint key.
        """
        _check_key(key)
        stack = self._stack_of.pop(key, None)
        if stack is not None:
            self._stacks[stack].remove(key)
        return stack

    def save(self) -> None:
        """Write the assignment back to the file (stacks and keys in assignment order).

        Raises:
            ConfigurationError: if the file cannot be written, naming it.
        """
        try:
            self.path.write_text(json.dumps(self._stacks, indent=2) + "\n")
        except OSError as error:
            raise ConfigurationError(
                SUBJECT, [Problem(parameter="path", value=str(self.path), allowed=f"a writable file ({error})")]
            ) from None

    def _new_stack_name(self) -> str:
        number = len(self._stacks) + 1
        while f"{self.stack_prefix}{number}" in self._stacks:
            number += 1
        return f"{self.stack_prefix}{number}"


def _check_key(key: Any) -> None:
    if not (isinstance(key, str) and KEY_PATTERN.fullmatch(key)):
        raise ConfigurationError(SUBJECT, [Problem(parameter="key", value=key, allowed=KEY_RULE)])


def _without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (as a hand-merged file can have)."""
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"{', '.join(repeated)} given more than once")
    return dict(pairs)


def _read(path: Path) -> dict[str, list[str]]:
    """The assignment in ``path``, or an empty one if the file does not exist."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ConfigurationError(
            SUBJECT, [Problem(parameter="path", value=str(path), allowed=f"a readable file ({error})")]
        ) from None
    try:
        document: Any = json.loads(text, object_pairs_hook=_without_duplicate_keys)
    except (ValueError, RecursionError) as error:
        raise ConfigurationError(
            SUBJECT, [Problem(parameter="path", value=str(path), allowed=f"valid JSON ({error})")]
        ) from None
    problems = Problems(SUBJECT)
    if not isinstance(document, Mapping):
        problems.add(
            str(path), type(document).__name__, 'a JSON object of stack names to key lists, e.g. {"Endpoints1": ["a"]}'
        )
        problems.raise_if_any()
    seen: dict[str, str] = {}
    for stack, keys in document.items():
        if not STACK_NAME_PATTERN.fullmatch(stack):
            problems.add(f"{path}: {stack!r}", stack, STACK_NAME_RULE)
        if not (isinstance(keys, list) and all(isinstance(key, str) and KEY_PATTERN.fullmatch(key) for key in keys)):
            problems.add(f"{path}: {stack}", keys, f"a list of endpoint keys ({KEY_RULE})")
            continue
        for key, count in Counter(keys).items():
            if count > 1:
                problems.add(f"{path}: {stack}", key, f"each key once; {key!r} is listed {count} times in {stack}")
            if key in seen:
                problems.add(f"{path}: {stack}", key, f"keys in one stack only; {key!r} is also in {seen[key]}")
            seen[key] = stack
    problems.raise_if_any()
    return {stack: list(keys) for stack, keys in document.items()}

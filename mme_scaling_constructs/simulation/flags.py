"""Command-line flags of ``mme-scaling``: numbers that keep the text typed, and problems restated in flags.

The library names its parameters (``max_requests_per_second``, ``min_capacity``); the command
line names the flags the user typed, with the text typed: ``--max-rps: got 1e-400; allowed: a
finite number greater than 0``. :class:`Number` stores a flag's number and keeps its text;
:func:`restate` turns a :class:`~mme_scaling_constructs.errors.ConfigurationError` into that
one line, given each command's mapping from parameter names to flags.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from mme_scaling_constructs.errors import ConfigurationError, Problem, describe

#: The attribute of the parsed arguments that holds the text typed for each number flag, by destination.
TYPED: Final = "typed_numbers"
#: What a library rule adds for an optional parameter; a flag is optional by being left out.
_OR_NONE: Final = ", or None"


class Number(argparse.Action):
    """Store a flag's number, converted by ``kind`` (``float`` or ``int``), and keep the text typed.

    Args:
        kind: the conversion; defaults to ``float``. A text it refuses is a usage error, worded
            as argparse words it (``invalid float value: 'x'``).
        **options: argparse's other arguments of ``add_argument`` (``default``, ``metavar``...).
    """

    def __init__(
        self, option_strings: Sequence[str], dest: str, kind: Callable[[str], Any] = float, **options: Any
    ) -> None:
        super().__init__(option_strings, dest, **options)
        self.kind = kind

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        """Convert ``values`` (the text typed), store the number, and record the text in ``namespace``."""
        text = str(values)
        try:
            number = self.kind(text)
        except (ValueError, OverflowError):
            name = getattr(self.kind, "__name__", "number")
            raise argparse.ArgumentError(self, f"invalid {name} value: {text!r}") from None
        setattr(namespace, self.dest, number)
        setattr(namespace, TYPED, {**typed_numbers(namespace), self.dest: text})


def typed_numbers(arguments: argparse.Namespace) -> dict[str, str]:
    """The text typed for each number flag given, by destination (``max_rps``); empty when none was."""
    typed = getattr(arguments, TYPED, None)
    return dict(typed) if isinstance(typed, dict) else {}


class _Typed:
    """A value shown as the text the user typed, without quotes."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def flag_problem(parameter: str, value: Any, allowed: str, arguments: argparse.Namespace) -> Problem:
    """The problem of the flag ``parameter`` (``--max-rps``), its value shown as typed when it was typed."""
    text = typed_numbers(arguments).get(parameter.lstrip("-").replace("-", "_"))
    return Problem(parameter=parameter, value=value if text is None else _Typed(text), allowed=allowed)


def restate(error: ConfigurationError, flags: Mapping[str, str], arguments: argparse.Namespace) -> str:
    """The problems of ``error`` on one line, ``; ``-separated, each parameter in ``flags`` named by its flag.

    A restated problem shows the text typed for the flag (``got 1e-400``, not ``got 0.0``), and
    its rule names flags instead of parameters (``>= --min (5)``) and drops ``, or None``. A
    parameter not in ``flags`` is shown as the library names it.

    Args:
        error: the library's error.
        flags: each parameter the command sets from a flag, e.g. ``{"min_capacity": "--min"}``.
        arguments: the parsed arguments, with the texts :class:`Number` kept.
    """
    names = sorted((name for name in flags if name.isidentifier()), key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b") if names else None
    shown = []
    for problem in error.problems:
        allowed = problem.allowed
        if pattern is not None:
            allowed = pattern.sub(lambda match: flags[match.group(1)], allowed)
        flag = flags.get(problem.parameter)
        if flag is None:
            shown.append(f"{problem.parameter}: got {describe(problem.value)}; allowed: {allowed}")
        else:
            shown.append(str(flag_problem(flag, problem.value, allowed.removesuffix(_OR_NONE), arguments)))
    return "; ".join(shown)

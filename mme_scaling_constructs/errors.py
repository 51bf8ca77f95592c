"""The error raised for invalid configuration, and the collector that builds it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final


@dataclass(frozen=True, kw_only=True)
class Problem:
    """One invalid input.

    Args:
        parameter: name of the offending parameter, as the caller spelled it.
        value: the value received.
        allowed: what the parameter accepts, in words.
    """

    parameter: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        return f"{self.parameter}: got {describe(self.value)}; allowed: {self.allowed}"


#: The longest value representation a message shows.
MAX_REPR_LENGTH: Final = 2000


def describe(value: Any) -> str:
    """``repr(value)`` for a message: shortened past 2000 characters, and never raising."""
    try:
        text = repr(value)
    except Exception:  # a value whose repr fails must still be reported
        if isinstance(value, int):
            return f"<an int of {value.bit_length()} bits>"
        return f"<unprintable {type(value).__name__}>"
    if len(text) > MAX_REPR_LENGTH:
        return f"{text[: MAX_REPR_LENGTH - 20]}... ({len(text)} characters)"
    return text


class ConfigurationError(ValueError):
    """Invalid construct configuration, raised before any resource is created.

    The message lists every problem found, one per line, each naming the parameter,
    the value received and what is allowed. ``problems`` holds them as values.
    """

    def __init__(self, subject: str, problems: list[Problem]) -> None:
        self.subject = subject
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"Invalid {subject} configuration ({count} {noun}):\n{lines}")


@dataclass
class Problems:
    """Collects problems so that all of them are reported in one error.

    Args:
        subject: what is being configured, e.g. ``"MultiModelEndpoint"``.
    """

    subject: str
    found: list[Problem] = field(default_factory=list)

    def add(self, parameter: str, value: Any, allowed: str) -> None:
        """Record that ``parameter`` got ``value`` where ``allowed`` was expected."""
        self.found.append(Problem(parameter=parameter, value=value, allowed=allowed))

    def extend(self, problems: list[Problem]) -> None:
        """Record problems found elsewhere."""
        self.found.extend(problems)

    def raise_if_any(self) -> None:
        """Raise one :class:`ConfigurationError` listing every problem, if any."""
        if self.found:
            raise ConfigurationError(self.subject, self.found)


class ScalingWarning(UserWarning):
    """A legal configuration that is likely not to scale as intended."""

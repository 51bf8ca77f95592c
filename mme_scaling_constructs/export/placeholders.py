"""CloudFormation intrinsic functions as ``${...}`` placeholder text.

Values that CloudFormation only knows at deployment become ``${...}`` placeholder strings:

- ``Ref`` and ``Fn::GetAtt`` use the ``Fn::Sub`` syntax: ``${MinCapacityParameter}``,
  ``${AWS::Region}``, ``${Endpoint1234.EndpointName}``.
- ``Fn::Sub`` and ``Fn::Join`` become their text, with the placeholders of their parts.
- ``Fn::Select`` and ``Fn::Split`` are evaluated when their arguments are written in the
  template.
- Every other function becomes ``${Function(arguments)}``, e.g.
  ``${ImportValue(SharedEndpoint)}`` or ``${If(IsProduction, 4, 2)}``.

Every value that cannot be read is recorded as a problem naming its path in the template.
"""

from __future__ import annotations

import json
import re
import reprlib
from typing import Any, Final

from mme_scaling_constructs.errors import Problems

#: Values nested deeper than this in a scaling resource are reported instead of read.
MAX_DEPTH: Final = 32

_NO_VALUE: Final = {"Ref": "AWS::NoValue"}
_SUB_VARIABLE: Final = re.compile(r"\$\{([^!}][^}]*)\}")
#: Arguments shown without quotes in a placeholder: no separators, brackets, quotes or outer spaces.
_BARE_ARGUMENT: Final = re.compile(r"[^\s,()\[\]{}\"]([^,()\[\]{}\"]*[^\s,()\[\]{}\"])?")


class _Invalid:
    """A value that could not be read; its problem is already recorded."""


_INVALID: Final = _Invalid()


class _Nothing:
    def __repr__(self) -> str:
        return "nothing"


#: Shown as the value of a required field that is absent.
_NOTHING: Final = _Nothing()

_SHORT: Final = reprlib.Repr()
_SHORT.maxlevel = 3
_SHORT.maxstring = 80
_SHORT.maxother = 80


class _Shown:
    """A template value in a message, abbreviated so that the message stays one short line."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return _SHORT.repr(self.value)


def is_intrinsic(value: Any) -> bool:
    """Whether ``value`` is a CloudFormation intrinsic function: ``{"Ref": ...}`` or ``{"Fn::...": ...}``."""
    if not isinstance(value, dict) or len(value) != 1:
        return False
    (name,) = value
    return isinstance(name, str) and (name == "Ref" or name.startswith("Fn::"))


def _is_no_value(value: Any) -> bool:
    return bool(value == _NO_VALUE)


def _has_placeholder(value: str) -> bool:
    return "${" in value


class _IntrinsicReader:
    """Reads intrinsic functions as text, recording every problem with its path."""

    def __init__(self) -> None:
        self.problems = Problems("template")

    def add(self, where: str, value: Any, allowed: str) -> _Invalid:
        self.problems.add(where, value if value is _NOTHING else _Shown(value), allowed)
        return _INVALID

    def too_deep(self, where: str, value: Any, depth: int) -> bool:
        if depth <= MAX_DEPTH:
            return False
        self.add(where, value, f"a value nested at most {MAX_DEPTH} levels deep")
        return True

    # Intrinsic functions as text.

    def text(self, value: Any, where: str, depth: int) -> str | _Invalid:
        """A string, or the text of an intrinsic function that yields one."""
        if self.too_deep(where, value, depth):
            return _INVALID
        if isinstance(value, str):
            return value
        if is_intrinsic(value):
            return self.function_text(value, where, depth)
        return self.add(where, value, "a string or an intrinsic function")

    def function_text(self, value: dict[str, Any], where: str, depth: int) -> str | _Invalid:
        """The text an intrinsic function renders as: its value when known, else a placeholder."""
        ((name, argument),) = value.items()
        path = f"{where}.{name}"
        if name == "Ref":
            if isinstance(argument, str) and argument:
                return "${" + argument + "}"
            return self.add(path, argument, "the name of a parameter, resource or pseudo parameter")
        if name == "Fn::GetAtt":
            return self._get_att(argument, path, depth)
        if name == "Fn::Sub":
            return self._sub(argument, path, depth)
        if name == "Fn::Join":
            return self._join(value, argument, path, depth)
        if name == "Fn::Select":
            return self._select(value, argument, path, depth)
        if name == "Fn::Split" and not (isinstance(argument, list) and len(argument) == 2):
            return self.add(path, argument, "[a delimiter string, a string to split]")
        return self.call_text(value, where, depth)

    def call_text(self, value: dict[str, Any], where: str, depth: int) -> str | _Invalid:
        """``${Function(arguments)}`` for an intrinsic function whose value is only known at deployment."""
        ((name, argument),) = value.items()
        arguments = argument if isinstance(argument, list) else [argument]
        parts = [self.argument_text(item, where, depth + 1) for item in arguments]
        if any(part is _INVALID for part in parts):
            return _INVALID
        return "${" + name.removeprefix("Fn::") + "(" + ", ".join(str(part) for part in parts) + ")}"

    def argument_text(self, value: Any, where: str, depth: int) -> str | _Invalid:
        """Any template value as text, for the arguments of a placeholder."""
        if self.too_deep(where, value, depth):
            return _INVALID
        if isinstance(value, str):
            return value if _BARE_ARGUMENT.fullmatch(value) else json.dumps(value)
        if is_intrinsic(value):
            return self.function_text(value, where, depth)
        if isinstance(value, list):
            items = [self.argument_text(item, where, depth + 1) for item in value]
            if any(item is _INVALID for item in items):
                return _INVALID
            return "[" + ", ".join(str(item) for item in items) + "]"
        if isinstance(value, dict):
            members = {key: self.argument_text(item, where, depth + 1) for key, item in value.items()}
            if any(item is _INVALID for item in members.values()):
                return _INVALID
            return "{" + ", ".join(f"{key}: {item}" for key, item in members.items()) + "}"
        return json.dumps(value)

    def _get_att(self, argument: Any, path: str, depth: int) -> str | _Invalid:
        allowed = "[a logical id, an attribute name] or 'LogicalId.Attribute'"
        if isinstance(argument, str):
            resource, dot, attribute = argument.partition(".")
            if resource and dot and attribute:
                return "${" + argument + "}"
            return self.add(path, argument, allowed)
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) and argument[0]:
            attribute_text = self.text(argument[1], path, depth + 1)
            if attribute_text is _INVALID:
                return _INVALID
            return "${" + argument[0] + "." + str(attribute_text) + "}"
        return self.add(path, argument, allowed)

    def _sub(self, argument: Any, path: str, depth: int) -> str | _Invalid:
        if isinstance(argument, str):
            return argument
        if (
            isinstance(argument, list)
            and len(argument) == 2
            and isinstance(argument[0], str)
            and isinstance(argument[1], dict)
        ):
            variables = {key: self.text(item, f"{path}[1].{key}", depth + 1) for key, item in argument[1].items()}
            if any(item is _INVALID for item in variables.values()):
                return _INVALID

            def substitute(match: re.Match[str]) -> str:
                return str(variables.get(match[1], match[0]))

            return _SUB_VARIABLE.sub(substitute, argument[0])
        return self.add(path, argument, "a string, or [a string, an object of variables]")

    def _join(self, value: dict[str, Any], argument: Any, path: str, depth: int) -> str | _Invalid:
        allowed = "[a delimiter string, a list of strings]"
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            return self.add(path, argument, allowed)
        items = self.literal_list(argument[1], f"{path}[1]", depth + 1)
        if items is None:
            return self.call_text(value, path, depth)
        if isinstance(items, _Invalid):
            return self.add(path, argument, allowed) if items is _NOT_A_LIST else _INVALID
        parts = [self.text(item, f"{path}[1][{index}]", depth + 1) for index, item in enumerate(items)]
        if any(part is _INVALID for part in parts):
            return _INVALID
        return argument[0].join(str(part) for part in parts)

    def _select(self, value: dict[str, Any], argument: Any, path: str, depth: int) -> str | _Invalid:
        allowed = "[an index, a list]"
        if not (isinstance(argument, list) and len(argument) == 2):
            return self.add(path, argument, allowed)
        index, source = argument
        items = self.literal_list(source, f"{path}[1]", depth + 1)
        if isinstance(items, _Invalid):
            return self.add(path, argument, allowed) if items is _NOT_A_LIST else _INVALID
        literal_index = _literal_index(index)
        if items is None or literal_index is None:
            if is_intrinsic(index) or literal_index is not None:
                return self.call_text(value, path, depth)
            return self.add(f"{path}[0]", index, "a whole number from 0, or an intrinsic function")
        if literal_index >= len(items):
            return self.add(f"{path}[0]", index, f"an index below {len(items)}, the length of the list")
        return self.text(items[literal_index], f"{path}[1][{literal_index}]", depth + 1)

    def literal_list(self, value: Any, where: str, depth: int) -> list[Any] | _Invalid | None:
        """The items of a list written in the template (or split from a written string).

        ``None`` when the list is only known at deployment; ``_NOT_A_LIST`` when ``value`` is
        no list at all (the caller reports it).
        """
        if self.too_deep(where, value, depth):
            return _INVALID
        if isinstance(value, list):
            return value
        if not is_intrinsic(value):
            return _NOT_A_LIST
        ((name, argument),) = value.items()
        if name != "Fn::Split":
            return None
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str) and argument[0]):
            self.add(f"{where}.Fn::Split", argument, "[a non-empty delimiter string, a string to split]")
            return _INVALID
        delimiter, source = argument
        if isinstance(source, str):
            return source.split(delimiter)
        if is_intrinsic(source):
            return None
        self.add(f"{where}.Fn::Split[1]", source, "a string or an intrinsic function")
        return _INVALID


class _NotAList(_Invalid):
    """A value given where a list goes that is no list (the caller reports it)."""


_NOT_A_LIST: Final = _NotAList()


def _literal_index(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None

"""Template values read as the API values of a shape: strings, numbers, booleans, timestamps, objects, lists."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any, Final

from mme_scaling_constructs.export.placeholders import (
    _INVALID,
    _NOT_A_LIST,
    _NOTHING,
    _has_placeholder,
    _IntrinsicReader,
    _Invalid,
    _is_no_value,
    is_intrinsic,
)
from mme_scaling_constructs.export.shapes import MAX_INT32, MIN_INT32, _List, _Object, _Scalar, _Spec

_INTEGER_TEXT: Final = re.compile(r"-?[0-9]+")
_NUMBER_TEXT: Final = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_CALENDAR_DATE: Final = re.compile(r"[0-9]{4}-?[0-9]{2}-?[0-9]{2}([T ].*)?")


class _Reader(_IntrinsicReader):
    """Reads template values into API values, recording every problem with its path."""

    def read(self, value: Any, spec: _Spec, where: str, depth: int) -> Any:
        """``value`` read as ``spec``: the API value, or ``_INVALID`` with its problem recorded."""
        if self.too_deep(where, value, depth):
            return _INVALID
        if isinstance(spec, _Scalar):
            return self._scalar(value, spec, where, depth)
        if isinstance(spec, _List):
            return self._list(value, spec, where, depth)
        return self.read_object(value, spec, where, depth)

    def _cannot_render(self, value: Any, spec: _Spec, where: str) -> _Invalid:
        return self.add(
            where,
            value,
            f"{spec.describe()} written in the template (an intrinsic function can stand only for a string, "
            "a number, a boolean or a timestamp)",
        )

    def read_object(self, value: Any, spec: _Object, where: str, depth: int) -> dict[str, Any] | _Invalid:
        if is_intrinsic(value):
            return self._cannot_render(value, spec, where)
        if not isinstance(value, dict):
            return self.add(where, value, spec.describe())
        result: dict[str, Any] = {}
        valid = True
        for key, item in value.items():
            path = f"{where}.{key}"
            member = spec.fields.get(key)
            if member is None:
                valid = False
                known = ", ".join(sorted(spec.fields)) or "none"
                self.add(path, item, f"no field of that name (fields: {known})")
                continue
            if _is_no_value(item):
                continue
            read = self.read(item, member, path, depth + 1)
            if read is _INVALID:
                valid = False
            else:
                result[key] = read
        for key in spec.required:
            if key not in value or _is_no_value(value[key]):
                valid = False
                self.add(f"{where}.{key}", _NOTHING, f"{spec.fields[key].describe()} (required)")
        return result if valid else _INVALID

    def _list(self, value: Any, spec: _List, where: str, depth: int) -> list[Any] | _Invalid:
        items = self.literal_list(value, where, depth)
        if items is None:
            return self._cannot_render(value, spec, where)
        if items is _NOT_A_LIST:
            return self.add(where, value, spec.describe())
        if isinstance(items, _Invalid):
            return _INVALID
        present = [(index, item) for index, item in enumerate(items) if not _is_no_value(item)]
        if len(present) < spec.min_items:
            return self.add(where, value, spec.describe())
        read = [self.read(item, spec.item, f"{where}[{index}]", depth + 1) for index, item in present]
        return _INVALID if any(item is _INVALID for item in read) else read

    def _scalar(self, value: Any, spec: _Scalar, where: str, depth: int) -> Any:
        if is_intrinsic(value):
            rendered = self.function_text(value, where, depth)
            if isinstance(rendered, _Invalid):
                return rendered
            value = rendered
        if spec.kind == "string":
            if isinstance(value, str) and len(value) >= spec.minimum:
                if _follows_pattern(value, spec):
                    return value
                return self.add(where, value, spec.rule or spec.describe())
        elif isinstance(value, str) and _has_placeholder(value):
            return value
        elif spec.kind == "integer":
            number = _whole_number(value)
            if number is not None and max(spec.minimum, MIN_INT32) <= number <= MAX_INT32:
                return number
        elif spec.kind == "double":
            real = _finite_number(value)
            if real is not None:
                return real
        elif spec.kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
        elif isinstance(value, str) and _is_timestamp(value):
            return value
        return self.add(where, value, spec.describe())


def _follows_pattern(value: str, spec: _Scalar) -> bool:
    """Whether ``value`` matches the pattern of ``spec`` outside its placeholders, and its length without any."""
    if spec.pattern is None:
        return True
    literal = _without_placeholders(value)
    if literal is None:
        return spec.pattern.fullmatch(value) is not None and len(value) <= (spec.max_length or len(value))
    return spec.pattern.fullmatch(literal) is not None


def _without_placeholders(text: str) -> str | None:
    """``text`` with each ``${...}`` placeholder (nested braces included) as ``x``; ``None`` without any.

    A placeholder left open is no placeholder: the text is returned as it is.
    """
    if not _has_placeholder(text):
        return None
    kept: list[str] = []
    depth = index = 0
    while index < len(text):
        if text.startswith("${", index):
            if not depth:
                kept.append("x")
            depth += 1
            index += 2
            continue
        character = text[index]
        if depth and character == "{":
            depth += 1
        elif depth and character == "}":
            depth -= 1
        elif not depth:
            kept.append(character)
        index += 1
    return text if depth else "".join(kept)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value) and len(value) <= 20:
        return int(value)
    return None


def _finite_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) <= 2**1023 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value) and len(value) <= 400:
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _is_timestamp(value: str) -> bool:
    """Whether ``value`` is an ISO 8601 calendar date and time (botocore reads no week dates)."""
    if not _CALENDAR_DATE.fullmatch(value):
        return False
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True

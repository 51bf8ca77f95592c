"""API calls rendered as AWS CLI command lines, and ``commands.sh``."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from typing import Final

from mme_scaling_constructs.export.calls import ApiCall, _has_shell_variable
from mme_scaling_constructs.export.exported import ShellVariable

#: The shell variable ``commands.sh`` sets to its own directory.
HERE_VARIABLE: Final = "here"
_FIRST_CAP: Final = re.compile(r"(.)([A-Z][a-z]+)")
_END_CAP: Final = re.compile(r"([a-z0-9])([A-Z])")
_PLURAL_ACRONYM: Final = re.compile(r"[A-Z]{2,}s\Z")


def option_name(parameter: str) -> str:
    """The AWS CLI option of an API parameter: ``--`` and its kebab case (``RoleARN`` -> ``--role-arn``)."""
    return "--" + _kebab(parameter)


def _kebab(name: str) -> str:
    """The AWS CLI name of an API name, as botocore's ``xform_name(name, "-")`` makes it."""
    acronym = _PLURAL_ACRONYM.search(name)
    if acronym is not None:
        name = f"{name[: -len(acronym.group())]}-{acronym.group().lower()}"
    return _END_CAP.sub(r"\1-\2", _FIRST_CAP.sub(r"\1-\2", name)).lower()


class _FileArgument(str):
    """A ``file://`` argument, resolved against the script's own directory."""


def command_line(call: ApiCall) -> str:
    """``call`` as an AWS CLI command line, without the shell variable that keeps its result.

    Structures go inline as compact JSON, or as ``"file://$here/<file>"`` when the call names
    a file for them; lists of strings as separate words; a shell variable in double quotes; a
    value that starts with ``-`` as ``--option=value``.
    """
    words: list[str] = ["aws", call.service, _kebab(call.operation)]
    if call.input_file is not None:
        words += ["--cli-input-json", _FileArgument(call.input_file)]
    for parameter, value in call.params.items():
        if call.input_file is not None and not _has_shell_variable(value):
            continue
        option = option_name(parameter)
        if parameter in call.files:
            words += [option, _FileArgument(call.files[parameter])]
        elif isinstance(value, bool):
            words.append(option if value else f"--no-{option[2:]}")
        elif isinstance(value, list) and value and all(isinstance(item, str) for item in value):
            words += [option, *value]
        elif isinstance(value, (dict, list)):
            words += [option, json.dumps(value, separators=(",", ":"), sort_keys=True)]
        elif str(value).startswith("-"):
            words.append(f"{option}={value}")  # the AWS CLI would read a separate "-..." word as an option
        else:
            words += [option, str(value)]
    if call.result_variable is not None:
        words += ["--query", "PolicyARN", "--output", "text"]
    return " ".join(_shell_word(word) for word in words)


def _shell_word(word: str) -> str:
    if isinstance(word, _FileArgument):
        return f'"file://${HERE_VARIABLE}/{word}"'
    if isinstance(word, ShellVariable):
        return f'"{word}"'
    return shlex.quote(word)


def script_line(call: ApiCall) -> str:
    """The line of ``commands.sh`` that makes ``call``."""
    line = command_line(call)
    return line if call.result_variable is None else f"{call.result_variable}=$({line})"


def script(calls: Sequence[ApiCall], purpose: str = "Applies the scaling of a CloudFormation template") -> str:
    """A script of the calls as AWS CLI commands, runnable from any working directory.

    Args:
        calls: the calls, in order.
        purpose: the script's first comment; defaults to the one of ``commands.sh``.
    """
    lines = [
        "#!/usr/bin/env bash",
        f"# {purpose} with the AWS CLI.",
        "# Replace each ${...} placeholder in this script and in the JSON files first: in number and",
        "# boolean slots, put a number or true/false (in JSON files, without the quotes).",
        "set -euo pipefail",
        f'{HERE_VARIABLE}=$(CDPATH="" cd -- "$(dirname -- "${{BASH_SOURCE[0]}}")" && pwd)',
    ]
    lines.extend(script_line(call) for call in calls)
    return "\n".join(lines) + "\n"

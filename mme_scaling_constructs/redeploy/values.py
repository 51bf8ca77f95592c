"""A deployed stack's values, and template values and export placeholders filled with them.

Pure: nothing here talks to AWS. Deployed values are keyed by their ``Fn::Sub`` name:
``LogicalId`` (what ``Ref`` returns), ``LogicalId.Attribute`` (what ``Fn::GetAtt`` returns),
stack parameters by name, and pseudo parameters such as ``AWS::Region``. :func:`resolve`
evaluates a template value with them (``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``,
``Fn::Select``, ``Fn::Split``); :func:`fill` fills the ``${...}`` placeholders and shell
variables of the calls :mod:`mme_scaling_constructs.export` builds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from mme_scaling_constructs.export import ShellVariable
from mme_scaling_constructs.redeploy.errors import RedeployError

#: ``${name}`` in an export placeholder.
PLACEHOLDER: Final = re.compile(r"\$\{([^}]*)\}")
#: ``${name}`` in an ``Fn::Sub`` string, and ``${!name}``, which stands for the literal ``${name}``.
SUB_VARIABLE: Final = re.compile(r"\$\{(!?)([^}]*)\}")
_STACK_ARN: Final = re.compile(r"arn:([^:]+):cloudformation:([^:]+):([0-9]{12}):stack/([^/]+)/.+")


class _Drop:
    """``Ref: AWS::NoValue``: the property or list item is left out."""


_DROP: Final = _Drop()


def pseudo_parameters(stack_id: str) -> dict[str, str]:
    """The pseudo parameters of the stack whose ARN is ``stack_id``.

    ``AWS::Partition``, ``AWS::Region``, ``AWS::AccountId``, ``AWS::StackName``, ``AWS::StackId``
    and ``AWS::URLSuffix``.

    Raises:
        RedeployError: ``stack_id`` is not a CloudFormation stack ARN.
    """
    match = _STACK_ARN.fullmatch(stack_id)
    if match is None:
        raise RedeployError("stack id", [f"got {stack_id!r}; allowed: a CloudFormation stack ARN"])
    partition, region, account, name = match.groups()
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {
        "AWS::Partition": partition,
        "AWS::Region": region,
        "AWS::AccountId": account,
        "AWS::StackName": name,
        "AWS::StackId": stack_id,
        "AWS::URLSuffix": suffix,
    }


def name_from_arn(arn: str) -> str:
    """The name at the end of a SageMaker ARN, e.g. ``my-endpoint`` of ``arn:aws:sagemaker:...:endpoint/my-endpoint``.

    Raises:
        RedeployError: ``arn`` has no ``type/name`` resource part.
    """
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    kind, slash, name = resource.partition("/")
    if not (arn.startswith("arn:") and kind and slash and name):
        raise RedeployError("ARN", [f"got {arn!r}; allowed: an ARN ending in type/name"])
    return name


# --- Template values, resolved with the deployed stack's values ---------------------------


class _Resolver:
    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = values
        self.problems: list[str] = []

    def lookup(self, key: str, path: str) -> Any:
        if key not in self.values:
            self.problems.append(f"{path}: no deployed value for {key!r}")
            return f"${{{key}}}"
        return self.values[key]

    def value(self, value: Any, path: str) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((name, argument),) = value.items()
                if name == "Ref" or (isinstance(name, str) and name.startswith("Fn::")):
                    return self.function(name, argument, path)
            resolved = {key: self.value(item, f"{path}.{key}") for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not _DROP}
        if isinstance(value, list):
            items = [self.value(item, f"{path}[{index}]") for index, item in enumerate(value)]
            return [item for item in items if item is not _DROP]
        return value

    def function(self, name: str, argument: Any, path: str) -> Any:
        where = f"{path}.{name}"
        if name == "Ref" and argument == "AWS::NoValue":
            return _DROP
        if name == "Ref" and isinstance(argument, str):
            return self.lookup(argument, where)
        if name == "Fn::GetAtt":
            if isinstance(argument, str) and "." in argument:
                return self.lookup(argument, where)
            if isinstance(argument, list) and len(argument) == 2 and all(isinstance(a, str) for a in argument):
                return self.lookup(f"{argument[0]}.{argument[1]}", where)
        if name == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            items = self.value(argument[1], f"{where}[1]")
            if isinstance(items, list):
                return argument[0].join(self.text(item, where) for item in items)
        if name == "Fn::Sub":
            return self.sub(argument, where)
        if name == "Fn::Select" and isinstance(argument, list) and len(argument) == 2:
            index, items = self.value(argument[0], f"{where}[0]"), self.value(argument[1], f"{where}[1]")
            literal = isinstance(index, (int, str)) and not isinstance(index, bool) and str(index).isdigit()
            if isinstance(items, list) and literal and int(index) < len(items):
                return items[int(index)]
        if name == "Fn::Split" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            text = self.value(argument[1], f"{where}[1]")
            if isinstance(text, str) and argument[0]:
                return text.split(argument[0])
        self.problems.append(f"{where}: cannot evaluate {argument!r}")
        return {name: argument}

    def sub(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            text, variables = argument, {}
        elif isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str):
            text, variables = argument[0], argument[1]
            if not isinstance(variables, dict):
                self.problems.append(f"{where}: cannot evaluate {argument!r}")
                return {"Fn::Sub": argument}
        else:
            self.problems.append(f"{where}: cannot evaluate {argument!r}")
            return {"Fn::Sub": argument}

        def substitute(match: re.Match[str]) -> str:
            literal, key = match.groups()
            if literal:
                return "${" + key + "}"
            if key in variables:
                return self.text(self.value(variables[key], f"{where}[1].{key}"), where)
            return self.text(self.lookup(key, where), where)

        return SUB_VARIABLE.sub(substitute, text)

    def text(self, value: Any, where: str) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (str, int, float)):
            return str(value)
        self.problems.append(f"{where}: cannot join {value!r} into a string")
        return str(value)


def resolve(value: Any, values: Mapping[str, Any], where: str = "") -> Any:
    """``value`` from a template with its intrinsic functions evaluated from ``values``.

    Args:
        value: a template value, e.g. a resource's ``Properties``.
        values: deployed values by ``Fn::Sub`` name (see the module's description).
        where: the path of ``value``, used in findings; defaults to ``""``.

    ``Ref: AWS::NoValue`` leaves its property or list item out.

    Raises:
        RedeployError: listing every function that names an unknown value or cannot be evaluated.
    """
    resolver = _Resolver(values)
    result = resolver.value(value, where)
    if resolver.problems:
        raise RedeployError("cannot resolve the template with the deployed values:", resolver.problems)
    return None if result is _DROP else result


# --- Export placeholders, filled -----------------------------------------------------------


def fill(value: Any, values: Mapping[str, Any], variables: Mapping[str, str], where: str = "") -> Any:
    """``value`` of an exported call with its placeholders filled.

    Args:
        value: call parameters from :func:`mme_scaling_constructs.export.api_calls`.
        values: deployed values by placeholder name, as :func:`resolve` takes them. A string that
            is one placeholder becomes the value itself (a number stays a number); placeholders
            inside longer strings are replaced by the value's text.
        variables: the value of each shell variable (:class:`ShellVariable`) by name, e.g. the
            ARN ``PutScalingPolicy`` returned for ``policy_arn_Upper``.
        where: the path of ``value``, used in findings; defaults to ``""``.

    Raises:
        RedeployError: listing every placeholder and shell variable that has no value.
    """
    problems: list[str] = []

    def text(match: re.Match[str], path: str) -> str:
        if match[1] not in values:
            problems.append(f"{path}: no deployed value for placeholder {match[0]!r}")
            return match[0]
        found = values[match[1]]
        return str(found).lower() if isinstance(found, bool) else str(found)

    def walk(item: Any, path: str) -> Any:
        if isinstance(item, ShellVariable):
            if item.name not in variables:
                problems.append(f"{path}: no value for shell variable {str(item)!r}")
                return str(item)
            return variables[item.name]
        if isinstance(item, str):
            whole = PLACEHOLDER.fullmatch(item)
            if whole is not None and whole[1] in values:
                return values[whole[1]]
            return PLACEHOLDER.sub(lambda match: text(match, path), item)
        if isinstance(item, dict):
            return {key: walk(member, f"{path}.{key}") for key, member in item.items()}
        if isinstance(item, list):
            return [walk(member, f"{path}[{index}]") for index, member in enumerate(item)]
        return item

    result = walk(value, where)
    if problems:
        raise RedeployError("cannot fill the exported scaling calls:", problems)
    return result


def placeholder_names(value: Any) -> set[str]:
    """The name of every ``${...}`` placeholder in ``value`` (strings, and lists and objects of them)."""
    if isinstance(value, ShellVariable):
        return set()
    if isinstance(value, str):
        return {match[1] for match in PLACEHOLDER.finditer(value)}
    if isinstance(value, dict):
        return set().union(*(placeholder_names(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(placeholder_names(item) for item in value))
    return set()

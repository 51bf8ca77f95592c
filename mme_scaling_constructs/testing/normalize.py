"""Normalize a CloudFormation template so that its snapshot changes only when the app does.

Pure Python: no CDK import, so normalizing costs no jsii call.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Collection, Mapping
from typing import Any, Final

from mme_scaling_constructs.errors import Problems

#: Parameters, rules and conditions that CDK adds for its bootstrap version and its metadata.
CDK_PARAMETERS: Final = frozenset({"BootstrapVersion"})
CDK_RULES: Final = frozenset({"CheckBootstrapVersion"})
CDK_CONDITIONS: Final = frozenset({"CDKMetadataAvailable"})
CDK_METADATA_TYPE: Final = "AWS::CDK::Metadata"
#: Resource metadata keys CDK writes: construct paths, asset paths and properties.
CDK_METADATA_PREFIXES: Final = ("aws:cdk:", "aws:asset:")
PATH_METADATA: Final = "aws:cdk:path"
#: Asset hashes: 64 hexadecimal digits (SHA-256), in S3 keys, image tags and asset paths. A
#: container image digest (``@sha256:<64 digits>``) is not one: it names the image deployed.
ASSET_HASH_PATTERN: Final = re.compile(r"(?<!sha256:)\b[0-9a-f]{64}\b")
ASSET_HASH_PLACEHOLDER: Final = "<asset hash>"
#: The logical id of a Lambda function's ``current_version``, wherever it appears: CDK appends
#: the MD5 of the function's code and configuration (32 lowercase hexadecimal digits) to the
#: id it made (``...CurrentVersion`` and its own 8 uppercase ones), so the id changes with the
#: code's content.
CODE_HASHED_LOGICAL_ID: Final = re.compile(r"(?P<id>CurrentVersion[0-9A-F]{8})[0-9a-f]{32}")
CODE_HASH_PLACEHOLDER: Final = "<code hash>"
#: A cross-stack export of such a version: CDK ends its name with 8 uppercase hexadecimal
#: digits hashed from the whole name, code hash included.
CODE_HASHED_EXPORT: Final = re.compile(
    r"(?P<name>ExportsOutput[A-Za-z0-9]*<code hash>[A-Za-z0-9]*?)[0-9A-F]{8}(?![A-Za-z0-9])"
)
EXPORT_HASH_PLACEHOLDER: Final = "<export hash>"
#: CloudFormation resource types: ``AWS::S3::Bucket``, ``Org::Service::Type::MODULE``, and
#: custom resources as CDK allows them (``Custom::`` and letters, digits, ``_``, ``@``, ``-``).
RESOURCE_TYPE_PATTERN: Final = re.compile(r"[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+){1,2}|Custom::[A-Za-z0-9_@-]+")
#: The most digits a whole number in a template may have: far past any CloudFormation value,
#: and few enough to print (Python prints no integer of more than 4300 digits).
MAX_INTEGER_DIGITS: Final = 1000
#: Nesting a template may have: far more than CloudFormation's intrinsic functions need, and
#: few enough for the recursive steps below.
MAX_DEPTH: Final = 100
TEMPLATE_RULE: Final = (
    "a CloudFormation template as JSON data: objects with string keys, lists, strings, numbers, "
    f"booleans and null, at most {MAX_DEPTH} levels deep"
)


def normalize_template(
    template: Mapping[str, Any],
    *,
    resource_types: Collection[str] | None = None,
    construct_paths: Collection[str] | None = None,
    paths: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``template`` without CDK-version noise and asset hashes, keys sorted.

    Removed: the bootstrap-version parameter and rule, CDK's metadata resource and its
    condition, CDK's resource metadata (construct and asset paths), and empty sections. Asset
    hashes become ``<asset hash>``, and the code hash in the logical id of a Lambda function's
    ``current_version`` (and in every reference to it) ``<code hash>``.

    Args:
        template: the template, as ``Template.to_json()`` or a ``*.template.json`` file gives it.
        resource_types: keep only resources of these types, e.g.
            ``["AWS::ApplicationAutoScaling::ScalingPolicy"]``; defaults to ``None`` (all).
        construct_paths: keep only resources at or under a construct whose path matches one of
            these ``fnmatch`` patterns, e.g. ``"MyStack/Mme"`` or ``"MyStack/*/Scaling"``;
            defaults to ``None`` (all). Combined with ``resource_types``, a resource must match
            both.
        paths: construct path by logical id; defaults to ``None``: read from the resources'
            ``aws:cdk:path`` metadata.

    Raises:
        ConfigurationError: for an argument of the wrong shape, or a selection that keeps no
            resource of a template that has some.
    """
    problems = Problems("normalize_template")
    _check_arguments(problems, template, resource_types, construct_paths, paths)
    problems.raise_if_any()
    known_paths = construct_paths_of(template) if paths is None else paths
    return _normalized("normalize_template", template, resource_types, construct_paths, known_paths)


def construct_paths_of(template: Mapping[str, Any]) -> dict[str, str]:
    """Construct path by logical id, from the resources' ``aws:cdk:path`` metadata."""
    resources = template.get("Resources")
    found = {}
    for logical_id, resource in resources.items() if isinstance(resources, Mapping) else ():
        metadata = resource.get("Metadata") if isinstance(resource, Mapping) else None
        path = metadata.get(PATH_METADATA) if isinstance(metadata, Mapping) else None
        if isinstance(path, str):
            found[logical_id] = path
    return found


def render_template(
    template: Mapping[str, Any],
    *,
    resource_types: Collection[str] | None = None,
    construct_paths: Collection[str] | None = None,
    paths: Mapping[str, str] | None = None,
) -> str:
    """The normalized template as text: each section, then one block per resource.

    Each resource block starts with its logical id, type and construct path (when known: a
    ``Stack`` gives them, a template dict only through ``aws:cdk:path`` metadata), so that a
    diff shows which resource changed. The arguments are those of :func:`normalize_template`.

    Raises:
        ConfigurationError: as :func:`normalize_template`.
    """
    return rendered(
        "render_template", template, resource_types=resource_types, construct_paths=construct_paths, paths=paths
    )


def rendered(
    subject: str,
    template: Any,
    *,
    resource_types: Any = None,
    construct_paths: Any = None,
    paths: Any = None,
) -> str:
    """:func:`render_template`, its errors naming ``subject`` (the caller users see)."""
    problems = Problems(subject)
    _check_arguments(problems, template, resource_types, construct_paths, paths)
    problems.raise_if_any()
    known_paths = construct_paths_of(template) if paths is None else paths
    normalized = _normalized(subject, template, resource_types, construct_paths, known_paths)
    blocks = []
    for section, content in normalized.items():
        if section != "Resources" or not isinstance(content, Mapping):
            blocks.append(f"## {section}\n{_json(content)}")
            continue
        path_of = {_stable(logical_id): path for logical_id, path in known_paths.items()}
        for logical_id, resource in content.items():
            kind = resource.get("Type", "?") if isinstance(resource, Mapping) else "?"
            path = path_of.get(logical_id)
            header = f"## {logical_id} ({kind})" + (f" {path}" if path else "")
            blocks.append(f"{header}\n{_json(resource)}")
    return "\n\n".join(blocks) + "\n"


def check_selection(problems: Problems, resource_types: Any, construct_paths: Any) -> None:
    """Record a problem unless each selection is ``None`` or a non-empty collection of its items."""
    if resource_types is not None and not _is_collection_of(resource_types, RESOURCE_TYPE_PATTERN.fullmatch):
        problems.add(
            "resource_types",
            resource_types,
            "None or a non-empty list of CloudFormation resource types, e.g. ['AWS::IAM::Role']",
        )
    if construct_paths is not None and not _is_collection_of(construct_paths, bool):
        problems.add(
            "construct_paths",
            construct_paths,
            "None or a non-empty list of fnmatch patterns of construct paths, e.g. ['MyStack/Mme/*']",
        )


def _is_collection_of(value: Any, is_item: Any) -> bool:
    return (
        isinstance(value, Collection)
        and not isinstance(value, str | bytes | Mapping)
        and len(value) > 0
        and all(isinstance(item, str) and is_item(item) for item in value)
    )


def _check_arguments(problems: Problems, template: Any, resource_types: Any, construct_paths: Any, paths: Any) -> None:
    if not isinstance(template, Mapping):
        problems.add("template", template, TEMPLATE_RULE)
    else:
        where = _first_non_json(template)
        if where is not None:
            location, value = where
            problems.add(f"template{location}", value, TEMPLATE_RULE)
    check_selection(problems, resource_types, construct_paths)
    if paths is not None and not (
        isinstance(paths, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in paths.items())
    ):
        problems.add("paths", paths, "None or a mapping of logical ids to construct paths (strings)")


def _first_non_json(template: Mapping[str, Any]) -> tuple[str, Any] | None:
    """Where ``template`` stops being JSON data, and what is there; ``None`` if it is JSON data."""
    pending: list[tuple[str, Any, int]] = [("", template, 0)]
    while pending:
        location, value, depth = pending.pop()
        if isinstance(value, Mapping | list) and depth >= MAX_DEPTH:
            return location, "<nested too deep>"
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    return location, key
                pending.append((f"{location}[{key!r}]", item, depth + 1))
        elif isinstance(value, list):
            pending.extend((f"{location}[{index}]", item, depth + 1) for index, item in enumerate(value))
        elif isinstance(value, int) and value.bit_length() > MAX_INTEGER_DIGITS * 3:
            return location, f"<a whole number of {value.bit_length()} bits>"
        elif not (value is None or isinstance(value, str | int | float)):
            return location, value
    return None


def _normalized(
    subject: str,
    template: Mapping[str, Any],
    resource_types: Collection[str] | None,
    construct_paths: Collection[str] | None,
    paths: Mapping[str, str],
) -> dict[str, Any]:
    problems = Problems(subject)
    has_resources = _has_resources(template)
    if construct_paths is not None and has_resources and not paths:
        problems.add(
            "construct_paths",
            construct_paths,
            "None for a template without construct paths (snapshot the Stack, or synthesize with "
            "aws:cdk:path metadata, as cdk synth does)",
        )
        problems.raise_if_any()
    normalized: dict[str, Any] = {}
    for section, content in template.items():
        if section == "Resources" and isinstance(content, Mapping):
            original = content
            content = {
                logical_id: _without_cdk_metadata(resource)
                for logical_id, resource in content.items()
                if _is_kept(resource, paths.get(logical_id), resource_types, construct_paths)
            }
            if not content and (resource_types is not None or construct_paths is not None) and has_resources:
                _refuse_empty_selection(problems, original, paths, resource_types, construct_paths)
        elif section == "Parameters" and isinstance(content, Mapping):
            content = {key: value for key, value in content.items() if key not in CDK_PARAMETERS}
        elif section == "Rules" and isinstance(content, Mapping):
            content = {key: value for key, value in content.items() if key not in CDK_RULES}
        elif section == "Conditions" and isinstance(content, Mapping):
            content = {key: value for key, value in content.items() if key not in CDK_CONDITIONS}
        if content in ({}, []):
            continue
        normalized[section] = _stable_value(content)
    result: dict[str, Any] = _sorted(normalized)
    return result


def _has_resources(template: Mapping[str, Any]) -> bool:
    resources = template.get("Resources")
    return isinstance(resources, Mapping) and any(
        not (isinstance(resource, Mapping) and resource.get("Type") == CDK_METADATA_TYPE)
        for resource in resources.values()
    )


def _refuse_empty_selection(
    problems: Problems,
    resources: Mapping[str, Any],
    paths: Mapping[str, str],
    resource_types: Any,
    construct_paths: Any,
) -> None:
    if resource_types is not None:
        types = sorted(
            {r["Type"] for r in resources.values() if isinstance(r, Mapping) and isinstance(r.get("Type"), str)}
        )
        problems.add(
            "resource_types", resource_types, f"types of the template's resources: {', '.join(types) or 'none'}"
        )
    if construct_paths is not None:
        examples = ", ".join(sorted(paths.values())[:3])
        problems.add(
            "construct_paths", construct_paths, f"patterns matching a resource's construct path, e.g. {examples}"
        )
    problems.raise_if_any()


def _is_kept(resource: Any, path: str | None, types: Collection[str] | None, patterns: Collection[str] | None) -> bool:
    if not isinstance(resource, Mapping):
        return types is None and patterns is None
    kind = resource.get("Type")
    if kind == CDK_METADATA_TYPE:
        return False
    if types is not None and not (isinstance(kind, str) and kind in types):
        return False
    if patterns is not None:
        return path is not None and any(_is_at_or_under(path, pattern) for pattern in patterns)
    return True


def _is_at_or_under(path: str, pattern: str) -> bool:
    pattern = pattern.rstrip("/") or pattern
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, f"{pattern}/*")


def _without_cdk_metadata(resource: Any) -> Any:
    if not isinstance(resource, Mapping) or not isinstance(resource.get("Metadata"), Mapping):
        return resource
    metadata = {key: value for key, value in resource["Metadata"].items() if not key.startswith(CDK_METADATA_PREFIXES)}
    kept = {key: value for key, value in resource.items() if key != "Metadata"}
    return {**kept, "Metadata": metadata} if metadata else kept


def _stable(text: str) -> str:
    """``text`` with asset hashes, and the code hashes of Lambda versions and their exports, replaced."""
    text = ASSET_HASH_PATTERN.sub(ASSET_HASH_PLACEHOLDER, text)
    if "CurrentVersion" in text:
        text = CODE_HASHED_LOGICAL_ID.sub(rf"\g<id>{CODE_HASH_PLACEHOLDER}", text)
        text = CODE_HASHED_EXPORT.sub(rf"\g<name>{EXPORT_HASH_PLACEHOLDER}", text)
    return text


def _stable_value(value: Any) -> Any:
    """``value`` with every string :func:`_stable`; keys that become equal are numbered, not merged."""
    if isinstance(value, str):
        return _stable(value)
    if isinstance(value, Mapping):
        stable: dict[str, Any] = {}
        for key in sorted(value):
            new_key = _stable(key)
            if new_key in stable:
                new_key = next(f"{new_key} #{n}" for n in range(2, len(value) + 2) if f"{new_key} #{n}" not in stable)
            stable[new_key] = _stable_value(value[key])
        return stable
    if isinstance(value, list):
        return [_stable_value(item) for item in value]
    return value


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)

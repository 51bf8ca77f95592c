"""Normalize a CloudFormation template so that its snapshot changes only when the app does.

Pure Python: no CDK import, so normalizing costs no jsii call.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Collection, Mapping
from typing import Any, Final

#: Parameters, rules and conditions that CDK adds for its bootstrap version and its metadata.
CDK_PARAMETERS: Final = frozenset({"BootstrapVersion"})
CDK_RULES: Final = frozenset({"CheckBootstrapVersion"})
CDK_CONDITIONS: Final = frozenset({"CDKMetadataAvailable"})
CDK_METADATA_TYPE: Final = "AWS::CDK::Metadata"
#: Resource metadata keys CDK writes: construct paths, asset paths and properties.
CDK_METADATA_PREFIXES: Final = ("aws:cdk:", "aws:asset:")
PATH_METADATA: Final = "aws:cdk:path"
#: Asset hashes: 64 hexadecimal digits (SHA-256), in S3 keys, image tags and asset paths.
ASSET_HASH_PATTERN: Final = re.compile(r"\b[0-9a-f]{64}\b")
ASSET_HASH_PLACEHOLDER: Final = "<asset hash>"


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
    hashes become ``<asset hash>``.

    Args:
        template: the template, as ``Template.to_json()`` or a ``*.template.json`` file gives it.
        resource_types: keep only resources of these types; defaults to ``None`` (all).
        construct_paths: keep only resources whose construct path matches one of these
            ``fnmatch`` patterns, e.g. ``"MyStack/Mme/*"``; defaults to ``None`` (all).
            Combined with ``resource_types``, a resource must match both.
        paths: construct path by logical id; defaults to ``None``: read from the resources'
            ``aws:cdk:path`` metadata.
    """
    known_paths = construct_paths_of(template) if paths is None else paths
    normalized: dict[str, Any] = {}
    for section, content in template.items():
        if section == "Resources" and isinstance(content, Mapping):
            content = {
                logical_id: _without_cdk_metadata(resource)
                for logical_id, resource in content.items()
                if _is_kept(resource, known_paths.get(logical_id), resource_types, construct_paths)
            }
        elif section == "Parameters" and isinstance(content, Mapping):
            content = {key: value for key, value in content.items() if key not in CDK_PARAMETERS}
        elif section == "Rules" and isinstance(content, Mapping):
            content = {key: value for key, value in content.items() if key not in CDK_RULES}
        elif section == "Conditions" and isinstance(content, Mapping):
            content = {key: value for key, value in content.items() if key not in CDK_CONDITIONS}
        if content in ({}, []):
            continue
        normalized[section] = _without_hashes(content)
    result: dict[str, Any] = _sorted(normalized)
    return result


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

    Each resource block starts with its logical id, type and construct path (when known), so
    that a diff shows which resource changed. The arguments are those of
    :func:`normalize_template`.
    """
    paths = construct_paths_of(template) if paths is None else paths
    normalized = normalize_template(
        template, resource_types=resource_types, construct_paths=construct_paths, paths=paths
    )
    blocks = []
    for section, content in normalized.items():
        if section != "Resources" or not isinstance(content, Mapping):
            blocks.append(f"## {section}\n{_json(content)}")
            continue
        for logical_id, resource in content.items():
            kind = resource.get("Type", "?") if isinstance(resource, Mapping) else "?"
            path = paths.get(logical_id)
            header = f"## {logical_id} ({kind})" + (f" {path}" if path else "")
            blocks.append(f"{header}\n{_json(resource)}")
    return "\n\n".join(blocks) + "\n"


def _is_kept(resource: Any, path: str | None, types: Collection[str] | None, patterns: Collection[str] | None) -> bool:
    if not isinstance(resource, Mapping):
        return True
    if resource.get("Type") == CDK_METADATA_TYPE:
        return False
    if types is not None and resource.get("Type") not in types:
        return False
    if patterns is not None:
        return path is not None and any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)
    return True


def _without_cdk_metadata(resource: Any) -> Any:
    if not isinstance(resource, Mapping) or not isinstance(resource.get("Metadata"), Mapping):
        return resource
    metadata = {key: value for key, value in resource["Metadata"].items() if not key.startswith(CDK_METADATA_PREFIXES)}
    kept = {key: value for key, value in resource.items() if key != "Metadata"}
    return {**kept, "Metadata": metadata} if metadata else kept


def _without_hashes(value: Any) -> Any:
    if isinstance(value, str):
        return ASSET_HASH_PATTERN.sub(ASSET_HASH_PLACEHOLDER, value)
    if isinstance(value, Mapping):
        return {_without_hashes(key): _without_hashes(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_hashes(item) for item in value]
    return value


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)

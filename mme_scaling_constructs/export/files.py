"""Writing the export: JSON documents and ``commands.sh``, with a manifest of the files written."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from mme_scaling_constructs.export.calls import ApiCall, api_calls, deregister_calls
from mme_scaling_constructs.export.command_lines import script
from mme_scaling_constructs.export.names import DEREGISTER_SCRIPT_NAME, MANIFEST_NAME, SCRIPT_NAME
from mme_scaling_constructs.export.template import scaling_in_template

#: The ``writtenBy`` value of the manifest.
MANIFEST_MARKER: Final = "mme-scaling export"


class OutputConflict(Exception):
    """``export`` would overwrite or follow a file it did not write."""


@dataclass(frozen=True, kw_only=True)
class ExportPlan:
    """What ``export`` writes for a template.

    Args:
        calls: the API calls, in the order ``commands.sh`` makes them.
        documents: each JSON document, by file name.
        script: the text of ``commands.sh``.
        deregister_calls: the calls that remove the scaling, in ``deregister.sh``.
        deregister_script: the text of ``deregister.sh``.
    """

    calls: tuple[ApiCall, ...]
    documents: dict[str, Any]
    script: str
    deregister_calls: tuple[ApiCall, ...] = ()
    deregister_script: str = ""

    def files(self) -> dict[str, str]:
        """The text of every file, by name: the JSON documents, ``commands.sh`` and ``deregister.sh``."""
        texts = {
            name: json.dumps(document, indent=2, sort_keys=True) + "\n" for name, document in self.documents.items()
        }
        texts[SCRIPT_NAME] = self.script
        texts[DEREGISTER_SCRIPT_NAME] = self.deregister_script
        return texts


def plan_export(template: Any) -> ExportPlan:
    """The calls, JSON documents and script that export ``template``.

    Raises:
        ConfigurationError: listing every problem of the template.
    """
    targets = scaling_in_template(template)
    calls = api_calls(targets)
    removals = deregister_calls(targets)
    documents = {name: document for call in calls for name, document in call.documents().items()}
    return ExportPlan(
        calls=tuple(calls),
        documents=documents,
        script=script(calls),
        deregister_calls=tuple(removals),
        deregister_script=script(
            removals,
            "Removes the scaling of a CloudFormation template (its targets, policies and scheduled actions)",
        ),
    )


def write_export(template: Any, out_dir: Path) -> list[Path]:
    """Write each JSON document and ``commands.sh`` into ``out_dir``; return the files written.

    ``out_dir`` is created if needed. A manifest, ``mme-scaling-export.json``, lists the files
    export wrote: only those are overwritten, and those an earlier export wrote that this one
    does not are removed. Nothing is written outside ``out_dir`` and no symbolic link is followed.

    Raises:
        ConfigurationError: listing every problem of the template; nothing is written.
        OutputConflict: naming a file in ``out_dir`` that export did not write, or a symbolic
            link, where export would write; nothing is written.
        OSError: when ``out_dir`` cannot be created or written.
    """
    texts = plan_export(template).files()
    previous = _previous_files(out_dir)
    for name in texts:
        _check_writable(out_dir / name, name in previous)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / MANIFEST_NAME
    existing = {name for name in previous if (out_dir / name).exists()}
    _write(manifest, _manifest_text(sorted(existing | set(texts))))
    written = []
    for name, text in texts.items():
        path = out_dir / name
        _write(path, text)
        written.append(path)
    for name in (SCRIPT_NAME, DEREGISTER_SCRIPT_NAME):
        (out_dir / name).chmod(0o755)
    for name in sorted(previous - set(texts)):
        stale = out_dir / name
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
    _write(manifest, _manifest_text(list(texts)))
    return [*written, manifest]


def _manifest_text(names: Sequence[str]) -> str:
    return json.dumps({"writtenBy": MANIFEST_MARKER, "files": list(names)}, indent=2) + "\n"


def _previous_files(out_dir: Path) -> set[str]:
    """The files an earlier export wrote into ``out_dir``, read from its manifest."""
    manifest = out_dir / MANIFEST_NAME
    if not manifest.exists() and not manifest.is_symlink():
        return set()
    _check_writable(manifest, True)
    refusal = f"{manifest}: exists and is not a manifest of mme-scaling export; move it away or choose another --out"
    try:
        document = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise OutputConflict(refusal) from None
    if (
        not isinstance(document, dict)
        or document.get("writtenBy") != MANIFEST_MARKER
        or not isinstance(names := document.get("files"), list)
        or not all(isinstance(name, str) and _is_own_file_name(name) for name in names)
    ):
        raise OutputConflict(refusal)
    return set(names)


def _is_own_file_name(name: str) -> bool:
    """Whether ``name`` is a name export writes: a safe stem with ``.json``, or the script."""
    return name in (SCRIPT_NAME, DEREGISTER_SCRIPT_NAME) or (
        name.endswith(".json")
        and name != MANIFEST_NAME
        and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name.removesuffix(".json")) is not None
    )


def _check_writable(path: Path, written_before: bool) -> None:
    if path.is_symlink():
        raise OutputConflict(f"{path}: is a symbolic link; export does not write through links")
    if path.exists() and (not written_before or not path.is_file()):
        raise OutputConflict(
            f"{path}: exists and was not written by mme-scaling export (it is not in {MANIFEST_NAME}); "
            "move it away or choose another --out"
        )


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` without following a symbolic link."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o644)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)

"""The names export gives its files and shell variables: unique, and safe in paths and scripts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

#: The script export writes, and the manifest listing every file it wrote.
SCRIPT_NAME: Final = "commands.sh"
#: The script that removes the scaling, before an instance-type change.
DEREGISTER_SCRIPT_NAME: Final = "deregister.sh"
MANIFEST_NAME: Final = "mme-scaling-export.json"
#: File names are cut to this many characters before ``.json``.
MAX_STEM_LENGTH: Final = 100
_UNSAFE_IN_FILE_NAMES: Final = re.compile(r"[^A-Za-z0-9_-]+")
_UNSAFE_IN_VARIABLES: Final = re.compile(r"[^A-Za-z0-9_]+")


@dataclass
class _Names:
    """Unique, safe names: never a path separator, ``..``, a leading dot or dash, or a reserved name."""

    pattern: re.Pattern[str]
    separator: str
    taken: set[str] = field(default_factory=set)

    def allocate(self, wanted: str, fallback: str) -> str:
        stem = self.pattern.sub("_", wanted).strip("_-")[:MAX_STEM_LENGTH] or fallback
        candidate, number = stem, 1
        while candidate.lower() in self.taken:
            number += 1
            candidate = f"{stem}{self.separator}{number}"
        self.taken.add(candidate.lower())
        return candidate

"""Snapshot testing of synthesized templates, for the apps that use the constructs.

``TemplateSnapshotExtension`` is a syrupy extension that stores a template normalized for
review: CDK-version noise and asset hashes removed, keys sorted, one resource per block. The
``template_snapshot`` pytest fixture (installed with the package as a pytest plugin) is
``snapshot.use_extension(TemplateSnapshotExtension)``. Needs the ``testing`` extra
(``pip install mme-scaling-constructs[testing]``): syrupy and pytest. syrupy is imported when
``TemplateSnapshotExtension`` is first used, so the plugin costs a test session without the
extra nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mme_scaling_constructs.testing.normalize import normalize_template, render_template

if TYPE_CHECKING:
    from mme_scaling_constructs.testing.extension import TemplateSnapshotExtension

__all__ = ["TemplateSnapshotExtension", "normalize_template", "render_template"]


def __getattr__(name: str) -> Any:
    """``TemplateSnapshotExtension``, imported with syrupy on first use."""
    if name == "TemplateSnapshotExtension":
        from mme_scaling_constructs.testing.extension import TemplateSnapshotExtension

        return TemplateSnapshotExtension
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

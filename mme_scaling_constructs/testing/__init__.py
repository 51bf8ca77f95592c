"""Snapshot testing of synthesized templates, for the apps that use the constructs.

``TemplateSnapshotExtension`` is a syrupy extension that stores a template normalized for
review: CDK-version noise and asset hashes removed, keys sorted, one resource per block. The
``template_snapshot`` pytest fixture (installed with the package as a pytest plugin) is
``snapshot.use_extension(TemplateSnapshotExtension)``. Needs the ``testing`` extra
(``pip install mme-scaling-constructs[testing]``): syrupy and pytest.
"""

from __future__ import annotations

from mme_scaling_constructs.testing.extension import TemplateSnapshotExtension
from mme_scaling_constructs.testing.normalize import normalize_template, render_template

__all__ = ["TemplateSnapshotExtension", "normalize_template", "render_template"]

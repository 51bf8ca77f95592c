"""The pytest plugin the package installs: an opt-in ``template_snapshot`` fixture.

Loading the plugin imports neither syrupy nor the CDK; they load when a test asks for the fixture.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def template_snapshot(snapshot: Any) -> Any:
    """Syrupy's ``snapshot`` fixture with :class:`TemplateSnapshotExtension`: ``assert stack == template_snapshot``."""
    from mme_scaling_constructs.testing.extension import TemplateSnapshotExtension

    return snapshot.use_extension(TemplateSnapshotExtension)

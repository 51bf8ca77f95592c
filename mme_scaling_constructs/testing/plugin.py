"""The pytest plugin the package installs: an opt-in ``template_snapshot`` fixture.

Loading the plugin imports neither syrupy nor the CDK; they load when a test asks for the
fixture. Without syrupy (the ``testing`` extra), only the tests that ask for it fail, saying so.
"""

from __future__ import annotations

from typing import Any, Final

import pytest

#: Why ``template_snapshot`` cannot work without syrupy, and the fix.
MISSING_SYRUPY: Final = (
    "template_snapshot needs syrupy: pip install 'mme-scaling-constructs[testing]' (syrupy and pytest)"
)


@pytest.fixture
def template_snapshot(request: pytest.FixtureRequest) -> Any:
    """Syrupy's ``snapshot`` fixture with :class:`TemplateSnapshotExtension`: ``assert stack == template_snapshot``."""
    try:
        from mme_scaling_constructs.testing.extension import TemplateSnapshotExtension
    except ImportError as error:
        missing = f"{MISSING_SYRUPY} ({error})"
    else:
        return request.getfixturevalue("snapshot").use_extension(TemplateSnapshotExtension)
    pytest.fail(missing, pytrace=False)

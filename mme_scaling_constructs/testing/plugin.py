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
#: Why ``template_snapshot`` cannot work when syrupy's plugin is not loaded, and the fix.
MISSING_SYRUPY_PLUGIN: Final = (
    "template_snapshot needs syrupy's snapshot fixture: load its plugin too (pytest -p syrupy), "
    "as PYTEST_DISABLE_PLUGIN_AUTOLOAD or -p no:syrupy leaves it out"
)


@pytest.fixture
def template_snapshot(request: pytest.FixtureRequest) -> Any:
    """Syrupy's ``snapshot`` fixture with :class:`TemplateSnapshotExtension`: ``assert stack == template_snapshot``."""
    try:
        from mme_scaling_constructs.testing.extension import TemplateSnapshotExtension
    except ImportError as error:
        problem = f"{MISSING_SYRUPY} ({error})"
    else:
        try:
            snapshot = request.getfixturevalue("snapshot")
        except pytest.FixtureLookupError:
            problem = MISSING_SYRUPY_PLUGIN
        else:
            return snapshot.use_extension(TemplateSnapshotExtension)
    pytest.fail(problem, pytrace=False)

"""The README's Python examples run as written."""

import inspect
import re
from pathlib import Path

import aws_cdk as cdk
import pytest

from mme_scaling_constructs.testing import TemplateSnapshotExtension

README = Path(__file__).parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)
EXAMPLE_POLICY = (
    '{"TargetValue": 70.0, "PredefinedMetricSpecification": '
    '{"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}}'
)


def test_readme_has_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_example_runs(block, tmp_path, monkeypatch, synth):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policy.json").write_text(EXAMPLE_POLICY)
    namespace: dict[str, object] = {}
    exec(compile(block, str(README), "exec"), namespace)
    stack_classes = [
        value
        for value in namespace.values()
        if isinstance(value, type) and issubclass(value, cdk.Stack) and value is not cdk.Stack
    ]
    for stack_class in stack_classes:  # the quick start's stack has two endpoints
        stack = stack_class(cdk.App(), "ReadmeExample")
        synth(stack).resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 2)
    for name, value in namespace.items():  # a snapshot test users copy: run it against a recorder
        if name.startswith("test_") and callable(value):
            recorder = SnapshotRecorder()
            if "snapshot" in inspect.signature(value).parameters:  # syrupy's own fixture, given the extension
                value(snapshot=recorder.with_extension)
            else:
                value(template_snapshot=recorder)
            assert recorder.recorded.startswith("## ")


class SnapshotRecorder:
    """Stands in for the template_snapshot fixture: records what the test asserts."""

    recorded = ""

    def with_extension(self, extension_class):
        """What ``snapshot(extension_class=...)`` returns: this recorder, for the package's extension only."""
        assert extension_class is TemplateSnapshotExtension
        return self

    def __eq__(self, other):
        self.recorded = TemplateSnapshotExtension().serialize(other)
        return True

    __hash__ = None

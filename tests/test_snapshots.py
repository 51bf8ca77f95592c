"""Snapshots of each preset's template: a second line behind the unit assertions.

Stored with the package's own TemplateSnapshotExtension (through the template_snapshot
fixture), so they hold only what the constructs decide, not CDK-version noise.
"""

import pytest

from mme_scaling_constructs import MultiModelEndpoint, ScalingPreset
from tests.conftest import CPU_IMAGE, GPU_IMAGE, MODEL_DATA_URL


@pytest.mark.parametrize(
    ("image_uri", "instance_type", "preset"),
    [
        (CPU_IMAGE, "ml.c5.xlarge", ScalingPreset.cpu(min_capacity=2, max_capacity=6)),
        (GPU_IMAGE, "ml.g5.xlarge", ScalingPreset.gpu(min_capacity=2, max_capacity=4)),
    ],
    ids=["cpu", "gpu"],
)
def test_preset(stack, synth, template_snapshot, image_uri, instance_type, preset):
    MultiModelEndpoint(
        stack, "Mme", image_uri=image_uri, model_data_url=MODEL_DATA_URL, instance_type=instance_type, scaling=preset
    )
    synth(stack)
    assert stack == template_snapshot

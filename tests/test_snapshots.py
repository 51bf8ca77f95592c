"""Snapshots of each preset's resources: a second line behind the unit assertions.

Only ``Resources`` is kept: the bootstrap parameter and rule belong to the CDK release.
"""

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

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
def test_preset(stack, synth, snapshot, image_uri, instance_type, preset):
    MultiModelEndpoint(
        stack, "Mme", image_uri=image_uri, model_data_url=MODEL_DATA_URL, instance_type=instance_type, scaling=preset
    )
    assert synth(stack).to_json()["Resources"] == snapshot.use_extension(JSONSnapshotExtension)

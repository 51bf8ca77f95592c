import pytest

from mme_scaling_constructs import INSTANCE_TYPES, MME_GPU_INSTANCE_TYPES, MmeSupport
from mme_scaling_constructs.instance_catalogue import is_well_formed, lookup

# The single-GPU types the SageMaker MME page lists.
DOCUMENTED_MME_GPU_TYPES = {
    "ml.p2.xlarge",
    "ml.p3.2xlarge",
    *(f"ml.g4dn.{size}" for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")),
    *(f"ml.g5.{size}" for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")),
}


def test_mme_gpu_types_are_exactly_the_documented_single_gpu_types():
    assert set(MME_GPU_INSTANCE_TYPES) == DOCUMENTED_MME_GPU_TYPES
    assert all(INSTANCE_TYPES[name].gpus == 1 for name in MME_GPU_INSTANCE_TYPES)


@pytest.mark.parametrize(
    ("instance_type", "vcpus", "memory_gib", "gpus", "local_nvme"),
    [
        ("ml.c5.xlarge", 4, 8, 0, False),
        ("ml.m5.4xlarge", 16, 64, 0, False),
        ("ml.r5d.2xlarge", 8, 64, 0, True),
        ("ml.c5.9xlarge", 36, 72, 0, False),
        ("ml.g4dn.xlarge", 4, 16, 1, True),
        ("ml.g5.16xlarge", 64, 256, 1, True),
        ("ml.p3.2xlarge", 8, 61, 1, False),
        ("ml.g5.48xlarge", 192, 768, 8, True),
        ("ml.c6g.medium", 1, 2, 0, False),
    ],
)
def test_hardware_matches_ec2_documentation(instance_type, vcpus, memory_gib, gpus, local_nvme):
    spec = lookup(instance_type)
    assert spec is not None
    assert (spec.vcpus, spec.memory_gib, spec.gpus, spec.local_nvme) == (vcpus, memory_gib, gpus, local_nvme)


@pytest.mark.parametrize(
    "instance_type", ["ml.g4dn.12xlarge", "ml.g5.12xlarge", "ml.p3.8xlarge", "ml.p4d.24xlarge", "ml.inf2.xlarge"]
)
def test_multi_gpu_and_inferentia_types_are_unsupported(instance_type):
    assert INSTANCE_TYPES[instance_type].mme_support is MmeSupport.UNSUPPORTED


def test_every_cpu_type_is_supported_and_only_t_families_are_burstable():
    cpu_types = [spec for spec in INSTANCE_TYPES.values() if not spec.is_gpu and spec.family[:3] != "inf"]
    assert cpu_types
    assert all(spec.mme_support is MmeSupport.CPU for spec in cpu_types)
    assert {spec.family for spec in INSTANCE_TYPES.values() if spec.is_burstable} == {"t2", "t3"}


def test_multi_gpu_types_are_never_supported():
    assert all(spec.mme_support is MmeSupport.UNSUPPORTED for spec in INSTANCE_TYPES.values() if spec.gpus > 1)


@pytest.mark.parametrize(
    ("name", "well_formed"),
    [("ml.c5.xlarge", True), ("c5.xlarge", False), ("ml.c5", False), ("ml.C5.xlarge", False), ("", False)],
)
def test_instance_type_form(name, well_formed):
    assert is_well_formed(name) is well_formed


def test_catalogue_is_read_only():
    with pytest.raises(TypeError):
        INSTANCE_TYPES["ml.x.large"] = INSTANCE_TYPES["ml.c5.large"]  # type: ignore[index]

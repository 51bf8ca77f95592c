import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mme_scaling_constructs import INSTANCE_TYPES, MME_GPU_INSTANCE_TYPES, ConfigurationError, InstanceSpec, MmeSupport
from mme_scaling_constructs.instance_catalogue import is_well_formed, lookup

# The single-GPU types the SageMaker MME page lists, in the order the catalogue keeps.
DOCUMENTED_MME_GPU_TYPES = (
    *(f"ml.g4dn.{size}" for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")),
    *(f"ml.g5.{size}" for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")),
    "ml.p2.xlarge",
    "ml.p3.2xlarge",
)

# Families whose accelerators are not GPUs: Inferentia, Trainium, Gaudi.
NON_GPU_ACCELERATOR_FAMILIES = {"inf1", "inf2", "trn1", "trn1n", "trn2", "dl1"}

FIELDS = [field.name for field in dataclasses.fields(InstanceSpec)]
MAX_COUNT = 2**31 - 1


def test_mme_gpu_types_are_exactly_the_documented_single_gpu_types_in_order():
    assert MME_GPU_INSTANCE_TYPES == DOCUMENTED_MME_GPU_TYPES
    assert all(INSTANCE_TYPES[name].gpus == 1 for name in MME_GPU_INSTANCE_TYPES)


# vCPUs, memory, GPUs and NVMe instance store as the EC2 instance type specifications give them.
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
        ("ml.c6g.large", 2, 4, 0, False),
        ("ml.c4.large", 2, 3.75, 0, False),
        ("ml.c4.8xlarge", 36, 60, 0, False),
        ("ml.t2.medium", 2, 4, 0, False),
        ("ml.t2.large", 2, 8, 0, False),
        ("ml.t2.xlarge", 4, 16, 0, False),
        ("ml.t2.2xlarge", 8, 32, 0, False),
        ("ml.m4.10xlarge", 40, 160, 0, False),
        ("ml.c6in.32xlarge", 128, 256, 0, False),
        ("ml.c8g.medium", 1, 2, 0, False),
        ("ml.m8g.48xlarge", 192, 768, 0, False),
        ("ml.r8g.medium", 1, 8, 0, False),
        ("ml.r7gd.medium", 1, 8, 0, True),
        ("ml.m6gd.large", 2, 8, 0, True),
        ("ml.r7i.48xlarge", 192, 1536, 0, False),
        ("ml.g6e.xlarge", 4, 32, 1, True),
        ("ml.g7e.12xlarge", 48, 512, 2, True),
        ("ml.p4d.24xlarge", 96, 1152, 8, True),
        ("ml.p5.4xlarge", 16, 256, 1, True),
        ("ml.p6-b300.48xlarge", 192, 4096, 8, True),
        ("ml.p6e-gb200.36xlarge", 144, 960, 4, True),
        ("ml.inf1.6xlarge", 24, 48, 0, False),
        ("ml.inf2.48xlarge", 192, 768, 0, False),
        ("ml.trn1.2xlarge", 8, 32, 0, True),
        ("ml.trn2.48xlarge", 192, 2048, 0, True),
        ("ml.dl1.24xlarge", 96, 768, 0, True),
    ],
)
def test_hardware_matches_ec2_documentation(instance_type, vcpus, memory_gib, gpus, local_nvme):
    spec = lookup(instance_type)
    assert spec is not None
    assert (spec.vcpus, spec.memory_gib, spec.gpus, spec.local_nvme) == (vcpus, memory_gib, gpus, local_nvme)


# Not in botocore's ProductionVariantInstanceType: CreateEndpointConfig rejects them (cfn-lint E3030).
@pytest.mark.parametrize(
    "instance_type",
    [
        "ml.m7g.large",
        "ml.m7g.16xlarge",
        "ml.r7g.large",
        "ml.r7g.16xlarge",
        *(f"ml.{family}.medium" for family in ("c6g", "c6gd", "c6gn", "m6g", "m6gd", "r6g", "r6gd", "c7g")),
        "ml.t3.medium",
        "ml.t3.2xlarge",
    ],
)
def test_types_sagemaker_hosting_rejects_are_not_catalogued(instance_type):
    assert lookup(instance_type) is None


# In botocore's ProductionVariantInstanceType, so CreateEndpointConfig accepts them.
@pytest.mark.parametrize(
    "instance_type",
    [
        "ml.c6in.large",
        "ml.c6in.32xlarge",
        "ml.c8g.medium",
        "ml.c8g.48xlarge",
        "ml.m8g.medium",
        "ml.m8g.48xlarge",
        "ml.r8g.medium",
        "ml.r8g.48xlarge",
        "ml.r7gd.medium",
        "ml.r7gd.16xlarge",
    ],
)
def test_hosting_types_are_catalogued_as_cpu_types(instance_type):
    spec = lookup(instance_type)
    assert spec is not None
    assert spec.mme_support is MmeSupport.CPU


@pytest.mark.parametrize(
    "instance_type",
    [
        "ml.g4dn.12xlarge",
        "ml.g5.12xlarge",
        "ml.p3.8xlarge",
        "ml.p4d.24xlarge",
        "ml.g6.xlarge",
        "ml.g6e.xlarge",
        "ml.g7.2xlarge",
        "ml.g7e.2xlarge",
        "ml.p5.4xlarge",
        "ml.inf1.xlarge",
        "ml.inf2.xlarge",
        "ml.trn1.2xlarge",
        "ml.trn2.48xlarge",
        "ml.dl1.24xlarge",
    ],
)
def test_multi_gpu_unlisted_gpu_and_other_accelerator_types_are_unsupported(instance_type):
    assert INSTANCE_TYPES[instance_type].mme_support is MmeSupport.UNSUPPORTED


def test_non_gpu_accelerators_count_no_gpus_and_are_unsupported():
    accelerated = [spec for spec in INSTANCE_TYPES.values() if spec.family in NON_GPU_ACCELERATOR_FAMILIES]
    assert {spec.family for spec in accelerated} == NON_GPU_ACCELERATOR_FAMILIES
    assert all(spec.gpus == 0 and spec.mme_support is MmeSupport.UNSUPPORTED for spec in accelerated)


def test_cpu_support_means_no_gpu_and_only_t2_is_burstable():
    cpu_types = [spec for spec in INSTANCE_TYPES.values() if spec.mme_support is MmeSupport.CPU]
    assert len(cpu_types) == 207
    assert all(spec.gpus == 0 and spec.family not in NON_GPU_ACCELERATOR_FAMILIES for spec in cpu_types)
    assert {spec.family for spec in INSTANCE_TYPES.values() if spec.is_burstable} == {"t2"}


def test_multi_gpu_types_are_never_supported():
    assert all(spec.mme_support is MmeSupport.UNSUPPORTED for spec in INSTANCE_TYPES.values() if spec.gpus > 1)


def test_every_entry_is_keyed_by_its_name_and_fully_known():
    for name, spec in INSTANCE_TYPES.items():
        assert spec.instance_type == name
        assert spec.memory_gib is not None
        assert spec.memory_gib > 0


@pytest.mark.parametrize(
    ("name", "well_formed"),
    [
        ("ml.c5.xlarge", True),
        ("ml.p6-b200.48xlarge", True),
        ("ml.p6e-gb200.36xlarge", True),
        ("c5.xlarge", False),
        ("ml.c5", False),
        ("ml.C5.xlarge", False),
        ("", False),
        ("ml.c5.xlarge\n", False),
        ("ml.c5-.xlarge", False),
        ("ml.c5.xlarge.extra", False),
        (None, False),
        (["ml.c5.xlarge"], False),
    ],
)
def test_instance_type_form(name, well_formed):
    assert is_well_formed(name) is well_formed


def test_catalogue_is_read_only():
    with pytest.raises(TypeError):
        INSTANCE_TYPES["ml.x.large"] = INSTANCE_TYPES["ml.c5.large"]  # type: ignore[index]


@pytest.mark.parametrize("value", [None, 5, ["ml.c5.xlarge"], {"a": 1}, b"ml.c5.xlarge", "ml.z9.xlarge"])
def test_lookup_of_anything_else_is_none(value):
    assert lookup(value) is None


def test_lookup_returns_a_spec_as_given():
    spec = InstanceSpec(instance_type="ml.c9.xlarge", vcpus=4)
    assert lookup(spec) is spec


# InstanceSpec stated by the user, for a type the catalogue does not know yet.


def test_documented_cpu_spec():
    spec = InstanceSpec(instance_type="ml.c9.xlarge", vcpus=4)
    assert (spec.vcpus, spec.gpus, spec.memory_gib, spec.local_nvme) == (4, 0, None, False)
    assert spec.mme_support is MmeSupport.CPU
    assert (spec.family, spec.is_gpu, spec.is_burstable) == ("c9", False, False)


def test_documented_gpu_spec():
    spec = InstanceSpec(instance_type="ml.g9.xlarge", vcpus=4, gpus=1)
    assert spec.mme_support is MmeSupport.GPU
    assert spec.is_gpu


@pytest.mark.parametrize(
    ("gpus", "support"),
    [(0, MmeSupport.CPU), (1, MmeSupport.GPU), (2, MmeSupport.UNSUPPORTED), (8, MmeSupport.UNSUPPORTED)],
)
def test_mme_support_defaults_from_gpus(gpus, support):
    assert InstanceSpec(instance_type="ml.g9.xlarge", vcpus=4, gpus=gpus).mme_support is support


@pytest.mark.parametrize(
    ("gpus", "support"),
    [(0, MmeSupport.UNSUPPORTED), (1, MmeSupport.UNSUPPORTED), (4, MmeSupport.UNSUPPORTED), (1, MmeSupport.GPU)],
)
def test_stated_mme_support_is_kept(gpus, support):
    assert InstanceSpec(instance_type="ml.g9.xlarge", vcpus=4, gpus=gpus, mme_support=support).mme_support is support


def test_every_bad_field_is_named_at_once():
    with pytest.raises(ConfigurationError) as raised:
        InstanceSpec(
            instance_type="c9.xlarge",
            vcpus=0,
            memory_gib=math.nan,
            gpus=-1,
            local_nvme="yes",  # type: ignore[arg-type]
            mme_support="gpu",  # type: ignore[arg-type]
        )
    assert raised.value.subject == "InstanceSpec"
    assert str(raised.value) == (
        "Invalid InstanceSpec configuration (6 problems):\n"
        "  - instance_type: got 'c9.xlarge'; allowed: an instance type of the form ml.<family>.<size>, "
        "e.g. ml.c5.xlarge\n"
        "  - vcpus: got 0; allowed: a whole number from 1 to 2147483647 (the instance's vCPUs)\n"
        "  - memory_gib: got nan; allowed: a finite number of GiB greater than 0, or None (unknown)\n"
        "  - gpus: got -1; allowed: a whole number from 0 to 2147483647 "
        "(the instance's GPUs; Inferentia, Trainium and Gaudi accelerators count 0)\n"
        "  - local_nvme: got 'yes'; allowed: True or False\n"
        "  - mme_support: got 'gpu'; allowed: an MmeSupport value, or None to derive it from gpus"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("instance_type", "ml.c9.xlarge\n"),
        ("instance_type", 42),
        ("vcpus", True),
        ("vcpus", 4.0),
        ("vcpus", "4"),
        ("vcpus", 2**31),
        ("gpus", None),
        ("gpus", 1.5),
        ("memory_gib", math.inf),
        ("memory_gib", 0),
        ("memory_gib", True),
        ("memory_gib", "16"),
        ("local_nvme", 1),
        ("local_nvme", None),
        ("mme_support", "cpu"),
    ],
)
def test_a_wrong_value_names_its_field(field, value):
    arguments = {"instance_type": "ml.c9.xlarge", "vcpus": 4, field: value}
    with pytest.raises(ConfigurationError) as raised:
        InstanceSpec(**arguments)
    assert [problem.parameter for problem in raised.value.problems] == [field]
    assert raised.value.problems[0].value is value


@pytest.mark.parametrize(
    ("gpus", "support", "allowed"),
    [
        (0, MmeSupport.GPU, "with gpus=0: MmeSupport.CPU or MmeSupport.UNSUPPORTED, or None to derive it from gpus"),
        (1, MmeSupport.CPU, "with gpus=1: MmeSupport.GPU or MmeSupport.UNSUPPORTED, or None to derive it from gpus"),
        (
            4,
            MmeSupport.GPU,
            "with gpus=4: MmeSupport.UNSUPPORTED (multi-model endpoints run only on single-GPU types), "
            "or None to derive it from gpus",
        ),
    ],
)
def test_mme_support_must_fit_the_gpu_count(gpus, support, allowed):
    with pytest.raises(ConfigurationError) as raised:
        InstanceSpec(instance_type="ml.g9.xlarge", vcpus=4, gpus=gpus, mme_support=support)
    assert str(raised.value) == (
        f"Invalid InstanceSpec configuration (1 problem):\n  - mme_support: got {support!r}; allowed: {allowed}"
    )


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=24),
    st.binary(max_size=4),
    st.complex_numbers(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
    st.sets(st.integers(), max_size=2),
    st.sampled_from(list(MmeSupport)),
    st.builds(object),
)
NAMES = st.one_of(
    st.sampled_from(["ml.c9.xlarge", "ml.g9.xlarge", "ml.p9-x1.48xlarge"]), st.from_regex(r"ml\.[a-z0-9.-]{1,12}")
)
COUNTS = st.integers(min_value=-2, max_value=2**32)


@settings(max_examples=300, deadline=None)
@given(
    arguments=st.fixed_dictionaries(
        {"instance_type": st.one_of(NAMES, ANYTHING), "vcpus": st.one_of(COUNTS, ANYTHING)},
        optional={
            "memory_gib": st.one_of(st.floats(), ANYTHING),
            "gpus": st.one_of(COUNTS, ANYTHING),
            "local_nvme": ANYTHING,
            "mme_support": ANYTHING,
        },
    )
)
def test_any_value_of_any_field_works_or_raises_configuration_error(arguments):
    try:
        spec = InstanceSpec(**arguments)
    except ConfigurationError as error:
        assert error.subject == "InstanceSpec"
        assert error.problems
        assert {problem.parameter for problem in error.problems} <= set(FIELDS)
        return
    assert is_well_formed(spec.instance_type)
    assert type(spec.vcpus) is int and 1 <= spec.vcpus <= MAX_COUNT
    assert type(spec.gpus) is int and 0 <= spec.gpus <= MAX_COUNT
    assert spec.memory_gib is None or (type(spec.memory_gib) in (int, float) and 0 < spec.memory_gib < math.inf)
    assert type(spec.local_nvme) is bool
    assert isinstance(spec.mme_support, MmeSupport)


@settings(max_examples=150, deadline=None)
@given(
    instance_type=st.from_regex(r"ml\.[a-z][a-z0-9]{0,4}(-[a-z0-9]{1,4})?\.[a-z0-9]{1,8}", fullmatch=True),
    vcpus=st.integers(min_value=1, max_value=MAX_COUNT),
    gpus=st.integers(min_value=0, max_value=MAX_COUNT),
    memory_gib=st.one_of(
        st.none(), st.floats(min_value=0.001, max_value=1e9), st.integers(min_value=1, max_value=10**6)
    ),
    local_nvme=st.booleans(),
)
def test_every_valid_spec_is_accepted_and_derives_its_mme_support(instance_type, vcpus, gpus, memory_gib, local_nvme):
    spec = InstanceSpec(
        instance_type=instance_type, vcpus=vcpus, gpus=gpus, memory_gib=memory_gib, local_nvme=local_nvme
    )
    expected = MmeSupport.CPU if gpus == 0 else MmeSupport.GPU if gpus == 1 else MmeSupport.UNSUPPORTED
    assert spec.mme_support is expected
    assert spec.family == instance_type.split(".")[1]

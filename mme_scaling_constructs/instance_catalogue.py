"""Hardware of SageMaker ``ml.*`` instance types and whether multi-model endpoints run on them.

The catalogue drives two things: per-device normalization of utilization targets
(``CPUUtilization`` is summed over vCPUs, ``GPUUtilization`` over GPUs) and validation of
the instance type a multi-model endpoint (MME) is deployed on.

Sources:
- vCPUs, memory and instance store: Amazon EC2 instance type documentation; SageMaker
  ``ml.*`` types run on the same hardware.
- MME support: https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-support.html
  ("all CPU instance types" and the single-GPU types listed there).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

INSTANCE_TYPE_PATTERN: Final = re.compile(r"^ml\.([a-z][a-z0-9-]*)\.([a-z0-9]+)$")

#: Instance families SageMaker does not auto scale: burstable types fail registration.
#: https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-add-console.html
BURSTABLE_FAMILY_PATTERN: Final = re.compile(r"^t\d")


class MmeSupport(enum.Enum):
    """Whether a multi-model endpoint can run on an instance type, and on which device."""

    #: Any CPU instance type: MMEs support all of them.
    CPU = "cpu"
    #: A single-GPU type on the MME GPU list.
    GPU = "gpu"
    #: Not supported for MMEs: multi-GPU, Inferentia, or a GPU type absent from the MME list.
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, kw_only=True)
class InstanceSpec:
    """One ``ml.*`` instance type.

    Args:
        instance_type: the SageMaker name, e.g. ``"ml.c5.xlarge"``.
        vcpus: number of vCPUs; ``CPUUtilization`` ranges from 0 to 100 x this.
        memory_gib: memory in GiB.
        gpus: number of GPUs (0 for CPU types); ``GPUUtilization`` ranges from 0 to 100 x this.
        local_nvme: whether the type has NVMe instance storage (no EBS volume for the model;
            ``KmsKeyId`` does not encrypt it).
        mme_support: whether, and on which device, multi-model endpoints run on it.
    """

    instance_type: str
    vcpus: int
    memory_gib: float
    gpus: int
    local_nvme: bool
    mme_support: MmeSupport

    @property
    def family(self) -> str:
        """The family part of the name, e.g. ``"c5"`` for ``"ml.c5.xlarge"``."""
        return self.instance_type.split(".")[1]

    @property
    def is_burstable(self) -> bool:
        """Whether the type is burstable (``ml.t*``), which SageMaker cannot auto scale."""
        return bool(BURSTABLE_FAMILY_PATTERN.match(self.family))

    @property
    def is_gpu(self) -> bool:
        """Whether the type has at least one GPU."""
        return self.gpus > 0


#: vCPUs per size name, the EC2 convention for every family in this catalogue.
_SIZE_VCPUS: Final = {
    "medium": 1,
    "large": 2,
    "xlarge": 4,
    **{f"{n}xlarge": 4 * n for n in (2, 4, 6, 8, 9, 10, 12, 16, 18, 24, 32, 48)},
}

_XEON_SIZES: Final = ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge")
_C5_SIZES: Final = ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge")
_GEN6_SIZES: Final = (
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "24xlarge",
    "32xlarge",
)
_GEN7_SIZES: Final = (
    "large",
    "xlarge",
    "2xlarge",
    "4xlarge",
    "8xlarge",
    "12xlarge",
    "16xlarge",
    "24xlarge",
    "48xlarge",
)
_GRAVITON_SIZES: Final = ("medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")
_BURSTABLE_SIZES: Final = ("medium", "large", "xlarge", "2xlarge")

#: CPU families: (sizes, GiB of memory per vCPU, local NVMe).
_CPU_FAMILIES: Final[dict[str, tuple[tuple[str, ...], float, bool]]] = {
    "t2": (_BURSTABLE_SIZES, 2, False),
    "t3": (_BURSTABLE_SIZES, 2, False),
    "m4": (("xlarge", "2xlarge", "4xlarge", "10xlarge", "16xlarge"), 4, False),
    "c4": (("large", "xlarge", "2xlarge", "4xlarge", "8xlarge"), 1.875, False),
    "m5": (_XEON_SIZES, 4, False),
    "m5d": (_XEON_SIZES, 4, True),
    "r5": (_XEON_SIZES, 8, False),
    "r5d": (_XEON_SIZES, 8, True),
    "c5": (_C5_SIZES, 2, False),
    "c5d": (_C5_SIZES, 2, True),
    "c6i": (_GEN6_SIZES, 2, False),
    "m6i": (_GEN6_SIZES, 4, False),
    "r6i": (_GEN6_SIZES, 8, False),
    "c7i": (_GEN7_SIZES, 2, False),
    "m7i": (_GEN7_SIZES, 4, False),
    "r7i": (_GEN7_SIZES, 8, False),
    "c6g": (_GRAVITON_SIZES, 2, False),
    "c6gd": (_GRAVITON_SIZES, 2, True),
    "c6gn": (_GRAVITON_SIZES, 2, False),
    "m6g": (_GRAVITON_SIZES, 4, False),
    "m6gd": (_GRAVITON_SIZES, 4, True),
    "r6g": (_GRAVITON_SIZES, 8, False),
    "r6gd": (_GRAVITON_SIZES, 8, True),
    "c7g": (_GRAVITON_SIZES, 2, False),
    "m7g": (_GRAVITON_SIZES, 4, False),
    "r7g": (_GRAVITON_SIZES, 8, False),
}

#: Accelerated types, listed one by one: (name, memory GiB, GPUs, local NVMe, MME support).
#: vCPUs follow the size name. MMEs run only on the single-GPU types of the MME list;
#: g6/g6e and Inferentia are absent from it and so are treated as unsupported.
_ACCELERATED: Final[tuple[tuple[str, float, int, bool, MmeSupport], ...]] = (
    *(
        (f"g4dn.{s}", m, 1, True, MmeSupport.GPU)
        for s, m in (("xlarge", 16), ("2xlarge", 32), ("4xlarge", 64), ("8xlarge", 128), ("16xlarge", 256))
    ),
    ("g4dn.12xlarge", 192, 4, True, MmeSupport.UNSUPPORTED),
    *(
        (f"g5.{s}", m, 1, True, MmeSupport.GPU)
        for s, m in (("xlarge", 16), ("2xlarge", 32), ("4xlarge", 64), ("8xlarge", 128), ("16xlarge", 256))
    ),
    ("g5.12xlarge", 192, 4, True, MmeSupport.UNSUPPORTED),
    ("g5.24xlarge", 384, 4, True, MmeSupport.UNSUPPORTED),
    ("g5.48xlarge", 768, 8, True, MmeSupport.UNSUPPORTED),
    *(
        (f"g6.{s}", m, g, True, MmeSupport.UNSUPPORTED)
        for s, m, g in (
            ("xlarge", 16, 1),
            ("2xlarge", 32, 1),
            ("4xlarge", 64, 1),
            ("8xlarge", 128, 1),
            ("16xlarge", 256, 1),
            ("12xlarge", 192, 4),
            ("24xlarge", 384, 4),
            ("48xlarge", 768, 8),
        )
    ),
    ("p2.xlarge", 61, 1, False, MmeSupport.GPU),
    ("p2.8xlarge", 488, 8, False, MmeSupport.UNSUPPORTED),
    ("p2.16xlarge", 732, 16, False, MmeSupport.UNSUPPORTED),
    ("p3.2xlarge", 61, 1, False, MmeSupport.GPU),
    ("p3.8xlarge", 244, 4, False, MmeSupport.UNSUPPORTED),
    ("p3.16xlarge", 488, 8, False, MmeSupport.UNSUPPORTED),
    ("p4d.24xlarge", 1152, 8, True, MmeSupport.UNSUPPORTED),
    *(
        (f"inf1.{s}", m, 0, False, MmeSupport.UNSUPPORTED)
        for s, m in (("xlarge", 8), ("2xlarge", 16), ("6xlarge", 48), ("24xlarge", 192))
    ),
    *(
        (f"inf2.{s}", m, 0, False, MmeSupport.UNSUPPORTED)
        for s, m in (("xlarge", 16), ("8xlarge", 128), ("24xlarge", 384), ("48xlarge", 768))
    ),
)


def _build() -> dict[str, InstanceSpec]:
    specs: dict[str, InstanceSpec] = {}
    for family, (sizes, memory_per_vcpu, local_nvme) in _CPU_FAMILIES.items():
        for size in sizes:
            vcpus = _SIZE_VCPUS[size]
            name = f"ml.{family}.{size}"
            specs[name] = InstanceSpec(
                instance_type=name,
                vcpus=vcpus,
                memory_gib=vcpus * memory_per_vcpu,
                gpus=0,
                local_nvme=local_nvme,
                mme_support=MmeSupport.CPU,
            )
    for short_name, memory_gib, gpus, local_nvme, support in _ACCELERATED:
        name = f"ml.{short_name}"
        specs[name] = InstanceSpec(
            instance_type=name,
            vcpus=_SIZE_VCPUS[short_name.split(".")[1]],
            memory_gib=memory_gib,
            gpus=gpus,
            local_nvme=local_nvme,
            mme_support=support,
        )
    return specs


#: Every catalogued instance type, by name. Read-only.
INSTANCE_TYPES: Final[Mapping[str, InstanceSpec]] = MappingProxyType(_build())

#: The single-GPU types multi-model endpoints support, in catalogue order.
MME_GPU_INSTANCE_TYPES: Final = tuple(
    name for name, spec in INSTANCE_TYPES.items() if spec.mme_support is MmeSupport.GPU
)


def lookup(instance_type: str) -> InstanceSpec | None:
    """Return the catalogue entry for ``instance_type``, or ``None`` if it is not catalogued."""
    return INSTANCE_TYPES.get(instance_type)


def is_well_formed(instance_type: str) -> bool:
    """Whether ``instance_type`` has the ``ml.<family>.<size>`` form."""
    return bool(INSTANCE_TYPE_PATTERN.match(instance_type))

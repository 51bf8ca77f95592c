"""Hardware of SageMaker ``ml.*`` hosting instance types and whether multi-model endpoints run on them.

The catalogue drives two things: per-device normalization of utilization targets
(``CPUUtilization`` is summed over vCPUs, ``GPUUtilization`` over GPUs) and validation of
the instance type a multi-model endpoint (MME) is deployed on. A type the catalogue does not
know yet is described with an :class:`InstanceSpec` of its own, which the constructs accept
wherever they accept an instance type name.

Sources:
- Which types exist: the types ``CreateEndpointConfig`` accepts, botocore's SageMaker model,
  shape ``ProductionVariantInstanceType``. cfn-lint's schema for
  ``AWS::SageMaker::EndpointConfig`` (rule E3030) carries the same list. Every catalogued type
  is in both.
- vCPUs, memory, GPUs and NVMe instance store: the Amazon EC2 instance type specifications
  (https://docs.aws.amazon.com/ec2/latest/instancetypes/), as EC2's ``DescribeInstanceTypes``
  reports them; SageMaker ``ml.*`` types run on the same hardware. ``ml.p6e-gb200.36xlarge``,
  an instance of a P6e-GB200 UltraServer: 144 vCPUs, 960 GiB and 4 GPUs (the SageMaker
  HyperPod CLI's instance table), with NVMe instance store (the UltraServer announcement: up
  to 405 TB of local NVMe storage).
- MME support: https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-support.html
  ("Multi-model endpoints support all of the CPU instance types" and a list of single-GPU
  types). Accelerators that are not GPUs (Inferentia, Trainium, Gaudi) count 0 GPUs.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from mme_scaling_constructs.errors import Problems

#: ``ml.<family>.<size>``: lowercase letters and digits, hyphens inside a part
#: (``ml.p6-b200.48xlarge``). Use with ``fullmatch``.
INSTANCE_TYPE_PATTERN: Final = re.compile(r"ml\.([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.([a-z0-9]+(?:-[a-z0-9]+)*)")
INSTANCE_TYPE_RULE: Final = "an instance type of the form ml.<family>.<size>, e.g. ml.c5.xlarge"

#: Instance families SageMaker does not auto scale: burstable types fail registration.
#: https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-add-console.html
BURSTABLE_FAMILY_PATTERN: Final = re.compile(r"t\d")

#: The largest device count an :class:`InstanceSpec` takes: AWS's APIs carry counts as 32-bit integers.
MAX_DEVICES: Final = 2**31 - 1


def is_well_formed(instance_type: object) -> bool:
    """Whether ``instance_type`` is a string of the ``ml.<family>.<size>`` form (the whole string)."""
    return isinstance(instance_type, str) and INSTANCE_TYPE_PATTERN.fullmatch(instance_type) is not None


class MmeSupport(enum.Enum):
    """Whether a multi-model endpoint can run on an instance type, and on which device."""

    #: Any CPU instance type: MMEs support all of them.
    CPU = "cpu"
    #: A single-GPU type on the MME GPU list.
    GPU = "gpu"
    #: Not supported for MMEs: multi-GPU types, GPU types absent from the MME list, and
    #: accelerators that are not GPUs (Inferentia, Trainium, Gaudi).
    UNSUPPORTED = "unsupported"

    def __repr__(self) -> str:
        return f"{type(self).__name__}.{self.name}"


def _default_mme_support(gpus: int) -> MmeSupport:
    """The MME support a type with ``gpus`` GPUs has unless stated: 0 -> CPU, 1 -> GPU, more -> UNSUPPORTED."""
    if gpus == 0:
        return MmeSupport.CPU
    return MmeSupport.GPU if gpus == 1 else MmeSupport.UNSUPPORTED


@dataclass(frozen=True, kw_only=True)
class InstanceSpec:
    """One ``ml.*`` instance type: its hardware, and whether multi-model endpoints run on it.

    The catalogue (:data:`INSTANCE_TYPES`) holds one per known type. For a type it does not
    know yet, state the hardware yourself and pass the spec where an instance type is
    accepted::

        InstanceSpec(instance_type="ml.c9.xlarge", vcpus=4)  # a CPU type
        InstanceSpec(instance_type="ml.g9.xlarge", vcpus=4, gpus=1)  # a single-GPU type

    Args:
        instance_type: the SageMaker name, ``ml.<family>.<size>``, e.g. ``"ml.c5.xlarge"``. Required.
        vcpus: number of vCPUs, 1 to 2^31 - 1; ``CPUUtilization`` ranges from 0 to 100 x this. Required.
        memory_gib: memory in GiB, a finite number > 0. Defaults to ``None`` (unknown).
        gpus: number of GPUs, 0 to 2^31 - 1; ``GPUUtilization`` ranges from 0 to 100 x this.
            Inferentia, Trainium and Gaudi accelerators are not GPUs. Defaults to 0.
        local_nvme: whether the type has NVMe instance storage (no EBS volume for the model;
            ``KmsKeyId`` does not encrypt it). Defaults to ``False``.
        mme_support: whether, and on which device, multi-model endpoints run on it. Defaults
            to ``None``, which derives it from ``gpus``: 0 -> ``MmeSupport.CPU``, 1 ->
            ``MmeSupport.GPU``, more -> ``MmeSupport.UNSUPPORTED``. Give
            ``MmeSupport.UNSUPPORTED`` for a GPU type the MME page does not list. After
            construction it is always an ``MmeSupport``.

    Raises:
        ConfigurationError: (subject ``"InstanceSpec"``) naming every invalid field.
    """

    instance_type: str
    vcpus: int
    memory_gib: float | None = None
    gpus: int = 0
    local_nvme: bool = False
    mme_support: MmeSupport | None = None

    def __post_init__(self) -> None:
        problems = Problems("InstanceSpec")
        if not is_well_formed(self.instance_type):
            problems.add("instance_type", self.instance_type, INSTANCE_TYPE_RULE)
        _check_count(problems, "vcpus", self.vcpus, minimum=1, what="the instance's vCPUs")
        if self.memory_gib is not None and not (_is_number(self.memory_gib) and self.memory_gib > 0):
            problems.add("memory_gib", self.memory_gib, "a finite number of GiB greater than 0, or None (unknown)")
        gpus_ok = _check_count(
            problems,
            "gpus",
            self.gpus,
            minimum=0,
            what="the instance's GPUs; Inferentia, Trainium and Gaudi accelerators count 0",
        )
        if not isinstance(self.local_nvme, bool):
            problems.add("local_nvme", self.local_nvme, "True or False")
        if self.mme_support is not None and not isinstance(self.mme_support, MmeSupport):
            problems.add("mme_support", self.mme_support, "an MmeSupport value, or None to derive it from gpus")
        elif gpus_ok:
            _check_support_matches_gpus(problems, self.mme_support, self.gpus)
        problems.raise_if_any()
        if self.mme_support is None:
            object.__setattr__(self, "mme_support", _default_mme_support(self.gpus))

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


def _is_number(value: Any) -> bool:
    """Whether ``value`` is a finite ``int`` or ``float`` (not a ``bool``)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _check_count(problems: Problems, parameter: str, value: Any, *, minimum: int, what: str) -> bool:
    """Record a problem unless ``value`` is an ``int`` from ``minimum`` to :data:`MAX_DEVICES`."""
    if isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_DEVICES:
        return True
    problems.add(parameter, value, f"a whole number from {minimum} to {MAX_DEVICES} ({what})")
    return False


def _check_support_matches_gpus(problems: Problems, support: MmeSupport | None, gpus: int) -> None:
    """Record a problem if ``support`` contradicts the GPU count: MMEs run on CPU or single-GPU types."""
    if support is None or support is MmeSupport.UNSUPPORTED or support is _default_mme_support(gpus):
        return
    if gpus > 1:
        allowed = "MmeSupport.UNSUPPORTED (multi-model endpoints run only on single-GPU types)"
    else:
        allowed = f"{_default_mme_support(gpus)!r} or MmeSupport.UNSUPPORTED"
    problems.add("mme_support", support, f"with gpus={gpus}: {allowed}, or None to derive it from gpus")


#: The single-GPU types the MME page lists.
#: https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-support.html
_MME_GPU_TYPES: Final = frozenset(
    {
        "ml.p2.xlarge",
        "ml.p3.2xlarge",
        *(f"ml.g5.{size}" for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")),
        *(f"ml.g4dn.{size}" for size in ("xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge")),
    }
)

#: CPU types: (name, vCPUs, memory GiB, local NVMe). MMEs support all of them.
_CPU_TYPES: Final[tuple[tuple[str, int, float, bool], ...]] = (
    ("ml.t2.medium", 2, 4, False),
    ("ml.t2.large", 2, 8, False),
    ("ml.t2.xlarge", 4, 16, False),
    ("ml.t2.2xlarge", 8, 32, False),
    ("ml.m4.xlarge", 4, 16, False),
    ("ml.m4.2xlarge", 8, 32, False),
    ("ml.m4.4xlarge", 16, 64, False),
    ("ml.m4.10xlarge", 40, 160, False),
    ("ml.m4.16xlarge", 64, 256, False),
    ("ml.m5.large", 2, 8, False),
    ("ml.m5.xlarge", 4, 16, False),
    ("ml.m5.2xlarge", 8, 32, False),
    ("ml.m5.4xlarge", 16, 64, False),
    ("ml.m5.12xlarge", 48, 192, False),
    ("ml.m5.24xlarge", 96, 384, False),
    ("ml.m5d.large", 2, 8, True),
    ("ml.m5d.xlarge", 4, 16, True),
    ("ml.m5d.2xlarge", 8, 32, True),
    ("ml.m5d.4xlarge", 16, 64, True),
    ("ml.m5d.12xlarge", 48, 192, True),
    ("ml.m5d.24xlarge", 96, 384, True),
    ("ml.m6g.large", 2, 8, False),
    ("ml.m6g.xlarge", 4, 16, False),
    ("ml.m6g.2xlarge", 8, 32, False),
    ("ml.m6g.4xlarge", 16, 64, False),
    ("ml.m6g.8xlarge", 32, 128, False),
    ("ml.m6g.12xlarge", 48, 192, False),
    ("ml.m6g.16xlarge", 64, 256, False),
    ("ml.m6gd.large", 2, 8, True),
    ("ml.m6gd.xlarge", 4, 16, True),
    ("ml.m6gd.2xlarge", 8, 32, True),
    ("ml.m6gd.4xlarge", 16, 64, True),
    ("ml.m6gd.8xlarge", 32, 128, True),
    ("ml.m6gd.12xlarge", 48, 192, True),
    ("ml.m6gd.16xlarge", 64, 256, True),
    ("ml.m6i.large", 2, 8, False),
    ("ml.m6i.xlarge", 4, 16, False),
    ("ml.m6i.2xlarge", 8, 32, False),
    ("ml.m6i.4xlarge", 16, 64, False),
    ("ml.m6i.8xlarge", 32, 128, False),
    ("ml.m6i.12xlarge", 48, 192, False),
    ("ml.m6i.16xlarge", 64, 256, False),
    ("ml.m6i.24xlarge", 96, 384, False),
    ("ml.m6i.32xlarge", 128, 512, False),
    ("ml.m7i.large", 2, 8, False),
    ("ml.m7i.xlarge", 4, 16, False),
    ("ml.m7i.2xlarge", 8, 32, False),
    ("ml.m7i.4xlarge", 16, 64, False),
    ("ml.m7i.8xlarge", 32, 128, False),
    ("ml.m7i.12xlarge", 48, 192, False),
    ("ml.m7i.16xlarge", 64, 256, False),
    ("ml.m7i.24xlarge", 96, 384, False),
    ("ml.m7i.48xlarge", 192, 768, False),
    ("ml.m8g.medium", 1, 4, False),
    ("ml.m8g.large", 2, 8, False),
    ("ml.m8g.xlarge", 4, 16, False),
    ("ml.m8g.2xlarge", 8, 32, False),
    ("ml.m8g.4xlarge", 16, 64, False),
    ("ml.m8g.8xlarge", 32, 128, False),
    ("ml.m8g.12xlarge", 48, 192, False),
    ("ml.m8g.16xlarge", 64, 256, False),
    ("ml.m8g.24xlarge", 96, 384, False),
    ("ml.m8g.48xlarge", 192, 768, False),
    ("ml.c4.large", 2, 3.75, False),
    ("ml.c4.xlarge", 4, 7.5, False),
    ("ml.c4.2xlarge", 8, 15, False),
    ("ml.c4.4xlarge", 16, 30, False),
    ("ml.c4.8xlarge", 36, 60, False),
    ("ml.c5.large", 2, 4, False),
    ("ml.c5.xlarge", 4, 8, False),
    ("ml.c5.2xlarge", 8, 16, False),
    ("ml.c5.4xlarge", 16, 32, False),
    ("ml.c5.9xlarge", 36, 72, False),
    ("ml.c5.18xlarge", 72, 144, False),
    ("ml.c5d.large", 2, 4, True),
    ("ml.c5d.xlarge", 4, 8, True),
    ("ml.c5d.2xlarge", 8, 16, True),
    ("ml.c5d.4xlarge", 16, 32, True),
    ("ml.c5d.9xlarge", 36, 72, True),
    ("ml.c5d.18xlarge", 72, 144, True),
    ("ml.c6g.large", 2, 4, False),
    ("ml.c6g.xlarge", 4, 8, False),
    ("ml.c6g.2xlarge", 8, 16, False),
    ("ml.c6g.4xlarge", 16, 32, False),
    ("ml.c6g.8xlarge", 32, 64, False),
    ("ml.c6g.12xlarge", 48, 96, False),
    ("ml.c6g.16xlarge", 64, 128, False),
    ("ml.c6gd.large", 2, 4, True),
    ("ml.c6gd.xlarge", 4, 8, True),
    ("ml.c6gd.2xlarge", 8, 16, True),
    ("ml.c6gd.4xlarge", 16, 32, True),
    ("ml.c6gd.8xlarge", 32, 64, True),
    ("ml.c6gd.12xlarge", 48, 96, True),
    ("ml.c6gd.16xlarge", 64, 128, True),
    ("ml.c6gn.large", 2, 4, False),
    ("ml.c6gn.xlarge", 4, 8, False),
    ("ml.c6gn.2xlarge", 8, 16, False),
    ("ml.c6gn.4xlarge", 16, 32, False),
    ("ml.c6gn.8xlarge", 32, 64, False),
    ("ml.c6gn.12xlarge", 48, 96, False),
    ("ml.c6gn.16xlarge", 64, 128, False),
    ("ml.c6i.large", 2, 4, False),
    ("ml.c6i.xlarge", 4, 8, False),
    ("ml.c6i.2xlarge", 8, 16, False),
    ("ml.c6i.4xlarge", 16, 32, False),
    ("ml.c6i.8xlarge", 32, 64, False),
    ("ml.c6i.12xlarge", 48, 96, False),
    ("ml.c6i.16xlarge", 64, 128, False),
    ("ml.c6i.24xlarge", 96, 192, False),
    ("ml.c6i.32xlarge", 128, 256, False),
    ("ml.c6in.large", 2, 4, False),
    ("ml.c6in.xlarge", 4, 8, False),
    ("ml.c6in.2xlarge", 8, 16, False),
    ("ml.c6in.4xlarge", 16, 32, False),
    ("ml.c6in.8xlarge", 32, 64, False),
    ("ml.c6in.12xlarge", 48, 96, False),
    ("ml.c6in.16xlarge", 64, 128, False),
    ("ml.c6in.24xlarge", 96, 192, False),
    ("ml.c6in.32xlarge", 128, 256, False),
    ("ml.c7g.large", 2, 4, False),
    ("ml.c7g.xlarge", 4, 8, False),
    ("ml.c7g.2xlarge", 8, 16, False),
    ("ml.c7g.4xlarge", 16, 32, False),
    ("ml.c7g.8xlarge", 32, 64, False),
    ("ml.c7g.12xlarge", 48, 96, False),
    ("ml.c7g.16xlarge", 64, 128, False),
    ("ml.c7i.large", 2, 4, False),
    ("ml.c7i.xlarge", 4, 8, False),
    ("ml.c7i.2xlarge", 8, 16, False),
    ("ml.c7i.4xlarge", 16, 32, False),
    ("ml.c7i.8xlarge", 32, 64, False),
    ("ml.c7i.12xlarge", 48, 96, False),
    ("ml.c7i.16xlarge", 64, 128, False),
    ("ml.c7i.24xlarge", 96, 192, False),
    ("ml.c7i.48xlarge", 192, 384, False),
    ("ml.c8g.medium", 1, 2, False),
    ("ml.c8g.large", 2, 4, False),
    ("ml.c8g.xlarge", 4, 8, False),
    ("ml.c8g.2xlarge", 8, 16, False),
    ("ml.c8g.4xlarge", 16, 32, False),
    ("ml.c8g.8xlarge", 32, 64, False),
    ("ml.c8g.12xlarge", 48, 96, False),
    ("ml.c8g.16xlarge", 64, 128, False),
    ("ml.c8g.24xlarge", 96, 192, False),
    ("ml.c8g.48xlarge", 192, 384, False),
    ("ml.r5.large", 2, 16, False),
    ("ml.r5.xlarge", 4, 32, False),
    ("ml.r5.2xlarge", 8, 64, False),
    ("ml.r5.4xlarge", 16, 128, False),
    ("ml.r5.12xlarge", 48, 384, False),
    ("ml.r5.24xlarge", 96, 768, False),
    ("ml.r5d.large", 2, 16, True),
    ("ml.r5d.xlarge", 4, 32, True),
    ("ml.r5d.2xlarge", 8, 64, True),
    ("ml.r5d.4xlarge", 16, 128, True),
    ("ml.r5d.12xlarge", 48, 384, True),
    ("ml.r5d.24xlarge", 96, 768, True),
    ("ml.r6g.large", 2, 16, False),
    ("ml.r6g.xlarge", 4, 32, False),
    ("ml.r6g.2xlarge", 8, 64, False),
    ("ml.r6g.4xlarge", 16, 128, False),
    ("ml.r6g.8xlarge", 32, 256, False),
    ("ml.r6g.12xlarge", 48, 384, False),
    ("ml.r6g.16xlarge", 64, 512, False),
    ("ml.r6gd.large", 2, 16, True),
    ("ml.r6gd.xlarge", 4, 32, True),
    ("ml.r6gd.2xlarge", 8, 64, True),
    ("ml.r6gd.4xlarge", 16, 128, True),
    ("ml.r6gd.8xlarge", 32, 256, True),
    ("ml.r6gd.12xlarge", 48, 384, True),
    ("ml.r6gd.16xlarge", 64, 512, True),
    ("ml.r6i.large", 2, 16, False),
    ("ml.r6i.xlarge", 4, 32, False),
    ("ml.r6i.2xlarge", 8, 64, False),
    ("ml.r6i.4xlarge", 16, 128, False),
    ("ml.r6i.8xlarge", 32, 256, False),
    ("ml.r6i.12xlarge", 48, 384, False),
    ("ml.r6i.16xlarge", 64, 512, False),
    ("ml.r6i.24xlarge", 96, 768, False),
    ("ml.r6i.32xlarge", 128, 1024, False),
    ("ml.r7gd.medium", 1, 8, True),
    ("ml.r7gd.large", 2, 16, True),
    ("ml.r7gd.xlarge", 4, 32, True),
    ("ml.r7gd.2xlarge", 8, 64, True),
    ("ml.r7gd.4xlarge", 16, 128, True),
    ("ml.r7gd.8xlarge", 32, 256, True),
    ("ml.r7gd.12xlarge", 48, 384, True),
    ("ml.r7gd.16xlarge", 64, 512, True),
    ("ml.r7i.large", 2, 16, False),
    ("ml.r7i.xlarge", 4, 32, False),
    ("ml.r7i.2xlarge", 8, 64, False),
    ("ml.r7i.4xlarge", 16, 128, False),
    ("ml.r7i.8xlarge", 32, 256, False),
    ("ml.r7i.12xlarge", 48, 384, False),
    ("ml.r7i.16xlarge", 64, 512, False),
    ("ml.r7i.24xlarge", 96, 768, False),
    ("ml.r7i.48xlarge", 192, 1536, False),
    ("ml.r8g.medium", 1, 8, False),
    ("ml.r8g.large", 2, 16, False),
    ("ml.r8g.xlarge", 4, 32, False),
    ("ml.r8g.2xlarge", 8, 64, False),
    ("ml.r8g.4xlarge", 16, 128, False),
    ("ml.r8g.8xlarge", 32, 256, False),
    ("ml.r8g.12xlarge", 48, 384, False),
    ("ml.r8g.16xlarge", 64, 512, False),
    ("ml.r8g.24xlarge", 96, 768, False),
    ("ml.r8g.48xlarge", 192, 1536, False),
)

#: Accelerated types: (name, vCPUs, memory GiB, GPUs, local NVMe). GPUs counts NVIDIA GPUs only;
#: Inferentia (inf1, inf2), Trainium (trn1, trn1n, trn2) and Gaudi (dl1) count 0. MMEs run on
#: the single-GPU types the MME page lists, and on no other accelerated type.
_ACCELERATED_TYPES: Final[tuple[tuple[str, int, float, int, bool], ...]] = (
    ("ml.g4dn.xlarge", 4, 16, 1, True),
    ("ml.g4dn.2xlarge", 8, 32, 1, True),
    ("ml.g4dn.4xlarge", 16, 64, 1, True),
    ("ml.g4dn.8xlarge", 32, 128, 1, True),
    ("ml.g4dn.12xlarge", 48, 192, 4, True),
    ("ml.g4dn.16xlarge", 64, 256, 1, True),
    ("ml.g5.xlarge", 4, 16, 1, True),
    ("ml.g5.2xlarge", 8, 32, 1, True),
    ("ml.g5.4xlarge", 16, 64, 1, True),
    ("ml.g5.8xlarge", 32, 128, 1, True),
    ("ml.g5.12xlarge", 48, 192, 4, True),
    ("ml.g5.16xlarge", 64, 256, 1, True),
    ("ml.g5.24xlarge", 96, 384, 4, True),
    ("ml.g5.48xlarge", 192, 768, 8, True),
    ("ml.g6.xlarge", 4, 16, 1, True),
    ("ml.g6.2xlarge", 8, 32, 1, True),
    ("ml.g6.4xlarge", 16, 64, 1, True),
    ("ml.g6.8xlarge", 32, 128, 1, True),
    ("ml.g6.12xlarge", 48, 192, 4, True),
    ("ml.g6.16xlarge", 64, 256, 1, True),
    ("ml.g6.24xlarge", 96, 384, 4, True),
    ("ml.g6.48xlarge", 192, 768, 8, True),
    ("ml.g6e.xlarge", 4, 32, 1, True),
    ("ml.g6e.2xlarge", 8, 64, 1, True),
    ("ml.g6e.4xlarge", 16, 128, 1, True),
    ("ml.g6e.8xlarge", 32, 256, 1, True),
    ("ml.g6e.12xlarge", 48, 384, 4, True),
    ("ml.g6e.16xlarge", 64, 512, 1, True),
    ("ml.g6e.24xlarge", 96, 768, 4, True),
    ("ml.g6e.48xlarge", 192, 1536, 8, True),
    ("ml.g7.2xlarge", 8, 32, 1, True),
    ("ml.g7.4xlarge", 16, 64, 1, True),
    ("ml.g7.8xlarge", 32, 128, 1, True),
    ("ml.g7.12xlarge", 48, 192, 2, True),
    ("ml.g7.24xlarge", 96, 384, 4, True),
    ("ml.g7.48xlarge", 192, 768, 8, True),
    ("ml.g7e.2xlarge", 8, 64, 1, True),
    ("ml.g7e.4xlarge", 16, 128, 1, True),
    ("ml.g7e.8xlarge", 32, 256, 1, True),
    ("ml.g7e.12xlarge", 48, 512, 2, True),
    ("ml.g7e.24xlarge", 96, 1024, 4, True),
    ("ml.g7e.48xlarge", 192, 2048, 8, True),
    ("ml.p2.xlarge", 4, 61, 1, False),
    ("ml.p2.8xlarge", 32, 488, 8, False),
    ("ml.p2.16xlarge", 64, 732, 16, False),
    ("ml.p3.2xlarge", 8, 61, 1, False),
    ("ml.p3.8xlarge", 32, 244, 4, False),
    ("ml.p3.16xlarge", 64, 488, 8, False),
    ("ml.p4d.24xlarge", 96, 1152, 8, True),
    ("ml.p4de.24xlarge", 96, 1152, 8, True),
    ("ml.p5.4xlarge", 16, 256, 1, True),
    ("ml.p5.48xlarge", 192, 2048, 8, True),
    ("ml.p5e.48xlarge", 192, 2048, 8, True),
    ("ml.p5en.48xlarge", 192, 2048, 8, True),
    ("ml.p6-b200.48xlarge", 192, 2048, 8, True),
    ("ml.p6-b300.48xlarge", 192, 4096, 8, True),
    ("ml.p6e-gb200.36xlarge", 144, 960, 4, True),
    ("ml.inf1.xlarge", 4, 8, 0, False),
    ("ml.inf1.2xlarge", 8, 16, 0, False),
    ("ml.inf1.6xlarge", 24, 48, 0, False),
    ("ml.inf1.24xlarge", 96, 192, 0, False),
    ("ml.inf2.xlarge", 4, 16, 0, False),
    ("ml.inf2.8xlarge", 32, 128, 0, False),
    ("ml.inf2.24xlarge", 96, 384, 0, False),
    ("ml.inf2.48xlarge", 192, 768, 0, False),
    ("ml.trn1.2xlarge", 8, 32, 0, True),
    ("ml.trn1.32xlarge", 128, 512, 0, True),
    ("ml.trn1n.32xlarge", 128, 512, 0, True),
    ("ml.trn2.48xlarge", 192, 2048, 0, True),
    ("ml.dl1.24xlarge", 96, 768, 0, True),
)


def _build() -> dict[str, InstanceSpec]:
    specs = {
        name: InstanceSpec(
            instance_type=name,
            vcpus=vcpus,
            memory_gib=memory_gib,
            gpus=0,
            local_nvme=local_nvme,
            mme_support=MmeSupport.CPU,
        )
        for name, vcpus, memory_gib, local_nvme in _CPU_TYPES
    }
    for name, vcpus, memory_gib, gpus, local_nvme in _ACCELERATED_TYPES:
        specs[name] = InstanceSpec(
            instance_type=name,
            vcpus=vcpus,
            memory_gib=memory_gib,
            gpus=gpus,
            local_nvme=local_nvme,
            mme_support=MmeSupport.GPU if name in _MME_GPU_TYPES else MmeSupport.UNSUPPORTED,
        )
    return specs


#: Every catalogued instance type, by name: each a type SageMaker hosting accepts. Read-only.
INSTANCE_TYPES: Final[Mapping[str, InstanceSpec]] = MappingProxyType(_build())

#: The single-GPU types multi-model endpoints support, in catalogue order.
MME_GPU_INSTANCE_TYPES: Final = tuple(
    name for name, spec in INSTANCE_TYPES.items() if spec.mme_support is MmeSupport.GPU
)


def lookup(instance_type: object) -> InstanceSpec | None:
    """Return the spec of ``instance_type``, or ``None`` if it is not catalogued.

    An :class:`InstanceSpec` is returned as given, so that a spec stated by the user stands
    for a type the catalogue does not know. Any other value that is not a catalogued name
    gives ``None``.
    """
    if isinstance(instance_type, InstanceSpec):
        return instance_type
    if isinstance(instance_type, str):
        return INSTANCE_TYPES.get(instance_type)
    return None

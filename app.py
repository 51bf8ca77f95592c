#!/usr/bin/env python3
"""Example app: one CPU and one GPU multi-model endpoint, each auto scaled.

Images and model locations come from context, so the same app deploys anywhere::

    make deploy   # or: cdk deploy -c modelBucket=my-bucket -c cpuImageUri=... -c gpuImageUri=...

``-c gpuInstanceType=ml.g4dn.xlarge`` picks another single-GPU type for the GPU endpoint, e.g. in a
region without ml.g5 (``make rehearse`` uses it: its local emulator does not know ml.g5), and
``-c cpuInstanceType=ml.c5.2xlarge`` another CPU type for the CPU endpoint.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from mme_scaling_constructs import MultiModelEndpoint, ScalingPreset

#: AWS Deep Learning Container images in us-east-1; override them with context for other regions.
DEFAULT_CPU_INSTANCE_TYPE = "ml.c5.xlarge"
DEFAULT_CPU_IMAGE_URI = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.6.0-cpu-py312"
DEFAULT_GPU_IMAGE_URI = "785573368785.dkr.ecr.us-east-1.amazonaws.com/sagemaker-tritonserver:25.04-py3"
DEFAULT_MODEL_BUCKET = "my-model-bucket"
DEFAULT_GPU_INSTANCE_TYPE = "ml.g5.xlarge"


class MultiModelEndpointsStack(cdk.Stack):
    """A CPU and a GPU multi-model endpoint serving archives from one bucket."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        bucket = self.node.try_get_context("modelBucket") or DEFAULT_MODEL_BUCKET
        MultiModelEndpoint(
            self,
            "CpuEndpoint",
            image_uri=self.node.try_get_context("cpuImageUri") or DEFAULT_CPU_IMAGE_URI,
            model_data_url=f"s3://{bucket}/cpu-models/",
            instance_type=self.node.try_get_context("cpuInstanceType") or DEFAULT_CPU_INSTANCE_TYPE,
            scaling=ScalingPreset.cpu(min_capacity=2, max_capacity=6),
        )
        MultiModelEndpoint(
            self,
            "GpuEndpoint",
            image_uri=self.node.try_get_context("gpuImageUri") or DEFAULT_GPU_IMAGE_URI,
            model_data_url=f"s3://{bucket}/gpu-models/",
            instance_type=self.node.try_get_context("gpuInstanceType") or DEFAULT_GPU_INSTANCE_TYPE,
            scaling=ScalingPreset.gpu(min_capacity=2, max_capacity=4),
        )


def main() -> None:
    """Synthesize the example app into ``cdk.out``."""
    app = cdk.App()
    MultiModelEndpointsStack(app, "MmeScalingExample")
    app.synth()


if __name__ == "__main__":
    main()

"""What the policy tests share: the scaled variant and how a policy is put on it."""

from mme_scaling_constructs import Device, EndpointScaling, ScalingPreset

#: The endpoint every policy test scales.
ENDPOINT_NAME = "my-endpoint"
#: The dimensions a metric without its own gets: the scaled variant's.
VARIANT_DIMENSIONS = [
    {"Name": "EndpointName", "Value": ENDPOINT_NAME},
    {"Name": "VariantName", "Value": "AllTraffic"},
]


def scale(stack, *policies, instance_type="ml.g5.xlarge", device=Device.GPU):
    """Scale the variant of ``ENDPOINT_NAME`` with ``policies`` (a GPU ml.g5.xlarge unless stated)."""
    return EndpointScaling(
        stack,
        "Scaling",
        endpoint_name=ENDPOINT_NAME,
        instance_type=instance_type,
        preset=ScalingPreset.custom(*policies, device=device),
    )

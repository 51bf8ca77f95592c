"""What the policy tests share: the scaled variant and how a policy is put on it."""

from mme_scaling_constructs import ConfigurationError, Device, EndpointScaling, ScalingPreset

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


def attempt(build):
    """Run ``build``; return its result, or None when it raised ConfigurationError naming each problem."""
    try:
        return build()
    except ConfigurationError as error:
        assert error.problems, "a ConfigurationError names at least one problem"
        for problem in error.problems:
            assert isinstance(problem.parameter, str) and problem.parameter
            str(problem)
        str(error)
        return None

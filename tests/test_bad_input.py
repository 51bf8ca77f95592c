"""One test per bad-input rule: the exact message, raised before anything is created."""

import pytest

from mme_scaling_constructs import ConfigurationError, MultiModelEndpoint, ScalingPreset
from tests.conftest import GPU_IMAGE, cpu_endpoint

GPU_TYPES = (
    "ml.g4dn.xlarge, ml.g4dn.2xlarge, ml.g4dn.4xlarge, ml.g4dn.8xlarge, ml.g4dn.16xlarge, "
    "ml.g5.xlarge, ml.g5.2xlarge, ml.g5.4xlarge, ml.g5.8xlarge, ml.g5.16xlarge, ml.p2.xlarge, ml.p3.2xlarge"
)


def single_problem(problem):
    return f"Invalid MultiModelEndpoint configuration (1 problem):\n  - {problem}"


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"image_uri": ""},
            "image_uri: got ''; allowed: an Amazon ECR image URI: "
            "<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]",
        ),
        (
            {"image_uri": "docker.io/library/nginx:latest"},
            "image_uri: got 'docker.io/library/nginx:latest'; allowed: an Amazon ECR image URI: "
            "<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]",
        ),
        (
            {"model_data_url": "s3://model-bucket/models"},
            "model_data_url: got 's3://model-bucket/models'; allowed: an S3 prefix of the form "
            "s3://<bucket>/<prefix>/, ending in '/', at most 1024 characters",
        ),
        (
            {"model_data_url": "https://model-bucket.s3.amazonaws.com/models/"},
            "model_data_url: got 'https://model-bucket.s3.amazonaws.com/models/'; allowed: an S3 prefix of the "
            "form s3://<bucket>/<prefix>/, ending in '/', at most 1024 characters",
        ),
        (
            {"model_data_url": "s3://model-bucket/models/model.tar.gz"},
            "model_data_url: got 's3://model-bucket/models/model.tar.gz'; allowed: an S3 prefix of the form "
            "s3://<bucket>/<prefix>/, ending in '/', at most 1024 characters",
        ),
        (
            {"endpoint_name": "my_endpoint"},
            "endpoint_name: got 'my_endpoint'; allowed: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        ),
        (
            {"endpoint_name": "e" * 64},
            f"endpoint_name: got '{'e' * 64}'; allowed: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        ),
        (
            {"variant_name": "-blue"},
            "variant_name: got '-blue'; allowed: 1 to 63 letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        ),
        (
            {"instance_type": "c5.xlarge"},
            "instance_type: got 'c5.xlarge'; allowed: an instance type of the form ml.<family>.<size>, "
            "e.g. ml.c5.xlarge, or an InstanceSpec",
        ),
        (
            {"instance_type": "ml.t2.medium"},
            "instance_type: got 'ml.t2.medium'; allowed: a non-burstable type: "
            "SageMaker cannot auto scale burstable ml.t* instances",
        ),
        (
            {"instance_type": "ml.g5.12xlarge"},
            "instance_type: got 'ml.g5.12xlarge'; allowed: a type multi-model endpoints support: any CPU type, "
            f"or one of the single-GPU types {GPU_TYPES}",
        ),
        (
            {"instance_type": "ml.inf2.xlarge"},
            "instance_type: got 'ml.inf2.xlarge'; allowed: a type multi-model endpoints support: any CPU type, "
            f"or one of the single-GPU types {GPU_TYPES}",
        ),
        (
            {"instance_type": "ml.z9.xlarge"},
            "instance_type: got 'ml.z9.xlarge'; allowed: a SageMaker hosting type in "
            "mme_scaling_constructs.INSTANCE_TYPES (for a newer type, pass InstanceSpec(instance_type=..., vcpus=..., "
            "gpus=...) stating its hardware)",
        ),
        (
            {"scaling": ScalingPreset.gpu()},
            "scaling: got 'ScalingPreset.gpu(...)'; allowed: a CPU preset for ml.c5.xlarge, which has no GPU",
        ),
        (
            {"initial_instance_count": 0},
            "initial_instance_count: got 0; allowed: a whole number from 1 to 2147483647 "
            "(a multi-model endpoint variant cannot scale to zero)",
        ),
        (
            {"initial_instance_count": 5, "scaling": ScalingPreset.cpu(min_capacity=2, max_capacity=4)},
            "initial_instance_count: got 5; allowed: a whole number from min_capacity (2) to max_capacity (4)",
        ),
        (
            {"initial_instance_count": 5},
            "initial_instance_count: got 5; allowed: a whole number from min_capacity (2) to max_capacity (4)",
        ),
        (
            {"environment": {"1BAD": "x"}},
            "environment['1BAD']: got '1BAD'; allowed: a variable name of letters, digits and underscores, "
            "not starting with a digit",
        ),
        (
            {"environment": {"GOOD": "x" * 1025}},
            f"environment['GOOD']: got '{'x' * 1025}'; allowed: a string of at most 1024 characters",
        ),
    ],
)
def test_rule(stack, overrides, problem):
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(stack, **overrides)
    assert str(raised.value) == single_problem(problem)
    assert stack.node.children == []


def test_every_problem_is_reported_at_once(stack):
    with pytest.raises(ConfigurationError) as raised:
        cpu_endpoint(
            stack,
            image_uri="",
            model_data_url="s3://bucket/no-slash",
            instance_type="ml.t3.large",
            endpoint_name="bad_name",
        )
    assert [problem.parameter for problem in raised.value.problems] == [
        "image_uri",
        "model_data_url",
        "endpoint_name",
        "instance_type",
    ]
    assert str(raised.value).startswith("Invalid MultiModelEndpoint configuration (4 problems):\n  - image_uri: got ''")
    assert stack.node.children == []


def test_gpu_image_on_supported_gpu_type_is_accepted(stack):
    MultiModelEndpoint(stack, "Mme", image_uri=GPU_IMAGE, model_data_url="s3://b-1/", instance_type="ml.p3.2xlarge")
    assert [child.node.id for child in stack.node.children] == ["Mme"]

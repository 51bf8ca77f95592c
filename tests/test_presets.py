import pytest
from aws_cdk import Duration

from mme_scaling_constructs import (
    CPU_UTILIZATION,
    GPU_UTILIZATION,
    ConfigurationError,
    Device,
    InvocationsPerInstancePolicy,
    ScalingPreset,
    UtilizationPolicy,
    invocations_target,
)


def test_cpu_preset_defaults():
    preset = ScalingPreset.cpu()
    assert preset.device is Device.CPU
    assert (preset.min_capacity, preset.max_capacity) == (2, 4)
    assert preset.scale_in_cooldown.to_seconds() == 600
    assert preset.scale_out_cooldown.to_seconds() == 300
    assert preset.policies == (
        InvocationsPerInstancePolicy(target_invocations_per_minute=70),
        UtilizationPolicy(metric=CPU_UTILIZATION, target_percent=50),
    )


def test_gpu_preset_tracks_gpu_utilization():
    preset = ScalingPreset.gpu(min_capacity=1, max_capacity=8, gpu_utilization_percent=60, invocations_per_instance=90)
    assert preset.device is Device.GPU
    assert (preset.min_capacity, preset.max_capacity) == (1, 8)
    assert preset.policies == (
        InvocationsPerInstancePolicy(target_invocations_per_minute=90),
        UtilizationPolicy(metric=GPU_UTILIZATION, target_percent=60),
    )


def test_cooldowns_override():
    preset = ScalingPreset.cpu(scale_in_cooldown=Duration.minutes(15), scale_out_cooldown=Duration.seconds(60))
    assert (preset.scale_in_cooldown.to_seconds(), preset.scale_out_cooldown.to_seconds()) == (900, 60)


@pytest.mark.parametrize(
    ("instance_type", "device"),
    [
        ("ml.g5.xlarge", Device.GPU),
        ("ml.p3.2xlarge", Device.GPU),
        ("ml.c5.xlarge", Device.CPU),
        ("ml.m5.large", Device.CPU),
    ],
)
def test_for_instance_type_picks_the_device(instance_type, device):
    assert ScalingPreset.for_instance_type(instance_type).device is device


def test_for_instance_type_passes_overrides():
    preset = ScalingPreset.for_instance_type("ml.g4dn.xlarge", max_capacity=10, gpu_utilization_percent=70)
    assert preset.max_capacity == 10
    assert preset.policies[1] == UtilizationPolicy(metric=GPU_UTILIZATION, target_percent=70)


def test_presets_are_frozen():
    preset = ScalingPreset.cpu()
    with pytest.raises(AttributeError):
        preset.min_capacity = 3  # type: ignore[misc]


def test_invocations_target_from_load_test():
    assert invocations_target(max_requests_per_second=10) == 300
    assert invocations_target(max_requests_per_second=4, safety_factor=1) == 240
    policy = InvocationsPerInstancePolicy.from_load_test(max_requests_per_second=5, safety_factor=0.4)
    assert policy.target_invocations_per_minute == pytest.approx(120)


def test_invocations_target_rejects_bad_inputs():
    with pytest.raises(ConfigurationError) as raised:
        invocations_target(max_requests_per_second=0, safety_factor=1.5)
    assert str(raised.value) == (
        "Invalid invocations target configuration (2 problems):\n"
        "  - max_requests_per_second: got 0; allowed: a finite number greater than 0\n"
        "  - safety_factor: got 1.5; allowed: a finite number greater than 0 and at most 1"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"min_capacity": 0},
            "  - min_capacity: got 0; allowed: a whole number from 1 to 2147483647 "
            "(a multi-model endpoint variant cannot scale to zero)",
        ),
        (
            {"min_capacity": 5, "max_capacity": 3},
            "  - max_capacity: got 3; allowed: a whole number >= min_capacity (5)",
        ),
        ({"max_capacity": 2.5}, "  - max_capacity: got 2.5; allowed: a whole number from 1 to 2147483647"),
        (
            {"invocations_per_instance": -1},
            "  - invocations_per_instance: got -1; allowed: a number from 2^-360 to 2^360 "
            "(invocations per instance per minute)",
        ),
        (
            {"cpu_utilization_percent": 0},
            "  - cpu_utilization_percent: got 0; allowed: a percentage per vCPU greater than 0 and at most 100",
        ),
        (
            {"cpu_utilization_percent": 101},
            "  - cpu_utilization_percent: got 101; allowed: a percentage per vCPU greater than 0 and at most 100",
        ),
    ],
)
def test_cpu_preset_rejects_bad_values(kwargs, message):
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.cpu(**kwargs)
    assert str(raised.value) == f"Invalid ScalingPreset.cpu configuration (1 problem):\n{message}"


def test_gpu_preset_reports_every_problem_at_once():
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.gpu(min_capacity=0, max_capacity=0, gpu_utilization_percent=150)
    assert [problem.parameter for problem in raised.value.problems] == [
        "min_capacity",
        "max_capacity",
        "gpu_utilization_percent",
    ]
    assert "gpu_utilization_percent: got 150; allowed: a percentage per GPU greater than 0 and at most 100" in str(
        raised.value
    )


def test_configuration_error_is_a_value_error():
    assert issubclass(ConfigurationError, ValueError)


def test_preset_needs_a_policy():
    with pytest.raises(ConfigurationError, match=r"policies: got \(\); allowed: at least one policy or scheduled"):
        ScalingPreset(device=Device.CPU, policies=())


def test_policy_values_are_checked_where_made():
    with pytest.raises(ConfigurationError, match=r"target_percent: got -5; allowed: a percentage per GPU"):
        UtilizationPolicy(metric=GPU_UTILIZATION, target_percent=-5)
    with pytest.raises(ConfigurationError, match=r"target_invocations_per_minute: got 0; allowed"):
        InvocationsPerInstancePolicy(target_invocations_per_minute=0)


def test_cooldowns_must_be_whole_seconds():
    with pytest.raises(ConfigurationError) as raised:
        ScalingPreset.cpu(scale_out_cooldown=Duration.millis(1500))
    assert str(raised.value) == (
        "Invalid ScalingPreset.cpu configuration (1 problem):\n"
        "  - scale_out_cooldown: got '1 second 500 millis'; allowed: a whole number of seconds from 0 to "
        "2147483647, e.g. Duration.seconds(90)"
    )
    with pytest.raises(ConfigurationError, match="scale_in_cooldown: got '250 millis'"):
        InvocationsPerInstancePolicy(scale_in_cooldown=Duration.millis(250))


def test_equal_arguments_share_one_preset_and_typed_numbers_do_not():
    """Presets are immutable, so the same arguments give the same one; 70 and 70.0 stay apart."""
    assert ScalingPreset.cpu(invocations_per_instance=80) is ScalingPreset.cpu(invocations_per_instance=80)
    whole, real = ScalingPreset.cpu(invocations_per_instance=80), ScalingPreset.cpu(invocations_per_instance=80.0)
    assert type(whole.policies[0].target_invocations_per_minute) is int
    assert type(real.policies[0].target_invocations_per_minute) is float
    assert ScalingPreset.cpu() is not ScalingPreset.gpu()
    with pytest.raises(ConfigurationError, match="min_capacity"):
        ScalingPreset.cpu(min_capacity=True)  # True == 1, but a bool is refused, shared or not
    ScalingPreset.cpu(min_capacity=1)
    with pytest.raises(ConfigurationError, match="min_capacity"):
        ScalingPreset.cpu(min_capacity=True)


def test_unhashable_arguments_are_refused_not_cached():
    with pytest.raises(ConfigurationError, match="min_capacity"):
        ScalingPreset.cpu(min_capacity=[2])

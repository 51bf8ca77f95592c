"""``EndpointScaling``: Application Auto Scaling for one SageMaker endpoint variant."""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, ArnFormat, Names, Stack
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_iam as iam
from constructs import Construct

from mme_scaling_constructs.constants import (
    DEFAULT_VARIANT_NAME,
    SCALABLE_DIMENSION,
    SCALING_SERVICE_LINKED_ROLE_NAME,
    SCALING_SERVICE_PRINCIPAL,
    TARGET_TRACKING_POLICY_TYPE,
    WARNING_PREFIX,
)
from mme_scaling_constructs.errors import Problem, Problems
from mme_scaling_constructs.instance_catalogue import (
    MME_GPU_INSTANCE_TYPES,
    InstanceSpec,
    MmeSupport,
    is_well_formed,
    lookup,
)
from mme_scaling_constructs.metrics import as_metric_spec
from mme_scaling_constructs.policies import ScalingContext, TargetTrackingSpec
from mme_scaling_constructs.presets import Device, ScalingPreset
from mme_scaling_constructs.validation import check_sagemaker_name, is_token


class EndpointScaling(Construct):
    """Auto scaling for a variant of a SageMaker multi-model endpoint made elsewhere.

    Creates an ``AWS::ApplicationAutoScaling::ScalableTarget`` on
    ``endpoint/<endpoint_name>/variant/<variant_name>`` (dimension
    ``sagemaker:variant:DesiredInstanceCount``, role: the SageMaker endpoint service-linked
    role, so no IAM role is created) and one target-tracking ``ScalingPolicy`` per policy of
    the preset. Pass the endpoint's ``attr_endpoint_name`` to make the target depend on the
    endpoint.

    Args:
        scope: the parent construct.
        construct_id: the construct id.
        endpoint_name: the endpoint's name, a literal or a token.
        instance_type: the variant's ``ml.*`` instance type; it sets the per-device targets.
        preset: defaults to ``ScalingPreset.for_instance_type(instance_type)``.
        variant_name: defaults to ``"AllTraffic"``.

    Raises:
        ConfigurationError: before anything is created, listing every invalid argument.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        instance_type: str,
        preset: ScalingPreset | None = None,
        variant_name: str = DEFAULT_VARIANT_NAME,
    ) -> None:
        problems = Problems("EndpointScaling")
        check_sagemaker_name(problems, "endpoint_name", endpoint_name)
        problems.extend(
            scaling_problems(
                instance_type=instance_type, preset=preset, variant_name=variant_name, preset_parameter="preset"
            )
        )
        problems.raise_if_any()
        super().__init__(scope, construct_id)

        #: The preset in force.
        self.preset: ScalingPreset = ScalingPreset.for_instance_type(instance_type) if preset is None else preset
        #: The scaled endpoint's name.
        self.endpoint_name = endpoint_name
        #: The scaled variant's name.
        self.variant_name = variant_name
        instance = None if is_token(instance_type) else lookup(instance_type)
        self._warn_about_risky_choices(instance)

        #: The scalable target, with the service-linked role as its role.
        self.scalable_target = appscaling.ScalableTarget(
            self,
            "Target",
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            scalable_dimension=SCALABLE_DIMENSION,
            resource_id=f"endpoint/{endpoint_name}/variant/{variant_name}",
            min_capacity=self.preset.min_capacity,
            max_capacity=self.preset.max_capacity,
            role=iam.Role.from_role_arn(self, "ServiceLinkedRole", service_linked_role_arn(self), mutable=False),
        )
        context = ScalingContext(
            endpoint_name=endpoint_name, variant_name=variant_name, instance_type=instance_type, instance=instance
        )
        #: The target-tracking policies, one per policy of the preset.
        self.scaling_policies: tuple[appscaling.CfnScalingPolicy, ...] = tuple(
            self._add_policy(spec, context) for spec in self.preset.policies
        )
        #: The step-scaling policies, one per step policy of the preset.
        self.step_scaling_policies: tuple[appscaling.StepScalingPolicy, ...] = tuple(
            appscaling.StepScalingPolicy(
                self,
                spec.construct_id,
                scaling_target=self.scalable_target,
                metric=spec.cloudwatch_metric(endpoint_name=endpoint_name, variant_name=variant_name),
                scaling_steps=spec.scaling_intervals(),
                adjustment_type=spec.adjustment_type.value,
                cooldown=spec.cooldown,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints_to_alarm,
            )
            for spec in self.preset.step_policies
        )
        for action in self.preset.schedules:
            action.apply_to(self.scalable_target, action.name)
        if self.preset.suspended_state is not None:
            cfn_target = self.scalable_target.node.default_child
            assert isinstance(cfn_target, appscaling.CfnScalableTarget)
            cfn_target.suspended_state = self.preset.suspended_state.to_cfn()

    def _add_policy(self, spec: TargetTrackingSpec, context: ScalingContext) -> appscaling.CfnScalingPolicy:
        scale_in = self.preset.scale_in_cooldown if spec.scale_in_cooldown is None else spec.scale_in_cooldown
        scale_out = self.preset.scale_out_cooldown if spec.scale_out_cooldown is None else spec.scale_out_cooldown
        return appscaling.CfnScalingPolicy(
            self,
            spec.construct_id,
            policy_name=f"{Names.unique_id(self)}{spec.construct_id}" if spec.policy_name is None else spec.policy_name,
            policy_type=TARGET_TRACKING_POLICY_TYPE,
            scaling_target_id=self.scalable_target.scalable_target_id,
            target_tracking_scaling_policy_configuration=appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=spec.emitted_target(context),
                scale_in_cooldown=int(scale_in.to_seconds()),
                scale_out_cooldown=int(scale_out.to_seconds()),
                disable_scale_in=spec.disable_scale_in,
                **spec.metric_properties(context),
            ),
        )

    def _warn_about_risky_choices(self, instance: InstanceSpec | None) -> None:
        annotations = Annotations.of(self)
        advised = [(p.construct_id, p.advisories()) for p in self.preset.policies] + [
            (p.construct_id, as_metric_spec(p.metric).advisories()) for p in self.preset.step_policies
        ]
        for construct_id, advisories in advised:
            for warning_id, message in advisories:
                annotations.add_warning_v2(f"{WARNING_PREFIX}:{warning_id}", f"{construct_id}: {message}")
        if self.preset.policies and self.preset.step_policies:
            annotations.add_warning_v2(
                f"{WARNING_PREFIX}:stepAndTargetTracking",
                "The preset mixes step scaling and target tracking on one target, which AWS advises against: "
                "the policies can fight and make capacity flap.",
            )
        if (
            self.preset.policies
            and not self.preset.step_policies
            and all(policy.disable_scale_in for policy in self.preset.policies)
        ):
            annotations.add_warning_v2(
                f"{WARNING_PREFIX}:scaleInDisabled",
                "Every policy disables scale-in: capacity only falls back through scheduled actions or by hand.",
            )
        if self.preset.min_capacity == 1:
            annotations.add_warning_v2(
                f"{WARNING_PREFIX}:minCapacityOne",
                "min_capacity is 1: a single instance gives no redundancy across Availability Zones; "
                "use 2 or more for production endpoints.",
            )
        if instance is not None and instance.is_gpu and self.preset.device is Device.CPU:
            annotations.add_warning_v2(
                f"{WARNING_PREFIX}:cpuPresetOnGpuInstance",
                f"{instance.instance_type} has a GPU but the preset is the CPU one: GPU utilization is not "
                "tracked; use ScalingPreset.gpu().",
            )


def service_linked_role_arn(scope: Construct) -> str:
    """ARN of ``AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`` in the scope's account.

    Partition- and account-aware; IAM ARNs have no region. CloudFormation creates the role on
    first use when this ARN is the scalable target's ``RoleARN``.
    """
    return Stack.of(scope).format_arn(
        service="iam",
        region="",
        resource="role",
        resource_name=f"aws-service-role/{SCALING_SERVICE_PRINCIPAL}/{SCALING_SERVICE_LINKED_ROLE_NAME}",
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


def scaling_problems(
    *,
    instance_type: Any,
    preset: ScalingPreset | None,
    variant_name: Any,
    preset_parameter: str,
) -> list[Problem]:
    """Every problem with scaling ``variant_name`` on ``instance_type`` with ``preset``.

    Args:
        instance_type: the variant's instance type.
        preset: the preset, or ``None`` for the default of the instance type.
        variant_name: the variant's name.
        preset_parameter: how the caller names the preset argument, for messages.
    """
    problems = Problems("scaling")
    check_sagemaker_name(problems, "variant_name", variant_name)
    instance = _check_instance_type(problems, instance_type)
    if preset is None and is_token(instance_type):
        problems.add(
            preset_parameter,
            None,
            "ScalingPreset.cpu() or ScalingPreset.gpu() when instance_type is a token",
        )
    if preset is not None:
        if instance is not None and preset.device is Device.GPU and not instance.is_gpu:
            problems.add(
                preset_parameter,
                "ScalingPreset.gpu(...)",
                f"a CPU preset for {instance.instance_type}, which has no GPU",
            )
        context = ScalingContext(endpoint_name="", variant_name="", instance_type=instance_type, instance=instance)
        for index, spec in enumerate(preset.policies):
            problems.extend(spec.context_problems(context, f"{preset_parameter}.policies[{index}]"))
    return problems.found


def _check_instance_type(problems: Problems, instance_type: Any) -> InstanceSpec | None:
    """Record problems with an instance type; return its catalogue entry if it is usable."""
    if is_token(instance_type):
        return None
    if not isinstance(instance_type, str) or not is_well_formed(instance_type):
        problems.add(
            "instance_type", instance_type, "an instance type of the form ml.<family>.<size>, e.g. ml.c5.xlarge"
        )
        return None
    instance = lookup(instance_type)
    if instance is None:
        problems.add(
            "instance_type",
            instance_type,
            "a type in mme_scaling_constructs.INSTANCE_TYPES (CPU types, or the single-GPU types "
            f"multi-model endpoints support: {', '.join(MME_GPU_INSTANCE_TYPES)})",
        )
        return None
    if instance.is_burstable:
        problems.add(
            "instance_type",
            instance_type,
            "a non-burstable type: SageMaker cannot auto scale burstable ml.t* instances",
        )
        return None
    if instance.mme_support is MmeSupport.UNSUPPORTED:
        problems.add(
            "instance_type",
            instance_type,
            "a type multi-model endpoints support: any CPU type, or one of the single-GPU types "
            f"{', '.join(MME_GPU_INSTANCE_TYPES)}",
        )
        return None
    return instance

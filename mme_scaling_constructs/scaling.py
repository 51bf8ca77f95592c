"""``EndpointScaling``: Application Auto Scaling for one SageMaker endpoint variant."""

from __future__ import annotations

import hashlib
import os
import weakref
from dataclasses import dataclass
from typing import Any, Final

import jsii
from aws_cdk import Annotations, Aspects, IAspect, Names, Stack
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct, IConstruct

from mme_scaling_constructs.constants import (
    DEFAULT_VARIANT_NAME,
    DETACHED_STACKS_VARIABLE,
    SCALABLE_DIMENSION,
    SCALING_SERVICE_LINKED_ROLE_NAME,
    SCALING_SERVICE_PRINCIPAL,
    TARGET_TRACKING_POLICY_TYPE,
    WARNING_PREFIX,
    detached_stack_names,
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
from mme_scaling_constructs.observability.metrics import VariantMetrics
from mme_scaling_constructs.policies import ScalingContext, TargetTrackingSpec
from mme_scaling_constructs.presets import Device, ScalingPreset
from mme_scaling_constructs.validation import (
    SAGEMAKER_NAME_RULE,
    check_instance_of,
    check_sagemaker_name,
    cooldown_seconds,
    is_string_token,
    is_token,
)


class EndpointScaling(Construct, VariantMetrics):
    """Auto scaling for a variant of a SageMaker multi-model endpoint made elsewhere.

    Creates an ``AWS::ApplicationAutoScaling::ScalableTarget`` on
    ``endpoint/<endpoint_name>/variant/<variant_name>`` (dimension
    ``sagemaker:variant:DesiredInstanceCount``, role: the SageMaker endpoint service-linked
    role, so no IAM role is created) and one target-tracking ``ScalingPolicy`` per policy of
    the preset. Pass the endpoint's ``attr_endpoint_name`` to make the target depend on the
    endpoint; a literal name of an ``AWS::SageMaker::Endpoint`` in the same stack gets the
    same dependency at synthesis.

    Args:
        scope: the parent construct.
        construct_id: the construct id.
        endpoint_name: the endpoint's name, a literal or a token.
        instance_type: the variant's ``ml.*`` instance type; it sets the per-device targets.
            For a type the catalogue does not know yet, pass an :class:`InstanceSpec` that
            states its vCPUs and GPUs.
        preset: defaults to ``ScalingPreset.for_instance_type(instance_type)``.
        variant_name: defaults to ``"AllTraffic"``.

    Raises:
        ConfigurationError: before anything is created, listing every invalid argument, and
            when the app already scales the same endpoint variant (CloudFormation would fail
            to create a second scalable target for it).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        instance_type: str | InstanceSpec,
        preset: ScalingPreset | None = None,
        variant_name: str = DEFAULT_VARIANT_NAME,
    ) -> None:
        problems = Problems("EndpointScaling")
        check_instance_of(problems, "scope", scope, Construct, "a construct (e.g. a Stack)")
        if not isinstance(endpoint_name, str):
            problems.add("endpoint_name", endpoint_name, SAGEMAKER_NAME_RULE)
        else:
            check_sagemaker_name(problems, "endpoint_name", endpoint_name)
        problems.extend(
            scaling_problems(
                instance_type=instance_type, preset=preset, variant_name=variant_name, preset_parameter="preset"
            )
        )
        problems.raise_if_any()
        stack = stack_of(scope)
        target_key = claim_variant(stack, endpoint_name, variant_name)
        super().__init__(scope, construct_id)
        remember_stack(self, stack)
        record_variant(stack, target_key, self)

        instance = resolve_instance_type(instance_type)
        #: The preset in force.
        self.preset: ScalingPreset = (
            ScalingPreset.for_instance_type(instance if instance is not None else instance_type)
            if preset is None
            else preset
        )
        #: The scaled endpoint's name.
        self.endpoint_name = endpoint_name
        #: The scaled variant's name.
        self.variant_name = variant_name
        instance_name = instance_type.instance_type if isinstance(instance_type, InstanceSpec) else instance_type
        self._warn_about_risky_choices(instance)
        catalogued = lookup(instance_name) if isinstance(instance_type, InstanceSpec) else None
        if catalogued is not None and catalogued != instance_type:
            self._warn(
                "instanceSpecDiffersFromCatalogue",
                f"The InstanceSpec given for {instance_name} differs from the catalogue's {catalogued}: "
                "the given one is used.",
            )

        #: The scalable target, with the service-linked role as its role.
        self.scalable_target = appscaling.ScalableTarget(
            self,
            "Target",
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            scalable_dimension=SCALABLE_DIMENSION,
            resource_id=f"endpoint/{endpoint_name}/variant/{variant_name}",
            min_capacity=self.preset.min_capacity,
            max_capacity=self.preset.max_capacity,
            role=_service_linked_role_of(stack, self),
        )
        self._policy_name_prefix = Names.unique_id(self)
        self._scalable_target_id = self.scalable_target.scalable_target_id
        detached = scaling_is_detached(stack)
        if not is_token(endpoint_name) and not detached:
            Aspects.of(self).add(_DependOnNamedEndpoint(self.scalable_target, endpoint_name))
        context = ScalingContext(
            endpoint_name=endpoint_name, variant_name=variant_name, instance_type=instance_name, instance=instance
        )
        self._warn_about_policies(context)
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
        if detached:
            self._detach(stack)

    def _detach(self, stack: Stack) -> None:
        """Leave this scaling's resources out of the template (the attributes stay readable)."""
        for child in self.node.children:
            self.node.try_remove_child(child.node.id)
        self._warn(
            "scalingDetached",
            f"{DETACHED_STACKS_VARIABLE} names stack {stack.stack_name}: this scaling's target, policies and "
            "schedules are left out of the template (phase 1 of mme-scaling change-instance-type). Synthesize "
            "without it to deploy them.",
        )

    def _add_policy(self, spec: TargetTrackingSpec, context: ScalingContext) -> appscaling.CfnScalingPolicy:
        scale_in = self.preset.scale_in_cooldown if spec.scale_in_cooldown is None else spec.scale_in_cooldown
        scale_out = self.preset.scale_out_cooldown if spec.scale_out_cooldown is None else spec.scale_out_cooldown
        return appscaling.CfnScalingPolicy(
            self,
            spec.construct_id,
            policy_name=generated_policy_name(self._policy_name_prefix, spec.construct_id)
            if spec.policy_name is None
            else spec.policy_name,
            policy_type=TARGET_TRACKING_POLICY_TYPE,
            scaling_target_id=self._scalable_target_id,
            target_tracking_scaling_policy_configuration=appscaling.CfnScalingPolicy.TargetTrackingScalingPolicyConfigurationProperty(
                target_value=spec.emitted_target(context),
                scale_in_cooldown=cooldown_seconds(scale_in),
                scale_out_cooldown=cooldown_seconds(scale_out),
                disable_scale_in=spec.disable_scale_in,
                **spec.metric_properties(context),
            ),
        )

    def _warn(self, warning_id: str, message: str) -> None:
        Annotations.of(self).add_warning_v2(f"{WARNING_PREFIX}:{warning_id}", message)

    def _warn_about_policies(self, context: ScalingContext) -> None:
        for policy in self.preset.policies:
            advise = getattr(policy, "context_advisories", None)
            for warning_id, message in [] if advise is None else advise(context):
                self._warn(warning_id, f"{policy.construct_id}: {message}")

    def _warn_about_risky_choices(self, instance: InstanceSpec | None) -> None:
        advised = [(p.construct_id, p.advisories()) for p in self.preset.policies] + [
            (p.construct_id, as_metric_spec(p.metric).advisories()) for p in self.preset.step_policies
        ]
        for construct_id, advisories in advised:
            for warning_id, message in advisories:
                self._warn(warning_id, f"{construct_id}: {message}")
        if self.preset.policies and self.preset.step_policies:
            self._warn(
                "stepAndTargetTracking",
                "The preset mixes step scaling and target tracking on one target, which AWS advises against: "
                "the policies can fight and make capacity flap.",
            )
        if (
            self.preset.policies
            and not self.preset.step_policies
            and all(policy.disable_scale_in for policy in self.preset.policies)
        ):
            self._warn(
                "scaleInDisabled",
                "Every policy disables scale-in: capacity only falls back through scheduled actions or by hand.",
            )
        if self.preset.min_capacity == 1:
            self._warn(
                "minCapacityOne",
                "min_capacity is 1: a single instance gives no redundancy across Availability Zones; "
                "use 2 or more for production endpoints.",
            )
        if instance is not None and instance.is_gpu and self.preset.device is Device.CPU:
            self._warn(
                "cpuPresetOnGpuInstance",
                f"{instance.instance_type} has a GPU but the preset is the CPU one: GPU utilization is not "
                "tracked; use ScalingPreset.gpu().",
            )


#: Longest ``PolicyName`` Application Auto Scaling takes (botocore ``PutScalingPolicy``).
POLICY_NAME_MAX_LENGTH: Final = 256


def generated_policy_name(prefix: str, construct_id: str) -> str:
    """``prefix + construct_id``, shortened past 256 characters with a hash of the whole, so it stays unique."""
    name = f"{prefix}{construct_id}"
    if len(name) <= POLICY_NAME_MAX_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8].upper()
    return f"{name[: POLICY_NAME_MAX_LENGTH - len(digest)]}{digest}"


#: The service-linked role's ARN resource name, ``aws-service-role/<service principal>/<name>``:
#: ``AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint`` under its path.
SERVICE_LINKED_ROLE_RESOURCE_NAME: Final = (
    f"aws-service-role/{SCALING_SERVICE_PRINCIPAL}/{SCALING_SERVICE_LINKED_ROLE_NAME}"
)


def scaling_problems(
    *,
    instance_type: Any,
    preset: Any,
    variant_name: Any,
    preset_parameter: str,
    scaled: bool = True,
) -> list[Problem]:
    """Every problem with scaling ``variant_name`` on ``instance_type`` with ``preset``.

    Args:
        instance_type: the variant's instance type, a name or an :class:`InstanceSpec`.
        preset: the preset, or ``None`` for the default of the instance type.
        variant_name: the variant's name.
        preset_parameter: how the caller names the preset argument, for messages.
        scaled: defaults to ``True``; with ``False``, only the variant itself is checked
            (burstable types can serve, they cannot be scaled).
    """
    problems = Problems("scaling")
    if variant_name is None:
        problems.add("variant_name", None, SAGEMAKER_NAME_RULE)
    check_sagemaker_name(problems, "variant_name", variant_name)
    instance = _check_instance_type(problems, instance_type, scaled=scaled)
    if not scaled:
        return problems.found
    if preset is not None and not isinstance(preset, ScalingPreset):
        problems.add(preset_parameter, preset, "a ScalingPreset (e.g. ScalingPreset.cpu()) or None")
        return problems.found
    if preset is None and is_string_token(instance_type):
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
        name = instance.instance_type if instance is not None else instance_type
        context = ScalingContext(endpoint_name="", variant_name="", instance_type=name, instance=instance)
        for index, spec in enumerate(preset.policies):
            problems.extend(spec.context_problems(context, f"{preset_parameter}.policies[{index}]"))
    return problems.found


def resolve_instance_type(instance_type: str | InstanceSpec) -> InstanceSpec | None:
    """The hardware of ``instance_type``: the given spec, the catalogue's, or ``None`` for a token."""
    if isinstance(instance_type, InstanceSpec):
        return instance_type
    return None if is_string_token(instance_type) else lookup(instance_type)


def _check_instance_type(problems: Problems, instance_type: Any, *, scaled: bool = True) -> InstanceSpec | None:
    """Record problems with an instance type; return its hardware if it is usable."""
    if is_string_token(instance_type):
        return None
    if isinstance(instance_type, InstanceSpec):
        instance = instance_type
    elif not isinstance(instance_type, str) or not is_well_formed(instance_type):
        problems.add(
            "instance_type",
            instance_type,
            "an instance type of the form ml.<family>.<size>, e.g. ml.c5.xlarge, or an InstanceSpec",
        )
        return None
    else:
        found = lookup(instance_type)
        if found is None:
            problems.add(
                "instance_type",
                instance_type,
                "a SageMaker hosting type in mme_scaling_constructs.INSTANCE_TYPES (for a newer type, pass "
                "InstanceSpec(instance_type=..., vcpus=..., gpus=...) stating its hardware)",
            )
            return None
        instance = found
    if instance.is_burstable and scaled:
        problems.add(
            "instance_type",
            instance.instance_type,
            "a non-burstable type: SageMaker cannot auto scale burstable ml.t* instances",
        )
        return None
    if instance.mme_support is MmeSupport.UNSUPPORTED:
        problems.add(
            "instance_type",
            instance.instance_type,
            "a type multi-model endpoints support: any CPU type, or one of the single-GPU types "
            f"{', '.join(MME_GPU_INSTANCE_TYPES)}",
        )
        return None
    return instance


#: The endpoint variants scaled, by registry (the app for stacks of a concrete environment, the
#: stack itself when environment-agnostic): a second scalable target on one variant fails at
#: deployment, so it is refused at construction.
_TARGETS_BY_REGISTRY: Final[weakref.WeakKeyDictionary[IConstruct, dict[tuple[str, ...], Construct]]] = (
    weakref.WeakKeyDictionary()
)


def claim_variant(stack: Stack, endpoint_name: str, variant_name: str) -> tuple[str, ...]:
    """The key under which the app scales ``variant_name`` of ``endpoint_name``; raise if it already does.

    Names compare where they can: literal names, or the same token (the same endpoint's
    attribute). Stacks of one concrete account and region share scalable targets; an
    environment-agnostic stack is compared with itself only. Record the scaling with
    :func:`record_variant` once it exists.

    Raises:
        ConfigurationError: naming the construct that already scales the variant.
    """
    facts = _stack_facts(stack)
    key = (facts.where, endpoint_name, variant_name)
    existing = _TARGETS_BY_REGISTRY.get(facts.registry, {}).get(key)
    if existing is not None:
        problems = Problems("EndpointScaling")
        problems.add(
            "endpoint_name",
            endpoint_name,
            f"an endpoint variant no other construct scales: {existing.node.path} already scales variant "
            f"{variant_name!r} of this endpoint, and Application Auto Scaling allows one scalable target per variant",
        )
        problems.raise_if_any()
    return key


def record_variant(stack: Stack, key: tuple[str, ...], scaling: Construct) -> None:
    """Record that ``scaling`` scales the variant of ``key`` (from :func:`claim_variant`)."""
    _TARGETS_BY_REGISTRY.setdefault(_stack_facts(stack).registry, {})[key] = scaling


@dataclass(frozen=True, kw_only=True)
class _StackFacts:
    """What every endpoint of a stack shares, read from jsii once per stack."""

    #: The stack's account, or ``None`` when it is not known at synthesis (a token).
    account: str | None
    #: The stack's region, or ``None`` when it is not known at synthesis (a token).
    region: str | None
    #: Where the stack's scalable targets are recorded: the app (a concrete environment: its
    #: stacks share targets) or the stack itself (environment-agnostic: compared with itself).
    registry: IConstruct
    #: ``account/region``, or ``""`` for an environment-agnostic stack.
    where: str


_STACK_FACTS: Final[weakref.WeakKeyDictionary[Stack, _StackFacts]] = weakref.WeakKeyDictionary()
#: How ``Stack.environment`` starts: ``aws://<account>/<region>``, with :data:`UNKNOWN_ACCOUNT`
#: and :data:`UNKNOWN_REGION` where a token holds the account or region.
_ENVIRONMENT_SCHEME: Final = "aws://"
#: ``cx_api.UNKNOWN_ACCOUNT``: the account of ``Stack.environment`` when a token holds it.
UNKNOWN_ACCOUNT: Final = "unknown-account"
#: ``cx_api.UNKNOWN_REGION``: the region of ``Stack.environment`` when a token holds it.
UNKNOWN_REGION: Final = "unknown-region"


def _stack_facts(stack: Stack) -> _StackFacts:
    if stack not in _STACK_FACTS:
        account_part, _, region_part = stack.environment.removeprefix(_ENVIRONMENT_SCHEME).rpartition("/")
        account = None if account_part == UNKNOWN_ACCOUNT else account_part
        region = None if region_part == UNKNOWN_REGION else region_part
        agnostic = account is None or region is None
        _STACK_FACTS[stack] = _StackFacts(
            account=account,
            region=region,
            registry=stack if agnostic else stack.node.root,
            where="" if agnostic else f"{account}/{region}",
        )
    return _STACK_FACTS[stack]


_SERVICE_LINKED_ROLES: Final[weakref.WeakKeyDictionary[Stack, iam.IRole]] = weakref.WeakKeyDictionary()


def _service_linked_role_of(stack: Stack, scope: Construct) -> iam.IRole:
    """The service-linked role Application Auto Scaling uses for SageMaker, imported once per stack.

    Its ARN is the stack's partition and account with :data:`SERVICE_LINKED_ROLE_RESOURCE_NAME`
    (IAM ARNs have no region); CloudFormation creates the role on first use when this ARN is
    the scalable target's ``RoleARN``. ``from_role_name`` formats that ARN with the stack's
    ``format_arn`` and imports it in one call. The import is immutable: a policy attached to a
    service-linked role would fail the deployment.

    The first scaling of a stack imports it as its child ``ServiceLinkedRole``; the others of
    the stack reuse that import (an import makes no resource).
    """
    if stack not in _SERVICE_LINKED_ROLES:
        _SERVICE_LINKED_ROLES[stack] = iam.Role.from_role_name(
            scope, "ServiceLinkedRole", SERVICE_LINKED_ROLE_RESOURCE_NAME, mutable=False
        )
    return _SERVICE_LINKED_ROLES[stack]


def scaling_is_detached(stack: Stack) -> bool:
    """Whether :data:`DETACHED_STACKS_VARIABLE` names ``stack``: its scaling is left out of the template."""
    names = detached_stack_names(os.environ.get(DETACHED_STACKS_VARIABLE))
    return bool(names) and stack.stack_name in names


_STACKS: Final[weakref.WeakKeyDictionary[IConstruct, Stack]] = weakref.WeakKeyDictionary()


def stack_of(scope: IConstruct) -> Stack:
    """``Stack.of(scope)``, asked of jsii once per construct (a stack is its own)."""
    if isinstance(scope, Stack):
        return scope
    found = _STACKS.get(scope)
    if found is None:
        found = _STACKS[scope] = Stack.of(scope)
    return found


def remember_stack(construct: IConstruct, stack: Stack) -> None:
    """Record that ``construct`` is in ``stack``, for :func:`stack_of`."""
    _STACKS[construct] = stack


def environment_of(stack: Stack) -> tuple[str | None, str | None]:
    """The stack's account and region, each ``None`` where a token holds it; read once per stack."""
    facts = _stack_facts(stack)
    return facts.account, facts.region


@jsii.implements(IAspect)
class _DependOnNamedEndpoint:
    """Make a scalable target depend on the endpoint of its literal name, if its stack defines it."""

    def __init__(self, target: appscaling.ScalableTarget, endpoint_name: str) -> None:
        self._target = target
        self._endpoint_name = endpoint_name
        self._done = False

    def visit(self, node: IConstruct) -> None:
        """Add the dependency once, when the aspect first visits its construct."""
        if self._done:
            return
        self._done = True
        for construct in Stack.of(self._target).node.find_all():
            if isinstance(construct, sagemaker.CfnEndpoint) and construct.endpoint_name == self._endpoint_name:
                self._target.node.add_dependency(construct)

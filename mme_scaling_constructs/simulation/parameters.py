"""The numbers of the scaling model that AWS does not document, each with its source and default.

Application Auto Scaling creates and manages the CloudWatch alarms of a target-tracking
policy, but does not document their evaluation periods or the scale-in threshold; SageMaker
does not document how long a new endpoint instance takes to serve. The simulator takes each
of these as a named parameter (:class:`ModelParameters`), so that a user who observes other
values in their account can state them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from mme_scaling_constructs.errors import Problems

#: Consecutive one-minute datapoints above the target before the scale-out ("AlarmHigh") alarm
#: fires: 3 of 3. Not documented and not configurable; observed in the field for Aurora
#: (aws-samples/amazon-aurora-labs-for-mysql#3) and ECS (aws/copilot-cli#4233); AWS does not
#: document it.
DEFAULT_SCALE_OUT_DATAPOINTS: Final = 3
#: Consecutive one-minute datapoints below the scale-in threshold before the scale-in
#: ("AlarmLow") alarm fires: 15 of 15. Observed as above; other reports show
#: 3 of 3 and 9 of 15.
DEFAULT_SCALE_IN_DATAPOINTS: Final = 15
#: The scale-in threshold as a share of the target: 0.9. AWS documents only that target tracking
#: scales in when the metric is "usually more than 10% lower" than the target
#: (Application Auto Scaling User Guide, target tracking).
DEFAULT_SCALE_IN_THRESHOLD_RATIO: Final = 0.9
#: Minutes from a scale-out until a new instance serves: 5. AWS documents only that
#: provisioning an instance "takes several minutes"
#: (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-zero-instances.html);
#: 5 minutes is an assumption, to be replaced by what the endpoint's scaling activities show
#: (``aws application-autoscaling describe-scaling-activities``).
DEFAULT_STARTUP_MINUTES: Final = 5
#: Extra minutes before a new instance of a multi-model endpoint serves at full capacity,
#: because it loads models on first use: 0. A cold load may take up to 360 s
#: (``ModelNotReadyException``, SageMaker's invoke-multi-model-endpoint page); state it for
#: large models.
DEFAULT_MODEL_LOAD_MINUTES: Final = 0
#: Longest delay the model accepts, in minutes (one day).
MAX_DELAY_MINUTES: Final = 1440
#: Most alarm datapoints the model accepts (one day of one-minute datapoints).
MAX_DATAPOINTS: Final = 1440


def _is_whole(value: Any, minimum: int, maximum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum


@dataclass(frozen=True, kw_only=True)
class ModelParameters:
    """Behaviour of Application Auto Scaling and SageMaker that AWS does not document.

    Args:
        scale_out_datapoints: consecutive minutes above a policy's target before it scales out,
            1 to 1440; defaults to 3 (observed in the field).
        scale_in_datapoints: consecutive minutes below the scale-in threshold before it scales
            in, 1 to 1440; defaults to 15 (observed in the field).
        scale_in_threshold_ratio: the scale-in threshold as a share of the target, in (0, 1];
            defaults to 0.9 (AWS: "usually more than 10% lower").
        startup_minutes: minutes from a scale-out until the new instances serve, 0 to 1440;
            defaults to 5 (AWS: "several minutes").
        model_load_minutes: further minutes a new multi-model endpoint instance spends loading
            models on first use, 0 to 1440; defaults to 0.

    Raises:
        ConfigurationError: naming each parameter out of range.
    """

    scale_out_datapoints: int = DEFAULT_SCALE_OUT_DATAPOINTS
    scale_in_datapoints: int = DEFAULT_SCALE_IN_DATAPOINTS
    scale_in_threshold_ratio: float = DEFAULT_SCALE_IN_THRESHOLD_RATIO
    startup_minutes: int = DEFAULT_STARTUP_MINUTES
    model_load_minutes: int = DEFAULT_MODEL_LOAD_MINUTES

    def __post_init__(self) -> None:
        problems = Problems("simulation model")
        for name in ("scale_out_datapoints", "scale_in_datapoints"):
            value = getattr(self, name)
            if not _is_whole(value, 1, MAX_DATAPOINTS):
                problems.add(name, value, f"a whole number from 1 to {MAX_DATAPOINTS}")
        ratio = self.scale_in_threshold_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio <= 1:
            problems.add("scale_in_threshold_ratio", ratio, "a number greater than 0 and at most 1")
        for name in ("startup_minutes", "model_load_minutes"):
            value = getattr(self, name)
            if not _is_whole(value, 0, MAX_DELAY_MINUTES):
                problems.add(name, value, f"a whole number of minutes from 0 to {MAX_DELAY_MINUTES}")
        problems.raise_if_any()

    @property
    def delay_minutes(self) -> int:
        """Minutes from a scale-out until the new instances serve: start-up plus model loading."""
        return self.startup_minutes + self.model_load_minutes

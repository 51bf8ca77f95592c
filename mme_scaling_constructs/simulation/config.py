"""The scaling configuration the simulator runs: plain values, no CDK.

A :class:`SimulationConfig` holds what a ``ScalingPreset`` or a template's scalable target and
policies decide: capacity bounds, target-tracking policies, cooldowns, scheduled actions and
the suspended state. Build one directly, from a preset (:func:`~.sources.config_from_preset`),
from a synthesized template (:func:`~.sources.config_from_template`), or from the JSON that
``mme-scaling recommend`` writes (:meth:`SimulationConfig.from_json`).
"""

from __future__ import annotations

import datetime
import math
import zoneinfo
from dataclasses import dataclass, field
from typing import Any, Final

from mme_scaling_constructs.constants import MAX_TARGET_VALUE, MIN_TARGET_VALUE
from mme_scaling_constructs.errors import Problems

#: Defaults of ``ScalingPreset.cpu()`` and ``ScalingPreset.gpu()`` (presets.py, policies.py), kept
#: here so that the simulator runs without CDK. A test checks that they agree.
DEFAULT_MIN_CAPACITY: Final = 2
DEFAULT_MAX_CAPACITY: Final = 4
DEFAULT_INVOCATIONS_PER_INSTANCE: Final = 70.0
DEFAULT_UTILIZATION_PERCENT: Final = 50.0
#: The AWS MME page's example cooldowns: 600 s in, 300 s out.
DEFAULT_SCALE_IN_COOLDOWN_S: Final = 600
DEFAULT_SCALE_OUT_COOLDOWN_S: Final = 300

#: Default share of minutes the recommender lets be overloaded: 0.5 %.
DEFAULT_OVERLOAD_BUDGET: Final = 0.005
#: Default lowest minimum capacity the recommender searches: 2, AWS's recommendation for
#: Multi-AZ availability of an MME (SageMaker Developer Guide, create a multi-model endpoint).
DEFAULT_MIN_CAPACITY_FLOOR: Final = 2

#: Capacities and cooldowns are 32-bit integers in Application Auto Scaling's API.
MAX_INT32: Final = 2**31 - 1

INVOCATIONS: Final = "invocations"
UTILIZATION: Final = "utilization"

CAPACITY_RULE: Final = f"a whole number from 1 to {MAX_INT32}"
COOLDOWN_RULE: Final = f"a whole number of seconds from 0 to {MAX_INT32}"
TARGET_RULE: Final = "a number from 2^-360 to 2^360 (invocations per instance per minute)"
PERCENT_RULE: Final = "a percentage per device greater than 0 and at most 100"

#: The keys of a configuration's JSON object (:meth:`SimulationConfig.from_json`).
CONFIG_KEYS: Final = frozenset(
    {
        "min_capacity",
        "max_capacity",
        "invocations_per_instance",
        "utilization_percent",
        "scale_in_cooldown_s",
        "scale_out_cooldown_s",
        "policies",
        "schedules",
        "dynamic_scaling_in_suspended",
        "dynamic_scaling_out_suspended",
        "scheduled_scaling_suspended",
        "instance_type",
    }
)


def is_number(value: Any) -> bool:
    """Whether ``value`` is a finite ``int`` or ``float`` (not a ``bool``)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_whole(value: Any, minimum: int, maximum: int = MAX_INT32) -> bool:
    """Whether ``value`` is an ``int`` (not a ``bool``) from ``minimum`` to ``maximum``."""
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= maximum


@dataclass(frozen=True, kw_only=True)
class SimulatedPolicy:
    """A target-tracking policy as the simulator sees it.

    Args:
        metric: ``"invocations"`` (``SageMakerVariantInvocationsPerInstance``) or
            ``"utilization"`` (CPU or GPU utilization, modelled as proportional to invocations
            per instance: 100 % per device at ``max_rps_per_instance``).
        target: invocations per instance per minute, or percent per device (in (0, 100]).
        disable_scale_in: whether the policy never removes capacity; defaults to ``False``.
        name: a label for reports; defaults to the metric.
    """

    metric: str
    target: float
    disable_scale_in: bool = False
    name: str = ""

    def problems(self, problems: Problems, parameter: str) -> None:
        """Record what is wrong with this policy, naming ``parameter``."""
        if self.metric not in (INVOCATIONS, UTILIZATION):
            problems.add(f"{parameter}.metric", self.metric, "'invocations' or 'utilization'")
        elif self.metric == INVOCATIONS:
            if not is_number(self.target) or not MIN_TARGET_VALUE <= self.target <= MAX_TARGET_VALUE:
                problems.add(f"{parameter}.target", self.target, TARGET_RULE)
        elif not is_number(self.target) or not 0 < self.target <= 100:
            problems.add(f"{parameter}.target", self.target, PERCENT_RULE)
        if not isinstance(self.disable_scale_in, bool):
            problems.add(f"{parameter}.disable_scale_in", self.disable_scale_in, "True or False")
        if not isinstance(self.name, str):
            problems.add(f"{parameter}.name", self.name, "a string")

    def invocations_target(self, max_rps_per_instance: float) -> float:
        """The target in invocations per instance per minute.

        A utilization target of U % per device is ``U / 100 x max_rps_per_instance x 60``: the
        model takes utilization to be proportional to invocations per instance, reaching 100 %
        at the load-tested rate (an assumption; AWS requires only that a custom metric fall in
        inverse proportion to capacity: botocore's CustomizedMetricSpecification).
        """
        if self.metric == UTILIZATION:
            return self.target / 100 * max_rps_per_instance * 60
        return self.target

    def to_json(self) -> dict[str, Any]:
        """The policy as JSON."""
        return {
            "name": self.name or self.metric,
            "metric": self.metric,
            "target": self.target,
            "disable_scale_in": self.disable_scale_in,
        }


@dataclass(frozen=True, kw_only=True)
class ScheduledCapacity:
    """A scheduled action: from each time ``schedule`` names, the capacity bounds change.

    Args:
        name: the action's name.
        schedule: ``at(yyyy-mm-ddThh:mm:ss)``, ``rate(<n> <unit>)`` or
            ``cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)``, read in
            ``time_zone``; see :mod:`.schedule_times` for what the simulator evaluates.
        min_capacity: the new lowest count, or ``None`` (unchanged).
        max_capacity: the new highest count, or ``None`` (unchanged).
        time_zone: an IANA time zone; defaults to ``None``: UTC.
        start_time: ISO 8601 time with an offset (``2026-03-02T08:00:00Z``) from which the
            action fires; defaults to ``None``: from the trace's start.
        end_time: ISO 8601 time with an offset before which it fires; defaults to ``None``.
    """

    name: str
    schedule: str
    min_capacity: int | None = None
    max_capacity: int | None = None
    time_zone: str | None = None
    start_time: str | None = None
    end_time: str | None = None

    @property
    def start(self) -> datetime.datetime | None:
        """``start_time`` as a datetime."""
        return _instant(self.start_time)

    @property
    def end(self) -> datetime.datetime | None:
        """``end_time`` as a datetime."""
        return _instant(self.end_time)

    def problems(self, problems: Problems, parameter: str) -> None:
        """Record what is wrong with this action, naming ``parameter``."""
        from mme_scaling_constructs.simulation.schedule_times import schedule_problem

        if not isinstance(self.name, str) or not self.name:
            problems.add(f"{parameter}.name", self.name, "a non-empty string")
        problem = schedule_problem(self.schedule)
        if problem is not None:
            problems.add(f"{parameter}.schedule", self.schedule, problem)
        for bound in ("min_capacity", "max_capacity"):
            value = getattr(self, bound)
            if value is not None and not is_whole(value, 1):
                problems.add(f"{parameter}.{bound}", value, f"{CAPACITY_RULE}, or None (unchanged)")
        if self.time_zone is not None and not _is_time_zone(self.time_zone):
            problems.add(
                f"{parameter}.time_zone", self.time_zone, "an IANA time zone name, e.g. 'Europe/Paris', or None"
            )
        for bound in ("start_time", "end_time"):
            value = getattr(self, bound)
            if value is not None and _instant(value) is None:
                problems.add(
                    f"{parameter}.{bound}", value, "an ISO 8601 time with an offset, e.g. 2026-03-02T08:00:00Z"
                )
        start, end = self.start, self.end
        if start is not None and end is not None and not start < end:
            problems.add(f"{parameter}.end_time", self.end_time, f"a time after start_time ({self.start_time})")
        if self.min_capacity is None and self.max_capacity is None:
            problems.add(parameter, self.name, "an action that sets min_capacity, max_capacity or both")
        elif (
            is_whole(self.min_capacity, 1) and is_whole(self.max_capacity, 1) and self.max_capacity < self.min_capacity  # type: ignore[operator]
        ):
            problems.add(f"{parameter}.max_capacity", self.max_capacity, f">= min_capacity ({self.min_capacity})")

    def to_json(self) -> dict[str, Any]:
        """The action as JSON."""
        return {
            "name": self.name,
            "schedule": self.schedule,
            "min_capacity": self.min_capacity,
            "max_capacity": self.max_capacity,
            **{
                key: value
                for key, value in (
                    ("time_zone", self.time_zone),
                    ("start_time", self.start_time),
                    ("end_time", self.end_time),
                )
                if value is not None
            },
        }


def _instant(text: object) -> datetime.datetime | None:
    """``text`` as an aware datetime, or ``None`` if it is not an ISO 8601 time with an offset."""
    if not isinstance(text, str):
        return None
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None and when.utcoffset() is not None else None


def _is_time_zone(name: object) -> bool:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class SimulationConfig:
    """The scaling of one variant, as the simulator runs it.

    Args:
        min_capacity: lowest instance count, >= 1; defaults to 2 (the presets' default).
        max_capacity: highest instance count, >= min_capacity; defaults to 4.
        policies: the target-tracking policies; defaults to the presets' two: 70 invocations per
            instance per minute and 50 % utilization per device.
        scale_in_cooldown_s: seconds after a scale-in before the next one; defaults to 600.
        scale_out_cooldown_s: seconds after a scale-out during which only a larger scale-out,
            computed with the added capacity counted, proceeds; defaults to 300.
        schedules: scheduled actions; defaults to none.
        dynamic_scaling_in_suspended: no policy scales in; defaults to ``False``.
        dynamic_scaling_out_suspended: no policy scales out; defaults to ``False``.
        scheduled_scaling_suspended: scheduled actions do not run; defaults to ``False``.
        instance_type: the instance type, a label for reports; defaults to ``None``.

    Raises:
        ConfigurationError: naming each invalid field.
    """

    min_capacity: int = DEFAULT_MIN_CAPACITY
    max_capacity: int = DEFAULT_MAX_CAPACITY
    policies: tuple[SimulatedPolicy, ...] = (
        SimulatedPolicy(metric=INVOCATIONS, target=DEFAULT_INVOCATIONS_PER_INSTANCE),
        SimulatedPolicy(metric=UTILIZATION, target=DEFAULT_UTILIZATION_PERCENT),
    )
    scale_in_cooldown_s: int = DEFAULT_SCALE_IN_COOLDOWN_S
    scale_out_cooldown_s: int = DEFAULT_SCALE_OUT_COOLDOWN_S
    schedules: tuple[ScheduledCapacity, ...] = field(default=())
    dynamic_scaling_in_suspended: bool = False
    dynamic_scaling_out_suspended: bool = False
    scheduled_scaling_suspended: bool = False
    instance_type: str | None = None

    def __post_init__(self) -> None:
        problems = Problems("simulation")
        if not is_whole(self.min_capacity, 1):
            problems.add("min_capacity", self.min_capacity, CAPACITY_RULE)
        if not is_whole(self.max_capacity, 1):
            problems.add("max_capacity", self.max_capacity, CAPACITY_RULE)
        elif is_whole(self.min_capacity, 1) and self.max_capacity < self.min_capacity:
            problems.add("max_capacity", self.max_capacity, f"a whole number >= min_capacity ({self.min_capacity})")
        for name in ("scale_in_cooldown_s", "scale_out_cooldown_s"):
            if not is_whole(getattr(self, name), 0):
                problems.add(name, getattr(self, name), COOLDOWN_RULE)
        for name, kind, collection in (
            ("policies", SimulatedPolicy, self.policies),
            ("schedules", ScheduledCapacity, self.schedules),
        ):
            if not isinstance(collection, (tuple, list)):
                problems.add(name, collection, f"a tuple of {kind.__name__} values")
                continue
            object.__setattr__(self, name, tuple(collection))
            for index, item in enumerate(collection):
                if isinstance(item, kind):
                    item.problems(problems, f"{name}[{index}]")
                else:
                    problems.add(f"{name}[{index}]", item, f"a {kind.__name__}")
        if (
            isinstance(self.policies, tuple)
            and isinstance(self.schedules, tuple)
            and not (self.policies or self.schedules)
        ):
            problems.add("policies", self.policies, "at least one policy or scheduled action")
        for name in ("dynamic_scaling_in_suspended", "dynamic_scaling_out_suspended", "scheduled_scaling_suspended"):
            if not isinstance(getattr(self, name), bool):
                problems.add(name, getattr(self, name), "True or False")
        if self.instance_type is not None and not isinstance(self.instance_type, str):
            problems.add("instance_type", self.instance_type, "a string or None")
        problems.raise_if_any()

    def invocations_targets(self, max_rps_per_instance: float) -> list[float]:
        """Each policy's target in invocations per instance per minute."""
        return [policy.invocations_target(max_rps_per_instance) for policy in self.policies]

    @property
    def invocations_per_instance(self) -> float | None:
        """The target of the (first) invocations policy, if there is one."""
        return next((p.target for p in self.policies if p.metric == INVOCATIONS), None)

    @property
    def utilization_percent(self) -> float | None:
        """The target of the (first) utilization policy, if there is one."""
        return next((p.target for p in self.policies if p.metric == UTILIZATION), None)

    def to_json(self) -> dict[str, Any]:
        """The configuration as the JSON ``recommended`` object; :meth:`from_json` reads it back."""
        document: dict[str, Any] = {
            "min_capacity": self.min_capacity,
            "max_capacity": self.max_capacity,
            "invocations_per_instance": self.invocations_per_instance,
            "utilization_percent": self.utilization_percent,
            "scale_in_cooldown_s": self.scale_in_cooldown_s,
            "scale_out_cooldown_s": self.scale_out_cooldown_s,
            "policies": [policy.to_json() for policy in self.policies],
            "schedules": [action.to_json() for action in self.schedules],
        }
        flags = {
            "dynamic_scaling_in_suspended": self.dynamic_scaling_in_suspended,
            "dynamic_scaling_out_suspended": self.dynamic_scaling_out_suspended,
            "scheduled_scaling_suspended": self.scheduled_scaling_suspended,
        }
        document.update({name: value for name, value in flags.items() if value})
        if self.instance_type is not None:
            document["instance_type"] = self.instance_type
        return document

    @classmethod
    def from_json(cls, document: Any, where: str = "config") -> SimulationConfig:
        """Read a configuration written by :meth:`to_json`.

        ``policies`` wins over ``invocations_per_instance`` and ``utilization_percent``. Without
        ``policies``, those two give the policies as the presets do: 70 invocations per instance
        per minute and 50 % per device unless stated, ``null`` for no such policy. Unknown keys
        are refused.

        Args:
            document: the parsed JSON object.
            where: how messages name the document, e.g. ``"rec.json: recommended"``.

        Raises:
            ConfigurationError: naming each invalid key as ``<where>.<key>``.
        """
        problems = Problems("simulation")
        if not isinstance(document, dict):
            problems.add(where, document, "a JSON object")
            problems.raise_if_any()
        for key in document:
            if key not in CONFIG_KEYS:
                problems.add(f"{where}.{key}", document[key], f"one of the keys {', '.join(sorted(CONFIG_KEYS))}")
        arguments: dict[str, Any] = {
            key: document[key]
            for key in CONFIG_KEYS - {"policies", "schedules", "invocations_per_instance", "utilization_percent"}
            if key in document
        }
        policies = _read_list(problems, document, "policies", where, _policy_from_json)
        if policies is not None:
            arguments["policies"] = policies
        elif "policies" not in document:
            flat = (
                (INVOCATIONS, document.get("invocations_per_instance", DEFAULT_INVOCATIONS_PER_INSTANCE)),
                (UTILIZATION, document.get("utilization_percent", DEFAULT_UTILIZATION_PERCENT)),
            )
            arguments["policies"] = tuple(
                SimulatedPolicy(metric=metric, target=target) for metric, target in flat if target is not None
            )
        schedules = _read_list(problems, document, "schedules", where, _schedule_from_json)
        if schedules is not None:
            arguments["schedules"] = schedules
        problems.raise_if_any()
        try:
            return cls(**arguments)
        except Exception as error:
            from mme_scaling_constructs.errors import ConfigurationError

            if isinstance(error, ConfigurationError):
                for problem in error.problems:
                    problems.add(f"{where}.{problem.parameter}", problem.value, problem.allowed)
                problems.raise_if_any()
            raise


def _read_list(problems: Problems, document: dict[str, Any], key: str, where: str, read: Any) -> tuple[Any, ...] | None:
    if key not in document or document[key] is None:
        return None
    items = document[key]
    if not isinstance(items, list):
        problems.add(f"{where}.{key}", items, "a JSON array")
        return None
    result = []
    for index, item in enumerate(items):
        value = read(problems, item, f"{where}.{key}[{index}]")
        if value is not None:
            result.append(value)
    return tuple(result)


def _fields(problems: Problems, item: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        problems.add(where, item, "a JSON object")
        return None
    ok = True
    for key in item:
        if key not in required | optional:
            problems.add(f"{where}.{key}", item[key], f"one of the keys {', '.join(sorted(required | optional))}")
            ok = False
    for key in sorted(required - set(item)):
        problems.add(f"{where}.{key}", None, "a value (required)")
        ok = False
    return item if ok else None


def _policy_from_json(problems: Problems, item: Any, where: str) -> SimulatedPolicy | None:
    read = _fields(problems, item, where, {"metric", "target"}, {"disable_scale_in", "name"})
    if read is None:
        return None
    return SimulatedPolicy(
        metric=read["metric"],
        target=read["target"],
        disable_scale_in=read.get("disable_scale_in", False),
        name=read.get("name", ""),
    )


def _schedule_from_json(problems: Problems, item: Any, where: str) -> ScheduledCapacity | None:
    read = _fields(
        problems,
        item,
        where,
        {"name", "schedule"},
        {"min_capacity", "max_capacity", "time_zone", "start_time", "end_time"},
    )
    if read is None:
        return None
    return ScheduledCapacity(
        name=read["name"],
        schedule=read["schedule"],
        min_capacity=read.get("min_capacity"),
        max_capacity=read.get("max_capacity"),
        time_zone=read.get("time_zone"),
        start_time=read.get("start_time"),
        end_time=read.get("end_time"),
    )

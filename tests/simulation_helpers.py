"""What the simulation command tests share: the keys of the reports the commands write."""

#: Keys every ``simulate`` and ``recommend`` report has, which a re-run reproduces.
REPORT_KEYS = {
    "minutes",
    "instance_minutes",
    "overloaded_minutes",
    "max_overload_ratio",
    "scaling_activities",
    "static_peak_instances",
    "static_peak_instance_minutes",
}
#: Keys of the configuration ``recommend`` writes.
RECOMMENDED_KEYS = {
    "min_capacity",
    "max_capacity",
    "invocations_per_instance",
    "scale_in_cooldown_s",
    "scale_out_cooldown_s",
}

"""What-if simulation of Application Auto Scaling on a per-minute traffic trace, and a recommender.

One concept per module:

- :mod:`.trace`: the trace CSV format and :class:`~.trace.Trace`.
- :mod:`.config`: :class:`~.config.SimulationConfig`, the scaling configuration as plain values.
- :mod:`.parameters`: :class:`~.parameters.ModelParameters`, the numbers AWS does not document.
- :mod:`.schedule_times`: when scheduled actions fire.
- :mod:`.model`: the minute-by-minute model, :func:`~.model.simulate`.
- :mod:`.lockstep`: the same model for many configurations at once.
- :mod:`.recommend`: the search for the cheapest configuration within an overload budget.
- :mod:`.report`: summary, JSON report, preset code and plot.
- :mod:`.sources`: configurations from a ``ScalingPreset`` or a synthesized template.
- :mod:`.synthetic`: synthetic traces.
- :mod:`.commands`: the ``simulate`` and ``recommend`` subcommands.

Nothing here imports CDK or jsii, except :func:`~.sources.config_from_preset` when called.
"""

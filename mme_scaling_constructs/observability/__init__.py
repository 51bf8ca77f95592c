"""Observability of auto-scaled multi-model endpoints: metrics, alarms and a dashboard.

``VariantMetrics`` names the CloudWatch metrics of a variant; ``ScalingAlarms`` alarms on the
signals that scaling is not keeping up; ``ScalingDashboard`` draws each endpoint against the
targets of the policies that scale it.

Names are imported on first use, so that the constructs can use the metrics module without
importing the alarms and dashboard, which import the constructs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mme_scaling_constructs.observability.alarms import AlarmKind, ScalingAlarms
    from mme_scaling_constructs.observability.dashboard import ScalingDashboard
    from mme_scaling_constructs.observability.metrics import VariantMetricDefinition, VariantMetrics

_MODULE_OF = {
    "AlarmKind": "alarms",
    "ScalingAlarms": "alarms",
    "ScalingDashboard": "dashboard",
    "VariantMetricDefinition": "metrics",
    "VariantMetrics": "metrics",
}

__all__ = ["AlarmKind", "ScalingAlarms", "ScalingDashboard", "VariantMetricDefinition", "VariantMetrics"]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

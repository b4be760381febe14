"""What a person adds to a job after upload, shared by the API (validation) and the worker (use).

Kept apart from the pipeline so API processes never import the document reader or the model.
"""

from __future__ import annotations

from typing import Any

from verae.labs.schemas import LabReport
from verae.labs.values import apply_field

# Payload key holding the complete set of values a person reviewed (GET/PUT /jobs/{id}/values).
REVIEWED_VALUES = "reviewed_values"


def apply_supplied_inputs(report: LabReport, supplied: dict[str, Any]) -> None:
    """Inputs a person supplied after `needs_input`: a bare value, or {"value", "unit"} for an analyte."""
    for name, given in supplied.items():
        if isinstance(given, dict):
            apply_field(report, name, given.get("value"), given.get("unit"))
        else:
            apply_field(report, name, given)

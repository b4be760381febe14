"""Test-only fault injection at pipeline stages, configured with VERAE_FAULTS and refused in production.

Each entry is `KIND@STAGE[=N]`:
- `delay@parsing=3`      sleep 3 seconds when the stage starts (to kill a worker mid-job);
- `transient@inference=2` raise a transient error on the first 2 attempts, then let the job through;
- `permanent@parsing`     fail the job at once with the code `injected_fault`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from verae.queue.errors import PermanentJobError

STAGES = ("parsing", "normalizing", "inference", "persisting")


class InjectedTransientFault(ConnectionError):
    """Looks like a dropped connection, the kind of error a retry fixes."""


@dataclass(frozen=True)
class Fault:
    kind: str
    stage: str
    amount: float

    @classmethod
    def parse(cls, spec: str) -> Fault:
        kind, _, rest = spec.partition("@")
        stage, _, amount = rest.partition("=")
        if kind not in ("delay", "transient", "permanent") or stage not in STAGES:
            raise ValueError(f"not a fault spec: {spec!r} (expected KIND@STAGE[=N])")
        return cls(kind=kind, stage=stage, amount=float(amount or 1))

    def trigger(self, stage: str, attempt: int) -> None:
        if stage != self.stage:
            return
        if self.kind == "delay":
            time.sleep(self.amount)
        elif self.kind == "transient" and attempt <= self.amount:
            raise InjectedTransientFault(f"injected transient fault at {stage}")
        elif self.kind == "permanent":
            raise PermanentJobError("injected_fault", f"An injected fault stopped the job at {stage}.")


def parse_faults(specs: list[str]) -> tuple[Fault, ...]:
    return tuple(Fault.parse(spec) for spec in specs)

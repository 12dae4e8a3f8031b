"""Check a deployed stack against rules AWS enforces and emulators do not."""

from __future__ import annotations

from webhookstack.doctor.probes import header_case
from webhookstack.doctor.rules import Check, judge
from webhookstack.doctor.snapshot import take_snapshot
from webhookstack.stack.model import Stack
from webhookstack.stack.session import Target


def diagnose(stack: Stack, target: Target, probe: bool = True) -> list[Check]:
    snap = take_snapshot(stack, target)
    checks = judge(stack, snap)
    if probe and snap.api_id:
        checks += header_case(stack, snap, target)
    return checks

"""The seam for per-function resource limits (memory, CPU) of runtime processes.

Not built yet: cgroup v2 limits (``memory.max`` = MemorySize, ``cpu.max`` scaled like AWS's
1,769 MB = 1 vCPU) are a later issue. The executor calls these hooks at the right moments,
so an implementation only has to fill them in and be chosen in ``LocalRuntimeExecutor.limits``.
"""

from __future__ import annotations


class ResourceLimits:
    """No limits: the default. Subclass and override to confine runtime processes."""

    def wrap_command(self, argv: list[str], memory_size_mb: int) -> list[str]:
        """Return the command that runs ``argv`` confined (e.g. under ``systemd-run``)."""
        return argv

    def attach(self, pid: int, memory_size_mb: int) -> None:
        """Called right after the runtime process ``pid`` was spawned (e.g. join a cgroup)."""

    def release(self, pid: int) -> None:
        """Called once process ``pid`` has ended (e.g. remove its cgroup)."""

"""Lambda's resource model for runtime processes: memory = MemorySize, CPU = MemorySize/1,769 vCPU.

AWS gives a function configured with M MB at most M MB of memory and a CPU share proportional
to M (1,769 MB = one vCPU, at most 6 vCPU). Here each execution environment gets its own pair
of cgroup v1 groups, created next to LocalStack's own groups (``/proc/self/cgroup``)::

    /sys/fs/cgroup/cpu/<localstack's cpu cgroup>/webhookstack-<localstack pid>-<environment id>/
    /sys/fs/cgroup/memory/<localstack's memory cgroup>/webhookstack-<localstack pid>-<environment id>/

- ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` = M/1,769 vCPU, capped at 6 and at the machine's
  cores. The period is 20 ms (kernel default 100 ms) so that even a few-ms invocation at 128 MB
  sees its proportional share instead of a full-speed burst followed by a long stall.
- The init phase (process start to the runtime's first poll) runs with at least one vCPU:
  AWS does not document init-phase CPU, but Python cold starts measured on AWS at 128 MB are far
  shorter than 1/14 of a vCPU allows (importing boto3 alone would take seconds). The function's
  own share applies from the first invocation on, which is what billed durations measure.
- ``memory.limit_in_bytes`` = M MiB (and ``memory.memsw.limit_in_bytes``: no swapping around it).
  Exceeding it makes the kernel kill the runtime (SIGKILL); the executor sees ``oom_kill`` grow in
  ``memory.oom_control`` and reports ``Runtime.OutOfMemory`` as Lambda does.

The runtime process joins its groups before it runs a single instruction of Python: the command
is wrapped in ``/bin/sh -c 'echo $$ > …/cgroup.procs; exec …'``. Groups are removed when the
environment stops, at LocalStack's exit, and groups left by a dead LocalStack are swept at start.

Where that is impossible (not Linux, no cgroup v1 ``cpu``/``memory`` controllers, not writable,
or ``WEBHOOKSTACK_LAMBDA_LIMITS=off``), functions run unlimited; :func:`current` logs that once,
with the reason, and writes it to :data:`STATE_FILE_NAME` in the engine's temp folder, which
``webhookstack status`` prints.

Importable without LocalStack.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import errno
import json
import logging
import os
import re
import shlex
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from webhookstack.processes import alive

LOG = logging.getLogger(__name__)

MB_PER_VCPU = 1769
MAX_VCPUS = 6
CFS_PERIOD_US = 20_000
MIN_CFS_QUOTA_US = 1_000  # the kernel's lower bound
MIB = 1024 * 1024
DISABLE_ENV = "WEBHOOKSTACK_LAMBDA_LIMITS"  # "off" / "0" / "false": run unlimited on purpose
STATE_FILE_NAME = "webhookstack-lambda-limits.json"
GROUP_PREFIX = "webhookstack-"
_GROUP_RE = re.compile(r"^webhookstack-(\d+)-(.+)$")


# ---------------------------------------------------------------------------- the model
def vcpus_for_memory(memory_mb: int, cpu_count: int | None = None) -> float:
    """Lambda's CPU share for ``memory_mb``, capped at 6 vCPU and at this machine's cores."""
    cores = cpu_count or os.cpu_count() or 1
    return min(memory_mb / MB_PER_VCPU, MAX_VCPUS, cores)


def cfs_quota_us(memory_mb: int, period_us: int = CFS_PERIOD_US, cpu_count: int | None = None) -> int:
    return max(MIN_CFS_QUOTA_US, round(vcpus_for_memory(memory_mb, cpu_count) * period_us))


# ---------------------------------------------------------------------------- state
@dataclasses.dataclass(frozen=True)
class LimitsState:
    """What the executor decided, for logs and ``webhookstack status``."""

    enforced: bool
    detail: str  # the mechanism when enforced, else the reason it is not
    pid: int = dataclasses.field(default_factory=os.getpid)

    def line(self) -> str:
        if self.enforced:
            return (
                f"Lambda resource limits: enforced via {self.detail} "
                f"(memory = MemorySize, CPU = MemorySize/{MB_PER_VCPU} vCPU)"
            )
        return f"Lambda resource limits: OFF, functions run unlimited: {self.detail}"


def state_file(tmp_dir: str | Path | None = None) -> Path:
    """Where the engine records its :class:`LimitsState` (its ``TMPDIR``)."""
    return Path(tmp_dir or tempfile.gettempdir()) / STATE_FILE_NAME


def read_state(path: Path) -> LimitsState | None:
    try:
        data = json.loads(path.read_text())
        return LimitsState(enforced=bool(data["enforced"]), detail=str(data["detail"]), pid=int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def status_line(tmp_dir: str | Path, engine_pid: int) -> str:
    """One line for ``webhookstack status``: what the engine with ``engine_pid`` decided."""
    state = read_state(state_file(tmp_dir))
    if state is None or state.pid != engine_pid:
        return "Lambda resource limits: not known yet (the engine's Lambda service has not started)"
    return state.line()


def write_state(state: LimitsState, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dataclasses.asdict(state)))
    os.replace(tmp, path)


# ---------------------------------------------------------------------------- the seam
class Confinement:
    """One execution environment's limits. This base confines nothing."""

    def wrap_command(self, argv: list[str]) -> list[str]:
        """The command that runs ``argv`` confined from its first instruction."""
        return argv

    def runtime_starting(self) -> None:
        """Called before a runtime process is spawned (its init phase begins)."""

    def runtime_ready(self) -> None:
        """Called when the runtime finished init and polls for its first event."""

    def checkpoint(self) -> None:
        """Called before each invocation is handed to the runtime."""

    def out_of_memory(self) -> bool:
        """Whether the memory limit killed the runtime since the last :meth:`checkpoint`."""
        return False

    def close(self) -> None:
        """Release the limits (the runtime process has been stopped)."""


class ResourceLimits:
    """No limits. :class:`CgroupV1Limits` is the real one; :func:`current` picks."""

    def __init__(self, state: LimitsState | None = None) -> None:
        self.state = state or LimitsState(False, "no resource limits configured")

    def confine(self, environment_id: str, memory_size_mb: int) -> Confinement:
        return Confinement()

    def shutdown(self) -> None:
        """Release everything still held (LocalStack is exiting)."""


# ---------------------------------------------------------------------------- cgroup v1
def _write(path: Path, value: str | int) -> None:
    with open(path, "w") as handle:
        handle.write(str(value))


def _procs(group: Path) -> list[int]:
    try:
        return [int(x) for x in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _oom_kills(memory_group: Path) -> int:
    """The kernel's count of OOM kills in this group (``oom_kill`` line, Linux >= 4.13)."""
    try:
        text = (memory_group / "memory.oom_control").read_text()
    except OSError:
        return 0
    match = re.search(r"^oom_kill (\d+)$", text, re.M)
    if match:
        return int(match.group(1))
    try:  # older kernels: hitting the limit is the best sign we have
        return int((memory_group / "memory.failcnt").read_text())
    except (OSError, ValueError):
        return 0


def remove_group(group: Path, timeout: float = 2.0) -> bool:
    """Kill what is left in ``group`` (only our runtime processes ever are), then remove it."""
    deadline = time.monotonic() + timeout
    while True:
        for pid in _procs(group):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        try:
            group.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError as e:
            if e.errno not in (errno.EBUSY, errno.ENOTEMPTY) or time.monotonic() > deadline:
                LOG.warning("could not remove cgroup %s: %s", group, e)
                return False
        time.sleep(0.01)


class CgroupV1Confinement(Confinement):
    def __init__(self, cpu_group: Path, memory_group: Path, memory_size_mb: int, cpu_count: int | None = None):
        self.cpu_group, self.memory_group = cpu_group, memory_group
        self.memory_size_mb = memory_size_mb
        self.cpu_count = cpu_count
        self._oom_kills_before = 0
        self._closed = False
        try:
            for group in (cpu_group, memory_group):
                group.mkdir(exist_ok=True)
            _write(cpu_group / "cpu.cfs_period_us", CFS_PERIOD_US)
            _write(cpu_group / "cpu.cfs_quota_us", cfs_quota_us(memory_size_mb, CFS_PERIOD_US, cpu_count))
            _write(memory_group / "memory.limit_in_bytes", memory_size_mb * MIB)
            for name, value in (("memory.memsw.limit_in_bytes", memory_size_mb * MIB), ("memory.swappiness", 0)):
                with contextlib.suppress(OSError):  # absent without swap accounting; optional
                    _write(memory_group / name, value)
        except OSError:
            self.close()
            raise

    def wrap_command(self, argv: list[str]) -> list[str]:
        procs = [shlex.quote(str(g / "cgroup.procs")) for g in (self.cpu_group, self.memory_group)]
        script = " && ".join(f"echo $$ > {p}" for p in procs) + ' && exec "$@"'
        return ["/bin/sh", "-c", script, "lambda-runtime", *argv]

    def _set_cpu(self, memory_mb: int) -> None:
        _write(self.cpu_group / "cpu.cfs_quota_us", cfs_quota_us(memory_mb, CFS_PERIOD_US, self.cpu_count))

    def runtime_starting(self) -> None:
        self._set_cpu(max(self.memory_size_mb, MB_PER_VCPU))  # init: at least one vCPU
        self.checkpoint()

    def runtime_ready(self) -> None:
        self._set_cpu(self.memory_size_mb)

    def checkpoint(self) -> None:
        self._oom_kills_before = _oom_kills(self.memory_group)

    def out_of_memory(self) -> bool:
        return _oom_kills(self.memory_group) > self._oom_kills_before

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for group in (self.cpu_group, self.memory_group):
            remove_group(group)


class CgroupV1Limits(ResourceLimits):
    def __init__(self, cpu_root: Path, memory_root: Path, owner_pid: int | None = None, cpu_count: int | None = None):
        self.cpu_root, self.memory_root = Path(cpu_root), Path(memory_root)
        self.owner_pid = owner_pid or os.getpid()
        self.cpu_count = cpu_count
        super().__init__(LimitsState(True, f"cgroup v1 ({self.cpu_root}, {self.memory_root})", self.owner_pid))
        self._lock = threading.Lock()
        self._open: dict[str, CgroupV1Confinement] = {}

    def group_name(self, environment_id: str) -> str:
        return f"{GROUP_PREFIX}{self.owner_pid}-{re.sub(r'[^A-Za-z0-9_.-]', '_', environment_id)}"

    def confine(self, environment_id: str, memory_size_mb: int) -> Confinement:
        name = self.group_name(environment_id)
        confinement = _TrackedConfinement(
            self, name, self.cpu_root / name, self.memory_root / name, memory_size_mb, self.cpu_count
        )
        with self._lock:
            self._open[name] = confinement
        return confinement

    def _forget(self, name: str) -> None:
        with self._lock:
            self._open.pop(name, None)

    def groups(self) -> list[Path]:
        """Every webhookstack group under our roots (ours and other engines')."""
        found = []
        for root in (self.cpu_root, self.memory_root):
            with contextlib.suppress(OSError):
                found += [p for p in root.iterdir() if p.is_dir() and _GROUP_RE.match(p.name)]
        return found

    def sweep_stale(self) -> list[Path]:
        """Remove groups left by LocalStack processes that no longer run."""
        removed = []
        for group in self.groups():
            pid = int(_GROUP_RE.match(group.name).group(1))
            if pid != self.owner_pid and not alive(pid) and remove_group(group):
                removed.append(group)
        return removed

    def shutdown(self) -> None:
        with self._lock:
            open_now = list(self._open.values())
        for confinement in open_now:
            confinement.close()
        # and anything of ours not tracked (an environment that failed half-way)
        for group in self.groups():
            if group.name.startswith(f"{GROUP_PREFIX}{self.owner_pid}-"):
                remove_group(group)


class _TrackedConfinement(CgroupV1Confinement):
    def __init__(self, owner: CgroupV1Limits, name: str, *args):
        self._owner, self._name = owner, name
        super().__init__(*args)

    def close(self) -> None:
        super().close()
        self._owner._forget(self._name)


# ---------------------------------------------------------------------------- discovery
def cgroup_v1_dirs(
    controllers: tuple[str, ...] = ("cpu", "memory"),
    proc_cgroup: str | None = None,
    mountinfo: str | None = None,
) -> dict[str, Path]:
    """Each controller's cgroup v1 folder that this process belongs to.

    Raises ``LookupError`` naming what is missing.
    """
    if proc_cgroup is None:
        proc_cgroup = Path("/proc/self/cgroup").read_text()
    if mountinfo is None:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    member: dict[str, str] = {}
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[1]:
            for controller in parts[1].split(","):
                member[controller] = parts[2]
    mounts: dict[str, tuple[str, str]] = {}  # controller -> (mount root, mount point)
    for line in mountinfo.splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3 or tail[0] != "cgroup":
            continue
        for option in tail[2].split(","):
            mounts.setdefault(option, (fields[3], fields[4].replace("\\040", " ")))
    found = {}
    for controller in controllers:
        if controller not in member:
            raise LookupError(f"this process is in no cgroup v1 '{controller}' hierarchy")
        if controller not in mounts:
            raise LookupError(f"the cgroup v1 '{controller}' controller is not mounted")
        root, point = mounts[controller]
        path = member[controller]
        if root != "/" and path.startswith(root):
            path = path[len(root):]
        found[controller] = Path(point) / path.lstrip("/")
    return found


def probe(environ: dict[str, str] | None = None) -> ResourceLimits:
    """The limits this machine allows, or :class:`ResourceLimits` stating why there are none."""
    environ = os.environ if environ is None else environ

    def unlimited(reason: str) -> ResourceLimits:
        return ResourceLimits(LimitsState(False, reason))

    if environ.get(DISABLE_ENV, "").strip().lower() in ("0", "off", "false", "no"):
        return unlimited(f"disabled by {DISABLE_ENV}={environ[DISABLE_ENV]}")
    if not sys.platform.startswith("linux"):
        return unlimited(f"cgroups need Linux (this is {sys.platform})")
    try:
        dirs = cgroup_v1_dirs()
    except LookupError as e:
        hint = " (cgroup v2-only machines are not supported yet)" if Path("/sys/fs/cgroup/cgroup.controllers").exists() else ""
        return unlimited(f"{e}{hint}")
    except OSError as e:
        return unlimited(f"cannot read this process's cgroups: {e}")
    limits = CgroupV1Limits(dirs["cpu"], dirs["memory"])
    try:  # the only real test of permission: create, configure and remove a group
        limits.confine("probe", 128).close()
    except OSError as e:
        who = "" if os.geteuid() == 0 else " (not running as root)"
        return unlimited(f"cannot create cgroups under {dirs['cpu']} and {dirs['memory']}{who}: {e.strerror or e}")
    return limits


_current: ResourceLimits | None = None
_current_lock = threading.Lock()


def current() -> ResourceLimits:
    """The process-wide limits: probed once, logged once, recorded for ``webhookstack status``."""
    global _current
    with _current_lock:
        if _current is None:
            limits = probe()
            if isinstance(limits, CgroupV1Limits):
                for group in limits.sweep_stale():
                    LOG.info("removed stale Lambda cgroup %s", group)
                atexit.register(limits.shutdown)
                LOG.info("%s", limits.state.line())
            else:
                LOG.warning("%s", limits.state.line())
            with contextlib.suppress(OSError):
                write_state(limits.state, state_file())
            _current = limits
        return _current


def reset_for_tests() -> None:
    global _current
    with _current_lock:
        if _current is not None:
            _current.shutdown()
        _current = None

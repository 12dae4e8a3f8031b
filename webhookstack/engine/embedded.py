"""The embedded engine: LocalStack 4.14.0 as a background process on the host.

It is started the way the Docker image's entrypoint starts it (`localstack.runtime.init BOOT`,
then `localstack.runtime.main`), with all its files under one state folder. The state folder
remembers the process it started, so `down` stops only that process group.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from webhookstack.engine.readiness import InitReport, read_init_report
from webhookstack.engine.settings import engine_environment
from webhookstack.paths import INIT_DIR
from webhookstack.processes import alive


class EngineError(Exception):
    """Something the user must act on; the message says what."""


@dataclass(frozen=True)
class EngineRecord:
    pid: int
    port: int
    started_at: float
    python: str

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass(frozen=True)
class StartResult:
    record: EngineRecord
    report: InitReport
    seconds: float


class EmbeddedEngine:
    def __init__(self, state_dir: Path, python: str | None = None, init_dir: Path = INIT_DIR):
        self.state_dir = Path(state_dir).resolve()
        self.python = python or sys.executable
        self.init_dir = Path(init_dir).resolve()

    @property
    def record_file(self) -> Path:
        return self.state_dir / "engine.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "localstack.log"

    def record(self) -> EngineRecord | None:
        try:
            return EngineRecord(**json.loads(self.record_file.read_text()))
        except (FileNotFoundError, json.JSONDecodeError, TypeError):
            return None

    def running(self) -> EngineRecord | None:
        """The record of our engine if its process is still alive."""
        rec = self.record()
        if rec and alive(rec.pid):
            return rec
        return None

    def start(
        self,
        port: int,
        timeout: float = 120.0,
        on_progress: Callable[[str], None] = lambda _msg: None,
    ) -> StartResult:
        if rec := self.running():
            raise EngineError(
                f"an engine from {self.state_dir} is already running (pid {rec.pid}, port {rec.port}); "
                "`webhookstack down` stops it"
            )
        if _port_in_use(port):
            raise EngineError(f"port {port} is already in use; choose another with --port")
        t0 = time.monotonic()
        self._lay_out_state_dir()
        self._link_service_catalog(on_progress)
        env = engine_environment(self.state_dir, port, dict(os.environ))
        log = self.log_file.open("wb")
        on_progress("booting LocalStack 4.14.0")
        boot = subprocess.run(
            [self.python, "-m", "localstack.runtime.init", "BOOT"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.state_dir,
        )
        if boot.returncode != 0:
            raise EngineError(f"LocalStack's BOOT stage failed; see {self.log_file}\n{self.log_tail()}")
        proc = subprocess.Popen(
            [self.python, "-m", "localstack.runtime.main"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=self.state_dir,
            # Its own process group: `down` signals the group, Lambda processes included.
            start_new_session=True,
        )
        log.close()
        rec = EngineRecord(pid=proc.pid, port=port, started_at=time.time(), python=self.python)
        self.record_file.write_text(json.dumps(asdict(rec)))
        on_progress("waiting for init hooks (start.d, ready.d)")
        try:
            report = self._wait_for_init(rec, proc, t0 + timeout)
        except EngineError:
            self.stop()
            raise
        if not report.ok:
            failed = ", ".join(f"{s.stage}/{s.name}" for s in report.failed) or "unknown"
            tail = self.log_tail()
            self.stop()
            raise EngineError(f"init hook failed: {failed}\n{tail}")
        return StartResult(rec, report, time.monotonic() - t0)

    def stop(self, timeout: float = 15.0) -> EngineRecord | None:
        rec = self.record()
        if rec is None:
            return None
        if alive(rec.pid):
            _signal_group(rec.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while alive(rec.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if alive(rec.pid):
                _signal_group(rec.pid, signal.SIGKILL)
        # Lambda processes live in the same group and may outlast the runtime by a moment.
        _signal_group(rec.pid, signal.SIGKILL)
        self.record_file.unlink(missing_ok=True)
        return rec

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return ""
        # Errors first: a failed hook logs "Error while running script", and that is the reason.
        errors = [ln for ln in text if any(w in ln for w in ("ERROR", "Error", "Traceback", "FAILED"))]
        picked = errors[-lines:] if errors else text[-lines:]
        return "\n".join(picked)

    def _lay_out_state_dir(self) -> None:
        for sub in ("fs/etc/localstack", "tmp", "config"):
            (self.state_dir / sub).mkdir(parents=True, exist_ok=True)
        link = self.state_dir / "fs/etc/localstack/init"
        if link.is_symlink() or link.exists():
            if link.is_symlink() and link.resolve() == self.init_dir:
                return
            if link.is_symlink():
                link.unlink()
            else:
                raise EngineError(f"{link} exists and is not our init-hook link; remove it")
        # The same hook folder the Docker image mounts at /etc/localstack/init.
        link.symlink_to(self.init_dir, target_is_directory=True)

    def _link_service_catalog(self, on_progress: Callable[[str], None]) -> None:
        """Give LocalStack a prebuilt index of the AWS service specs, as its Docker image has.

        Without it LocalStack indexes every botocore model on the first request (≈3.5 s on
        these machines), in every new state folder. The index depends only on the LocalStack
        and botocore versions, so one per machine serves all state folders.
        """
        catalog = ensure_service_catalog(self.python, on_progress)
        static_libs = self.state_dir / "fs/usr/lib/localstack"
        static_libs.mkdir(parents=True, exist_ok=True)
        link = static_libs / catalog.name
        if not link.exists():
            link.unlink(missing_ok=True)
            link.symlink_to(catalog)

    def _wait_for_init(self, rec: EngineRecord, proc: subprocess.Popen, deadline: float) -> InitReport:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise EngineError(
                    f"LocalStack exited with code {proc.returncode} during start-up\n{self.log_tail()}"
                )
            report = read_init_report(rec.endpoint)
            if report and report.completed and _ready_stage_done(report):
                return report
            if report and report.failed:
                return report
            time.sleep(0.05)
        raise EngineError(f"LocalStack was not ready within the timeout\n{self.log_tail()}")


_CATALOG_SCRIPT = """
import os, sys
from localstack.aws.spec import _get_catalog_filename, build_service_index_cache
target = os.path.join(sys.argv[1], _get_catalog_filename())
if not os.path.exists(target):
    tmp = f"{target}.{os.getpid()}.tmp"
    build_service_index_cache(tmp)
    os.replace(tmp, target)
print(target)
"""


def ensure_service_catalog(python: str, on_progress: Callable[[str], None] = lambda _m: None) -> Path:
    cache_dir = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "webhookstack" / "localstack"
    cache_dir.mkdir(parents=True, exist_ok=True)
    if Path(python).resolve() == Path(sys.executable).resolve():
        # Same venv as the engine: name the file without importing LocalStack (≈0.3 s).
        from importlib.metadata import version

        name = "service-catalog-{}-{}.dill".format(
            version("localstack-core").replace(".", "_"), version("botocore").replace(".", "_")
        )
        if (cache_dir / name).exists():
            return cache_dir / name
    on_progress("indexing AWS service specs (once per machine)")
    done = subprocess.run([python, "-c", _CATALOG_SCRIPT, str(cache_dir)], capture_output=True, text=True)
    if done.returncode != 0:
        raise EngineError(f"could not index LocalStack's service specs:\n{done.stderr[-2000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def _ready_stage_done(report: InitReport) -> bool:
    return all(s.state in ("SUCCESSFUL", "ERROR") for s in report.scripts)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _port_in_use(port: int) -> bool:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

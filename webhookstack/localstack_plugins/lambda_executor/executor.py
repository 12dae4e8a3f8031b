"""``LAMBDA_RUNTIME_EXECUTOR=local``: Python functions as warm host processes, no Docker.

One execution environment = one OS process running AWS's runtime interface client
(``<python3.X> -S -m awslambdaric <handler>``) in the function's unzipped code folder, talking
to a :class:`~.runtime_api.RuntimeApiServer` inside LocalStack's own process. The function
sees its code, the runtime site (boto3 + awslambdaric, see :mod:`.runtime_site`) and the
environment LocalStack computes for it; not LocalStack's venv.

Lifecycle, as LocalStack's ``ExecutionEnvironment`` drives it:
``prepare_version`` (per version: check the runtime, build the site, unzip the code) ->
``start`` (spawn, wait for the first ``GET /next``) -> ``invoke`` * n -> ``stop``.
A timed-out or crashed process is killed and the next ``invoke`` spawns a fresh one (a cold
start, reported with ``Init Duration``) instead of failing.

Child processes stay in LocalStack's process group: the launcher kills the group on shutdown.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.services.lambda_.invocation.executor_endpoint import StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)
from localstack.utils.strings import to_bytes

from . import init_logs, report
from .interpreters import (
    SUPPORTED_RUNTIMES_TEXT,
    UnsupportedRuntimeError,
    available_runtimes,
    interpreter_for_runtime,
)
from . import limits as resource_limits
from .runtime_api import (
    InitError,
    Invocation,
    RuntimeApiServer,
    RuntimeExited,
    RuntimeSession,
    SessionClosed,
)
from .runtime_site import ensure_runtime_site

LOG = logging.getLogger(__name__)

LOCALSTACK_HOST_FROM_FUNCTION = "127.0.0.1"
TERM_GRACE_SECONDS = 0.5
# Variables the function may set itself (AWS: "unreserved"); ours are only defaults.
UNRESERVED_DEFAULTS = ("PATH", "PYTHONPATH", "LANG")


@dataclasses.dataclass
class _Child:
    """One runtime process and the API session that serves it."""

    process: subprocess.Popen
    session: RuntimeSession
    spawned_at: float  # perf_counter
    exited: threading.Event = dataclasses.field(default_factory=threading.Event)
    init_duration_ms: float | None = None  # set when ready; reported once, then cleared
    runtime_started: bool = False  # INIT_START already logged
    peak_rss_mb: int | None = None  # from wait4() once the process ended


def _runtime_error(function_version: FunctionVersion) -> str | None:
    """Why this version cannot run here, or None."""
    cfg = function_version.config
    if cfg.package_type != PackageType.Zip or not cfg.runtime:
        return (
            f"package type {cfg.package_type} is not supported by the local executor "
            f"({SUPPORTED_RUNTIMES_TEXT} zip functions only)"
        )
    try:
        interpreter_for_runtime(cfg.runtime)
    except UnsupportedRuntimeError as e:
        return str(e)
    return None


class LocalRuntimeExecutor(RuntimeExecutor):
    """Runs one execution environment as a local ``awslambdaric`` process."""

    def __init__(self, id: str, function_version: FunctionVersion) -> None:  # noqa: A002
        super().__init__(id=id, function_version=function_version)
        self._lock = threading.RLock()
        self._server: RuntimeApiServer | None = None
        self._child: _Child | None = None
        self._argv: list[str] = []
        self._env: dict[str, str] = {}
        self._cwd: Path | None = None
        self._log_path: Path | None = None
        self._log_write = None  # the file the children write stdout+stderr to
        self._log_read_fd: int | None = None
        self._log_offset = 0
        self._stopped = False
        self._confinement = resource_limits.Confinement()  # memory/CPU limits, set in start()

    # ------------------------------------------------------------------ lifecycle
    def start(self, env_vars: dict[str, str]) -> None:
        cfg = self.function_version.config
        if problem := _runtime_error(self.function_version):
            raise LambdaRuntimeException(problem)
        interpreter = interpreter_for_runtime(cfg.runtime)
        site = ensure_runtime_site(cfg.runtime)
        code_dir = Path(cfg.code.get_unzipped_code_location())
        with self._lock:
            if self._stopped:
                raise SessionClosed("environment stopped before start")
            self._server = RuntimeApiServer()
            self._cwd = code_dir
            self._env = self._child_env(env_vars, interpreter, site, code_dir)
            self._confinement = resource_limits.current().confine(self.id, int(cfg.memory_size))
            self._argv = self._confinement.wrap_command(
                [str(interpreter), "-S", "-m", "awslambdaric", cfg.handler]
            )
            log_dir = Path(config.dirs.tmp) / "lambda-local"
            log_dir.mkdir(parents=True, exist_ok=True)
            self._log_path = log_dir / f"{self.function_version.id.function_name}-{self.id}.log"
            self._log_write = open(self._log_path, "ab", buffering=0)
            self._log_read_fd = os.open(self._log_path, os.O_RDONLY)
        self._spawn(request_id=None)

    def _child_env(
        self, env_vars: dict[str, str], interpreter: Path, site: Path, code_dir: Path
    ) -> dict[str, str]:
        runtime = self.function_version.config.runtime
        env = {str(k): str(v) for k, v in env_vars.items() if v is not None}
        user_env = self.function_version.config.environment or {}
        defaults = {
            "PATH": f"{interpreter.parent}:/usr/local/bin:/usr/bin:/bin",
            "PYTHONPATH": f"{code_dir}:{site}",
            "LANG": "C.UTF-8",
        }
        for key in UNRESERVED_DEFAULTS:
            if key not in user_env:
                env[key] = defaults[key]
        env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": self._server.address,
                "LAMBDA_TASK_ROOT": str(code_dir),
                "LAMBDA_RUNTIME_DIR": str(site),
                "PYTHONUNBUFFERED": "1",
                # what AWS's python runtime sets (LocalStack's placeholder is AWS_Lambda_rapid)
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            }
        )
        if not config.LAMBDA_DISABLE_AWS_ENDPOINT_URL:
            env.setdefault(
                "AWS_ENDPOINT_URL",
                f"http://{LOCALSTACK_HOST_FROM_FUNCTION}:{config.GATEWAY_LISTEN[0].port}",
            )
        return env

    def _spawn(self, request_id: str | None) -> _Child:
        """Start a runtime process and wait until it polls for its first event."""
        with self._lock:
            if self._stopped:
                raise SessionClosed("environment stopped")
            session = self._server.new_session()
            self._confinement.runtime_starting()
            spawned_at = time.perf_counter()
            process = subprocess.Popen(
                self._argv,
                cwd=self._cwd,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=self._log_write,
                stderr=subprocess.STDOUT,
                close_fds=True,
            )
            child = _Child(process=process, session=session, spawned_at=spawned_at)
            self._child = child
        threading.Thread(
            target=self._watch, args=(child,), name=f"lambda-local-wait-{process.pid}", daemon=True
        ).start()
        try:
            # LocalStack's startup timer bounds the first start (it calls stop()); a re-spawn
            # inside invoke() has no such timer, so bound it ourselves with the same setting.
            ready_at = session.ready.result(timeout=config.LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT)
        except InitError as e:
            self._kill(child, signal.SIGKILL)
            self._ship_init_failure(spawned_at, e.payload)
            raise StatusErrorException("Environment startup failed", payload=e.payload) from e
        except RuntimeExited as e:
            make_payload = (
                report.out_of_memory_payload
                if self._confinement.out_of_memory()
                else report.exit_error_payload
            )
            payload = make_payload(request_id, e.returncode)
            self._ship_init_failure(spawned_at, payload)
            raise StatusErrorException("Environment startup failed", payload=payload) from e
        except FutureTimeout as e:
            self._kill(child, signal.SIGKILL)
            payload = report.exit_error_payload(request_id, -signal.SIGKILL)
            self._ship_init_failure(spawned_at, payload)
            raise StatusErrorException("Environment startup failed", payload=payload) from e
        child.init_duration_ms = (ready_at - spawned_at) * 1000
        self._confinement.runtime_ready()
        LOG.debug(
            "Lambda runtime %s (pid %d) for %s ready in %.2f ms",
            self.id,
            process.pid,
            self.function_version.qualified_arn,
            child.init_duration_ms,
        )
        return child

    def _ship_init_failure(self, spawned_at: float, payload: bytes) -> None:
        """The runtime's output and an INIT_REPORT line to CloudWatch Logs (LocalStack drops them)."""
        try:
            error_type = json.loads(payload or b"{}").get("errorType")
        except (ValueError, AttributeError):
            error_type = None
        end = self._log_size()
        output = self._read_log(self._log_offset, end)
        self._log_offset = end
        lines = [report.init_start_line(self.function_version.config.runtime), output.rstrip("\n"),
                 init_logs.init_report_line((time.perf_counter() - spawned_at) * 1000, error_type)]
        init_logs.ship(self.function_version, self.id, "\n".join(line for line in lines if line))

    def _watch(self, child: _Child) -> None:
        """Reap the process; fail whatever it still owed (readiness, a result)."""
        process = child.process
        try:
            # wait4 rather than Popen.wait: its rusage gives the peak RSS of a process that died
            _pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = returncode = os.waitstatus_to_exitcode(status)
            child.peak_rss_mb = -(-usage.ru_maxrss // 1024)  # KiB -> MB, rounded up
        except ChildProcessError:  # reaped elsewhere (Popen.poll); it recorded the code
            returncode = process.wait()
        child.exited.set()
        child.session.close(RuntimeExited(returncode))

    def _kill(self, child: _Child, sig: int = signal.SIGTERM) -> None:
        child.session.close(SessionClosed("runtime killed"))
        if not child.exited.is_set():
            try:
                child.process.send_signal(sig)
            except ProcessLookupError:
                pass
            if not child.exited.wait(TERM_GRACE_SECONDS) and sig != signal.SIGKILL:
                try:
                    child.process.kill()
                except ProcessLookupError:
                    pass
            child.exited.wait(TERM_GRACE_SECONDS)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            child, self._child = self._child, None
            server, self._server = self._server, None
        if child is not None:
            self._kill(child, signal.SIGTERM)
        if server is not None:
            server.shutdown()
        self._confinement.close()
        with self._lock:
            if self._log_write is not None:
                self._log_write.close()
                self._log_write = None
            if self._log_read_fd is not None:
                os.close(self._log_read_fd)
                self._log_read_fd = None
            if self._log_path is not None and config.LAMBDA_REMOVE_CONTAINERS:
                self._log_path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ invoke
    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        cfg = self.function_version.config
        child = self._child
        if child is None or child.exited.is_set() or child.session.closed is not None:
            if self._stopped:
                raise SessionClosed("environment stopped")
            if child is not None:
                self._kill(child, signal.SIGKILL)
            child = self._spawn(request_id)  # a cold start; StatusErrorException on failure

        timeout_s = float(cfg.timeout)
        invocation = Invocation(
            request_id=request_id,
            payload=to_bytes(payload.get("payload") or ""),
            invoked_function_arn=payload.get("invoked-function-arn") or "",
            trace_id=payload.get("trace-id") or "",
            deadline_ms=int(time.time() * 1000 + timeout_s * 1000),
        )
        before_offset = self._log_size()
        self._confinement.checkpoint()
        submitted_at = time.perf_counter()
        child.session.submit(invocation)
        status = error_type = extra_line = None
        try:
            outcome = invocation.future.result(timeout=timeout_s)
            result_payload, is_error = outcome.payload, outcome.is_error
            started = invocation.dispatched_at or submitted_at
            duration_ms = (outcome.finished_at - started) * 1000
            memory_mb = report.max_memory_used_mb(child.process.pid)
        except FutureTimeout:
            memory_mb = report.max_memory_used_mb(child.process.pid)
            self._kill(child, signal.SIGKILL)
            duration_ms = timeout_s * 1000
            result_payload, is_error = report.timeout_payload(request_id, timeout_s), True
            extra_line = report.timeout_log_line(request_id, timeout_s)
            status = "timeout"
        except RuntimeExited as e:
            child.exited.wait(TERM_GRACE_SECONDS)
            memory_mb = child.peak_rss_mb
            duration_ms = (time.perf_counter() - submitted_at) * 1000
            result_payload, is_error = report.exit_error_payload(request_id, e.returncode), True
            extra_line = report.exit_error_message(request_id, e.returncode)
            status, error_type = "error", "Runtime.ExitError"
            if self._confinement.out_of_memory():  # killed by the memory limit: AWS's report
                memory_mb = int(cfg.memory_size)
                result_payload = report.out_of_memory_payload(request_id, e.returncode)
                error_type = "Runtime.OutOfMemory"
        logs = self._invocation_logs(
            child, request_id, before_offset, duration_ms, memory_mb, extra_line, status, error_type
        )
        return InvocationResult(
            request_id=request_id, payload=result_payload, is_error=is_error, logs=logs
        )

    # ------------------------------------------------------------------ logs
    def _log_size(self) -> int:
        return os.fstat(self._log_read_fd).st_size if self._log_read_fd is not None else 0

    def _read_log(self, start: int, end: int) -> str:
        if self._log_read_fd is None or end <= start:
            return ""
        return os.pread(self._log_read_fd, end - start, start).decode("utf-8", "replace")

    def _invocation_logs(
        self,
        child: _Child,
        request_id: str,
        before_offset: int,
        duration_ms: float,
        memory_mb: int | None,
        extra_line: str | None,
        status: str | None,
        error_type: str | None,
    ) -> str:
        cfg = self.function_version.config
        end_offset = self._log_size()
        before = self._read_log(self._log_offset, before_offset)  # init output, stray writes
        during = self._read_log(before_offset, end_offset)
        self._log_offset = end_offset
        lines: list[str] = []
        init_ms, child.init_duration_ms = child.init_duration_ms, None
        if not child.runtime_started:
            child.runtime_started = True
            lines.append(report.init_start_line(cfg.runtime))
        if before:
            lines.append(before.rstrip("\n"))
        lines.append(report.start_line(request_id, self.function_version.id.qualifier))
        if during:
            lines.append(during.rstrip("\n"))
        if extra_line:
            lines.append(extra_line)
        lines.append(report.end_line(request_id))
        lines.append(
            report.report_line(
                request_id,
                duration_ms,
                int(cfg.memory_size),
                memory_mb if memory_mb is not None else 0,
                init_ms,
                status,
                error_type,
            )
        )
        return "\n".join(lines) + "\n"

    def get_logs(self) -> str:
        if self._log_read_fd is None:
            return ""
        return self._read_log(0, self._log_size())

    # ------------------------------------------------------------------ addresses
    def get_address(self) -> str:
        return LOCALSTACK_HOST_FROM_FUNCTION

    def get_endpoint_from_executor(self) -> str:
        return LOCALSTACK_HOST_FROM_FUNCTION

    def get_runtime_endpoint(self) -> str:
        # informational only (LOCALSTACK_RUNTIME_ENDPOINT); our runtime API is per environment
        return f"http://{LOCALSTACK_HOST_FROM_FUNCTION}:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    # ------------------------------------------------------------------ per version
    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if problem := _runtime_error(function_version):
            raise LambdaRuntimeException(problem)
        ensure_runtime_site(function_version.config.runtime, on_progress=LOG.info)
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass  # nothing per version outside LocalStack's own code cache

    @classmethod
    def validate_environment(cls) -> bool:
        resource_limits.current()  # probe once; logs whether memory/CPU limits apply
        runtimes = available_runtimes()
        if not runtimes:
            LOG.warning(
                "The local Lambda executor found no Python interpreter for any of %s; "
                "Lambda functions cannot run. Install one of them (or set WEBHOOKSTACK_PYTHON3_X).",
                SUPPORTED_RUNTIMES_TEXT,
            )
            return False
        LOG.debug("Local Lambda executor runtimes: %s", {k: str(v) for k, v in runtimes.items()})
        return True

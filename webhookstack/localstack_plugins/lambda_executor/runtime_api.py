"""A small, fast Lambda Runtime API server, one per execution environment.

It lives inside LocalStack's process (no gateway, no ExecutorEndpoint round trip): the
executor puts an :class:`Invocation` on the current :class:`RuntimeSession`'s queue and waits on
its future; the runtime process (AWS's ``awslambdaric``) long-polls ``GET .../invocation/next``,
runs the handler and posts ``.../response`` or ``.../error``, which resolves the future.

Routes (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):

- ``GET  /2018-06-01/runtime/invocation/next`` - blocks until an event is queued
- ``POST /2018-06-01/runtime/invocation/{id}/response``
- ``POST /2018-06-01/runtime/invocation/{id}/error``
- ``POST /2018-06-01/runtime/init/error``

A session is one runtime *process*: its ``ready`` future resolves at the first ``GET /next``
(init done) or fails with :class:`InitError`. Re-spawning a process starts a new session, so
an event or a sentinel meant for a dead process never reaches its successor.

Importable without LocalStack.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from concurrent.futures import Future
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = logging.getLogger(__name__)

API_PREFIX = "/2018-06-01/runtime"
_NEXT = f"{API_PREFIX}/invocation/next"
_INVOCATION = f"{API_PREFIX}/invocation/"
_INIT_ERROR = f"{API_PREFIX}/init/error"
_ACCEPTED = b'{"status":"OK"}'


class RuntimeApiError(Exception):
    """Base of what a session's futures fail with."""


class InitError(RuntimeApiError):
    """The runtime posted ``/runtime/init/error``; ``payload`` is its JSON body."""

    def __init__(self, payload: bytes):
        super().__init__("runtime init error")
        self.payload = payload


class RuntimeExited(RuntimeApiError):
    """The runtime process ended while it owed us something (readiness or a result)."""

    def __init__(self, returncode: int):
        super().__init__(f"runtime exited with {returncode}")
        self.returncode = returncode


class SessionClosed(RuntimeApiError):
    """The environment was stopped (or the process killed) by us."""


@dataclasses.dataclass
class Outcome:
    payload: bytes
    is_error: bool
    finished_at: float  # time.perf_counter()
    error_type: str | None = None


@dataclasses.dataclass
class Invocation:
    request_id: str
    payload: bytes
    invoked_function_arn: str
    trace_id: str
    deadline_ms: int
    future: Future[Outcome] = dataclasses.field(default_factory=Future)
    dispatched_at: float | None = None  # perf_counter when GET /next handed it out

    def response_head(self) -> bytes:
        head = (
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(self.payload)}\r\n"
            f"Lambda-Runtime-Aws-Request-Id: {self.request_id}\r\n"
            f"Lambda-Runtime-Deadline-Ms: {self.deadline_ms}\r\n"
            f"Lambda-Runtime-Invoked-Function-Arn: {self.invoked_function_arn}\r\n"
            f"Lambda-Runtime-Trace-Id: {self.trace_id}\r\n"
            "\r\n"
        )
        return head.encode("latin-1")


_CLOSE = object()  # queue sentinel: release a blocked GET /next


class RuntimeSession:
    """The API as seen by one runtime process."""

    def __init__(self) -> None:
        self.ready: Future[float] = Future()  # perf_counter of the first GET /next
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self.current: Invocation | None = None
        self.closed: RuntimeApiError | None = None

    def submit(self, invocation: Invocation) -> None:
        with self._lock:
            if self.closed is not None:
                raise self.closed
            self.current = invocation
        self._queue.put(invocation)

    def close(self, reason: RuntimeApiError) -> None:
        """Fail whatever is still owed (readiness, the current result) and free the poller."""
        with self._lock:
            if self.closed is not None:
                return
            self.closed = reason
            current = self.current
        if not self.ready.done():
            _try_set_exception(self.ready, reason)
        if current is not None and not current.future.done():
            _try_set_exception(current.future, reason)
        self._queue.put(_CLOSE)

    # -- called from the HTTP handler threads --
    def next_invocation(self) -> Invocation | None:
        if not self.ready.done():
            _try_set_result(self.ready, time.perf_counter())
        item = self._queue.get()
        if item is _CLOSE:
            self._queue.put(_CLOSE)  # a second poller (should not happen) is freed too
            return None
        item.dispatched_at = time.perf_counter()
        return item

    def finish(self, request_id: str, outcome: Outcome) -> bool:
        current = self.current
        if current is None or current.request_id != request_id:
            return False
        return _try_set_result(current.future, outcome)

    def init_error(self, payload: bytes) -> None:
        _try_set_exception(self.ready, InitError(payload))


def _try_set_result(future: Future, value) -> bool:
    try:
        future.set_result(value)
        return True
    except Exception:  # InvalidStateError: already resolved (e.g. timed out and closed)
        return False


def _try_set_exception(future: Future, exc: BaseException) -> bool:
    try:
        future.set_exception(exc)
        return True
    except Exception:
        return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # no per-request stderr lines

    def _reply(self, status: int, reason: str, body: bytes = _ACCEPTED) -> None:
        self.wfile.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1")
            + body
        )

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is not None:
            return self.rfile.read(int(length)) if int(length) else b""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return b""

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        if self.path != _NEXT:
            self._reply(404, "Not Found", b'{"errorType":"NotFound"}')
            return
        session = self.server.session
        invocation = session.next_invocation() if session is not None else None
        if invocation is None:
            # the environment is going away; the process is being killed
            self.close_connection = True
            self._reply(500, "Internal Server Error", b'{"errorType":"Runtime.Shutdown"}')
            return
        self.wfile.write(invocation.response_head() + invocation.payload)

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        body = self._read_body()
        session = self.server.session
        path = self.path
        if session is None:
            self._reply(500, "Internal Server Error", b'{"errorType":"Runtime.Shutdown"}')
            return
        if path.startswith(_INVOCATION):
            request_id, _, kind = path[len(_INVOCATION) :].partition("/")
            if kind in ("response", "error"):
                outcome = Outcome(
                    payload=body,
                    is_error=kind == "error",
                    finished_at=time.perf_counter(),
                    error_type=self.headers.get("Lambda-Runtime-Function-Error-Type"),
                )
                if session.finish(request_id, outcome):
                    self._reply(202, "Accepted")
                else:
                    self._reply(
                        400,
                        "Bad Request",
                        b'{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}',
                    )
                return
        elif path == _INIT_ERROR:
            session.init_error(body)
            self._reply(202, "Accepted")
            return
        self._reply(404, "Not Found", b'{"errorType":"NotFound"}')


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    session: RuntimeSession | None = None

    def handle_error(self, request, client_address) -> None:
        # a killed runtime drops its connection mid-request: expected, not worth a traceback
        LOG.debug("runtime API connection from %s ended abruptly", client_address, exc_info=True)


class RuntimeApiServer:
    """The Runtime API for one execution environment, bound on 127.0.0.1:<free port>."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"lambda-runtime-api-{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def address(self) -> str:
        """``host:port``, the value of ``AWS_LAMBDA_RUNTIME_API``."""
        return f"{self.host}:{self.port}"

    @property
    def session(self) -> RuntimeSession | None:
        return self._server.session

    def new_session(self) -> RuntimeSession:
        """Start serving a new runtime process; the previous session (if any) is closed."""
        previous = self._server.session
        session = RuntimeSession()
        self._server.session = session
        if previous is not None:
            previous.close(SessionClosed("runtime replaced"))
        return session

    def shutdown(self) -> None:
        session = self._server.session
        if session is not None:
            session.close(SessionClosed("runtime API shut down"))
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

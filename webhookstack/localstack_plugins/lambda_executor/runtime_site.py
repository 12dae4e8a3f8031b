"""The runtime site: what AWS's Python runtime image gives a function outside its code.

One folder per runtime with boto3 (+ its dependencies) and awslambdaric, installed from the
pinned ``runtime-requirements.txt`` by that runtime's own interpreter. Functions see only
their code and this folder (``PYTHONPATH``; the interpreter runs with ``-S``), never
LocalStack's venv: "works locally, ImportError in production" cannot happen.

Location: ``$WEBHOOKSTACK_RUNTIME_DIR/<runtime>-<hash>`` if that variable is set, else
``${XDG_CACHE_HOME:-~/.cache}/webhookstack/runtimes/<runtime>-<hash>``; the hash is of the
requirements file, so it is built once per machine and rebuilt when the pins change.

Importable without LocalStack: the CLI calls :func:`ensure_runtime_site` before LocalStack
starts, so the first CreateFunction never waits on pip.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .interpreters import interpreter_for_runtime

REQUIREMENTS_FILE = Path(__file__).with_name("runtime-requirements.txt")
COMPLETE_MARKER = ".webhookstack-runtime-complete"
ProgressCallback = Callable[[str], None]


class RuntimeSiteError(Exception):
    """Building a runtime site failed; the message carries pip's output tail."""


def requirements_hash() -> str:
    return hashlib.sha256(REQUIREMENTS_FILE.read_bytes()).hexdigest()[:12]


def runtimes_root() -> Path:
    if explicit := os.environ.get("WEBHOOKSTACK_RUNTIME_DIR"):
        return Path(explicit).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "webhookstack" / "runtimes"


def runtime_site_path(runtime: str) -> Path:
    """Where the site for ``runtime`` lives (it may not exist yet)."""
    return runtimes_root() / f"{runtime}-{requirements_hash()}"


def is_complete(site: Path) -> bool:
    return (site / COMPLETE_MARKER).is_file()


@contextlib.contextmanager
def _build_lock(root: Path, name: str) -> Iterator[None]:
    """Inter-process lock, so the CLI and LocalStack never build the same site twice."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _has_pip(python: Path) -> bool:
    try:
        return (
            subprocess.run(
                [str(python), "-m", "pip", "--version"],
                capture_output=True,
                timeout=60,
                stdin=subprocess.DEVNULL,
            ).returncode
            == 0
        )
    except (OSError, subprocess.SubprocessError):
        return False


def _pip_command(python: Path, target: Path) -> list[str]:
    install = [
        "install",
        "--target",
        str(target),
        "--requirement",
        str(REQUIREMENTS_FILE),
        "--only-binary=:all:",
        "--no-input",
        "--disable-pip-version-check",
        "--quiet",
    ]
    if _has_pip(python):
        return [str(python), "-m", "pip", *install]
    # the interpreter has no pip (e.g. Debian's python3.X without python3-pip): drive the
    # install from this interpreter's pip, targeting the other one (pip >= 22.3)
    return [sys.executable, "-m", "pip", "--python", str(python), *install]


def _check_site(python: Path, site: Path) -> None:
    """Import what every function's environment needs, exactly as a function would."""
    env = {"PYTHONPATH": str(site), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    proc = subprocess.run(
        [str(python), "-S", "-c", "import awslambdaric.bootstrap, runtime_client, boto3"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0:
        raise RuntimeSiteError(f"runtime site {site} does not import: {proc.stderr[-2000:]}")


def ensure_runtime_site(runtime: str, on_progress: ProgressCallback | None = None) -> Path:
    """Return the runtime site for ``runtime`` (e.g. ``"python3.13"``), building it if missing.

    The build goes into a temporary folder beside the final one and is renamed into place
    only once pip succeeded and the result imports, so a half-built site is never used.
    Raises UnsupportedRuntimeError (no interpreter) or RuntimeSiteError (pip failed).
    """
    site = runtime_site_path(runtime)
    if is_complete(site):
        return site
    python = interpreter_for_runtime(runtime)
    root = site.parent
    with _build_lock(root, site.name):
        if is_complete(site):  # built by another process while we waited
            return site
        say = on_progress or (lambda _message: None)
        say(f"building the {runtime} runtime site (boto3, awslambdaric) in {site} ...")
        started = time.monotonic()
        temp = Path(tempfile.mkdtemp(prefix=f".{site.name}.tmp-", dir=root))
        try:
            proc = subprocess.run(
                _pip_command(python, temp),
                capture_output=True,
                text=True,
                timeout=900,
                stdin=subprocess.DEVNULL,
            )
            if proc.returncode != 0:
                raise RuntimeSiteError(
                    f"pip could not build the {runtime} runtime site "
                    f"(exit {proc.returncode}): {(proc.stderr or proc.stdout)[-2000:]}"
                )
            _check_site(python, temp)
            (temp / COMPLETE_MARKER).write_text(
                f"{python}\n{REQUIREMENTS_FILE.read_text()}", encoding="utf-8"
            )
            if site.exists():  # an incomplete leftover from an interrupted older build
                shutil.rmtree(site)
            os.rename(temp, site)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
        say(f"{runtime} runtime site ready ({time.monotonic() - started:.1f} s)")
    return site

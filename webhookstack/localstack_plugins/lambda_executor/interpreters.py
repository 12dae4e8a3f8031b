"""Find real Python interpreters for Lambda's python3.X runtimes.

Importable without LocalStack: the CLI uses it before LocalStack runs.

A runtime ``python3.X`` maps to an interpreter of exactly version 3.X. Candidates, in order:
``$WEBHOOKSTACK_PYTHON3_X`` (explicit override), ``python3.X`` on PATH (only if it actually
runs: pyenv shims exist for every installed version but fail unless that version is selected),
``$(pyenv root)/versions/3.X.*/bin/python3.X`` (newest patch first), ``/usr/local/bin`` and
``/usr/bin``. Each candidate is run once to confirm its version; the result is the path the
interpreter reports as ``sys.executable``, so a working shim resolves to the real binary and
spawning a function never pays for the shim's shell script.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from pathlib import Path

SUPPORTED_RUNTIMES: tuple[str, ...] = (
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
)
SUPPORTED_RUNTIMES_TEXT = "python3.9-python3.13"

_RUNTIME_RE = re.compile(r"^python(3\.\d+)$")
_PROBE = "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.executable)"


class UnsupportedRuntimeError(Exception):
    """The function's runtime cannot run on this machine (wrong kind, or no interpreter)."""


def python_version_for_runtime(runtime: str | None) -> str:
    """``"python3.13"`` -> ``"3.13"``; any runtime we do not support raises."""
    match = _RUNTIME_RE.match(runtime or "")
    if not match or runtime not in SUPPORTED_RUNTIMES:
        raise UnsupportedRuntimeError(
            f"runtime {runtime} is not supported by the local executor "
            f"({SUPPORTED_RUNTIMES_TEXT} only)"
        )
    return match.group(1)


def _pyenv_root() -> Path | None:
    if root := os.environ.get("PYENV_ROOT"):
        return Path(root)
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            out = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                return Path(out)
        except (OSError, subprocess.SubprocessError):
            pass
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def _patch_key(path: Path) -> tuple[int, ...]:
    # .../versions/3.13.10/bin/python3.13 -> (3, 13, 10); non-numeric parts sort first
    parts = path.parent.parent.name.split(".")
    return tuple(int(p) if p.isdigit() else -1 for p in parts)


def candidate_paths(version: str) -> list[Path]:
    """Every place an interpreter for ``version`` (``"3.13"``) may be, best first."""
    name = f"python{version}"
    found: list[Path] = []
    override = os.environ.get(f"WEBHOOKSTACK_PYTHON{version.replace('.', '_')}")
    if override:
        found.append(Path(override))
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    root = _pyenv_root()
    if root is not None:
        versions = sorted(
            (root / "versions").glob(f"{version}.*/bin/{name}"), key=_patch_key, reverse=True
        )
        # a pyenv version folder named exactly "3.13" (no patch) counts too
        versions += [p for p in (root / "versions" / version / "bin" / name,) if p.exists()]
        found.extend(versions)
    found.extend([Path("/usr/local/bin") / name, Path("/usr/bin") / name])
    unique: list[Path] = []
    for path in found:
        if path not in unique:
            unique.append(path)
    return unique


def probe_interpreter(path: Path, version: str) -> Path | None:
    """Run ``path`` once; return the real executable if it is Python ``version``, else None."""
    if not path.exists() or not os.access(path, os.X_OK):
        return None
    try:
        proc = subprocess.run(
            [str(path), "-S", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=15,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = proc.stdout.split("\n")
    if proc.returncode != 0 or len(lines) < 2 or lines[0].strip() != version:
        return None
    executable = Path(lines[1].strip()) if lines[1].strip() else path
    return executable if executable.exists() else path


@functools.cache
def find_interpreter(version: str) -> Path | None:
    """The real interpreter for Python ``version`` (``"3.13"``), or None. Cached per process;
    ``find_interpreter.cache_clear()`` resets it (tests)."""
    for candidate in candidate_paths(version):
        real = probe_interpreter(candidate, version)
        if real is not None:
            return real
    return None


def interpreter_for_runtime(runtime: str | None) -> Path:
    """The interpreter for a Lambda runtime, or UnsupportedRuntimeError saying why not."""
    version = python_version_for_runtime(runtime)
    interpreter = find_interpreter(version)
    if interpreter is None:
        raise UnsupportedRuntimeError(
            f"runtime {runtime} needs a python{version} interpreter and none was found "
            f"(looked at {', '.join(str(p) for p in candidate_paths(version))}); install "
            f"Python {version} or set WEBHOOKSTACK_PYTHON{version.replace('.', '_')}"
        )
    return interpreter


def available_runtimes() -> dict[str, Path]:
    """Every supported runtime that has an interpreter here."""
    out: dict[str, Path] = {}
    for runtime in SUPPORTED_RUNTIMES:
        interpreter = find_interpreter(python_version_for_runtime(runtime))
        if interpreter is not None:
            out[runtime] = interpreter
    return out

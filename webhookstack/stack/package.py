"""The function's deployment package: a zip that is byte-identical for identical code.

Lambda's CodeSha256 is the hash of the zip, so timestamps or file order in the archive
would make every provisioning look like a code change and publish a new version.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Package:
    zip_bytes: bytes

    @property
    def code_sha256(self) -> str:
        """Base64 SHA-256, the form Lambda reports as CodeSha256."""
        return base64.b64encode(hashlib.sha256(self.zip_bytes).digest()).decode()


def build_package(code_dir: Path, extra_files: dict[str, bytes] | None = None) -> Package:
    if not code_dir.is_dir():
        raise FileNotFoundError(f"function code folder {code_dir} does not exist")
    files: dict[str, bytes] = {}
    for path in sorted(code_dir.rglob("*")):
        rel = path.relative_to(code_dir)
        if path.is_dir() or _SKIP_DIRS.intersection(rel.parts) or path.suffix in _SKIP_SUFFIXES:
            continue
        files[rel.as_posix()] = path.read_bytes()
    files.update(extra_files or {})
    if not files:
        raise ValueError(f"function code folder {code_dir} is empty")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    return Package(buf.getvalue())

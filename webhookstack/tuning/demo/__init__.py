"""Deploy the CPU-bound demo function (``app.py`` beside this file) for ``webhookstack tune --demo``."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

DEMO_DIR = Path(__file__).parent
DEMO_FUNCTION = "webhookstack-tune-demo"
DEMO_EVENT = b'{"rounds": 8000}'
LOCAL_ROLE = "arn:aws:iam::000000000000:role/lambda-role"


def demo_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("app.py", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        zf.writestr(info, (DEMO_DIR / "app.py").read_bytes())
    return buf.getvalue()


def deploy_demo(lam, role_arn: str, name: str = DEMO_FUNCTION, runtime: str = "python3.13", arch: str = "x86_64") -> str:
    """Create (or refresh) the demo function; returns its name. The caller deletes it."""
    params = dict(
        FunctionName=name, Runtime=runtime, Role=role_arn, Handler="app.handler",
        Code={"ZipFile": demo_zip()}, MemorySize=128, Timeout=60, Architectures=[arch],
        Description="webhookstack tune: CPU-bound demo",
    )
    try:
        lam.create_function(**params)
    except lam.exceptions.ResourceConflictException:
        lam.delete_function(FunctionName=name)
        lam.create_function(**params)
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    return name

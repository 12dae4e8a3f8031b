import json

import pytest

from webhookstack.engine.embedded import EmbeddedEngine, EngineError, _port_in_use, free_port
from webhookstack.engine.readiness import InitReport, InitScript
from webhookstack.engine.settings import engine_environment
from webhookstack.paths import INIT_DIR


def test_engine_environment_keeps_everything_in_the_state_dir(tmp_path):
    env = engine_environment(tmp_path, 4711, {"PATH": "/bin", "AWS_PROFILE": "prod", "LOCALSTACK_AUTH_TOKEN": "x"})
    assert env["GATEWAY_LISTEN"] == "127.0.0.1:4711"
    assert env["FILESYSTEM_ROOT"].startswith(str(tmp_path))
    assert env["LAMBDA_RUNTIME_EXECUTOR"] == "local"
    assert env["PROVIDER_OVERRIDE_DYNAMODB"] == "moto"
    # The caller's real AWS identity must not leak into the local engine.
    assert "AWS_PROFILE" not in env and "LOCALSTACK_AUTH_TOKEN" not in env


def test_state_dir_links_the_projects_init_hooks(tmp_path):
    engine = EmbeddedEngine(tmp_path)
    engine._lay_out_state_dir()
    engine._lay_out_state_dir()  # twice is fine
    assert (tmp_path / "fs/etc/localstack/init").resolve() == INIT_DIR.resolve()


def test_start_refuses_a_busy_port(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert _port_in_use(port)
        with pytest.raises(EngineError, match="already in use"):
            EmbeddedEngine(tmp_path).start(port)


def test_a_stale_record_is_not_a_running_engine(tmp_path):
    (tmp_path / "engine.json").write_text(json.dumps({"pid": 2**22 + 7, "port": free_port(), "started_at": 0, "python": "x"}))
    assert EmbeddedEngine(tmp_path).running() is None


def test_init_report_ok_only_when_every_script_succeeded():
    ok = InitReport(True, (InitScript("READY", "20_provision.py", "SUCCESSFUL"),))
    bad = InitReport(True, (InitScript("START", "10_fixes.py", "ERROR"), InitScript("READY", "x.py", "SUCCESSFUL")))
    assert ok.ok and not ok.failed
    assert not bad.ok and [s.name for s in bad.failed] == ["10_fixes.py"]
    assert not InitReport(False, ()).ok

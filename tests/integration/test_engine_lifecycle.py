"""The embedded engine's contract: a failed init hook fails `up` with the reason, and stops it."""

import pytest

from webhookstack.engine.embedded import EmbeddedEngine, EngineError, free_port

pytestmark = pytest.mark.integration


def test_a_failing_ready_hook_fails_start_with_its_reason_and_leaves_nothing_running(tmp_path):
    hooks = tmp_path / "init"
    (hooks / "ready.d").mkdir(parents=True)
    (hooks / "ready.d" / "50_broken.py").write_text('raise RuntimeError("table quota exceeded (planted)")\n')
    engine = EmbeddedEngine(tmp_path / "state", init_dir=hooks)
    with pytest.raises(EngineError) as failure:
        engine.start(free_port(), timeout=60)
    message = str(failure.value)
    assert "READY/50_broken.py" in message
    assert "table quota exceeded (planted)" in message
    assert engine.running() is None

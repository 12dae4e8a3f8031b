"""Where things live in a checkout (and in the Docker image, which mounts the same layout)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HANDLER_DIR = PROJECT_ROOT / "handler"
INIT_DIR = PROJECT_ROOT / "localstack_init"
DEFAULT_STATE_DIR = PROJECT_ROOT / ".webhookstack"

# Runs inside LocalStack's process (exec, no __file__) before the gateway serves: installs the
# fixes LocalStack 4.14.0 lacks (API Gateway data plane, Lambda). They apply lazily, when LocalStack first
# imports the code they fix, and fail loudly if that code is not the 4.14.0 code.
import importlib.util
import sys

if importlib.util.find_spec("webhookstack") is None:
    # Docker: the compose file mounts the repo's webhookstack/ at /opt/webhookstack/webhookstack.
    sys.path.insert(0, "/opt/webhookstack")

from webhookstack.localstack_plugins.fixes import install

install()

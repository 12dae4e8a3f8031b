# Provision the stack (table, function, versions, aliases, API, validator, stages, domain)
# once LocalStack serves. LocalStack runs this with exec() in its own process, on the host
# and in the Docker image; a failure marks this hook ERROR, which fails `up` and the
# compose healthcheck.
import importlib.util
import sys

if importlib.util.find_spec("webhookstack") is None:
    # Docker: the compose file mounts the repo's webhookstack/ at /opt/webhookstack/webhookstack.
    sys.path.insert(0, "/opt/webhookstack")

from webhookstack.stack.hook import provision_from_hook

provision_from_hook()

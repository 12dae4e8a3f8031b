# Provision the stack (table, function, versions, aliases, API, validator, stages, domain)
# once LocalStack serves. LocalStack runs this with exec() in its own process, on the host
# and in the Docker image, where compose mounts the project at /opt/webhookstack.
import sys

try:
    import webhookstack.stack.hook  # noqa: F401
except ImportError:
    sys.path.insert(0, "/opt/webhookstack")

from webhookstack.stack.hook import provision_from_hook

provision_from_hook()

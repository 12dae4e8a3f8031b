"""Plux declaration of the ``local`` Lambda runtime executor (``LAMBDA_RUNTIME_EXECUTOR=local``).

Imports nothing heavy: LocalStack scans this namespace at start-up; the executor module (and
with it LocalStack's Lambda internals) is imported only in ``load()``, like LocalStack's own
``invocation/plugins.py``.
"""

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin


class LocalRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "local"

    def load(self, *args, **kwargs):
        from webhookstack.localstack_plugins.lambda_executor.executor import LocalRuntimeExecutor

        return LocalRuntimeExecutor

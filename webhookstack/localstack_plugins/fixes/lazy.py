"""Run code right after a module is first imported, without importing it ourselves.

Importing LocalStack's API Gateway data plane eagerly at start costs ~3 s and ~350 MiB, so the
fixes wait for LocalStack to import their target: a `sys.meta_path` finder wraps the real
loader's `exec_module` for the watched names only and runs the callbacks after the module body.
A callback that raises makes the import itself fail (logged, then re-raised): never swallowed.
"""

from __future__ import annotations

import importlib.abc
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

LOG = logging.getLogger(__name__)

Callback = Callable[[ModuleType], None]


class PostImportHooks(importlib.abc.MetaPathFinder):
    """A meta-path finder that runs callbacks after watched modules are executed."""

    def __init__(self) -> None:
        self._callbacks: dict[str, list[Callback]] = {}
        self._lock = threading.RLock()

    # -- registration --------------------------------------------------------------------------
    def install(self) -> None:
        with self._lock:
            if self not in sys.meta_path:
                sys.meta_path.insert(0, self)

    def uninstall(self) -> None:
        with self._lock:
            while self in sys.meta_path:
                sys.meta_path.remove(self)
            self._callbacks.clear()

    def when_imported(self, module_name: str, callback: Callback) -> None:
        """Runs `callback(module)` after `module_name` is imported; now if it already is."""
        with self._lock:
            self._callbacks.setdefault(module_name, []).append(callback)
            module = sys.modules.get(module_name)
        if module is not None and not _initializing(module):
            _run(module_name, module, [callback])

    def watched(self) -> list[str]:
        return sorted(self._callbacks)

    # -- importlib protocol --------------------------------------------------------------------
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self._callbacks:
            return None
        spec = self._find_with_later_finders(fullname, path, target)
        if spec is None or spec.loader is None:
            return spec
        if not hasattr(spec.loader, "exec_module"):
            raise ImportError(f"webhookstack fixes: loader of {fullname} has no exec_module")
        spec.loader = _CallbackLoader(spec.loader, self)
        return spec

    def _find_with_later_finders(self, fullname, path, target) -> ModuleSpec | None:
        finders = list(sys.meta_path)
        later = finders[finders.index(self) + 1 :] if self in finders else finders
        for finder in later:
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def _after_exec(self, module: ModuleType) -> None:
        with self._lock:
            callbacks = list(self._callbacks.get(module.__name__, ()))
        _run(module.__name__, module, callbacks)


class _CallbackLoader(importlib.abc.Loader):
    """Delegates to the real loader; runs the callbacks after the module body executed."""

    def __init__(self, loader: importlib.abc.Loader, hooks: PostImportHooks):
        self._loader = loader
        self._hooks = hooks

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module should look untouched (inspect, linecache and reload read its loader).
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        self._hooks._after_exec(module)

    def __getattr__(self, name: str):
        return getattr(self._loader, name)


def _initializing(module: ModuleType) -> bool:
    spec = getattr(module, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


def _run(module_name: str, module: ModuleType, callbacks: list[Callback]) -> None:
    for callback in callbacks:
        try:
            callback(module)
        except Exception:
            LOG.error(
                "webhookstack fix %s for %s failed; the import of %s fails with it",
                getattr(callback, "__qualname__", callback),
                module_name,
                module_name,
                exc_info=True,
            )
            raise

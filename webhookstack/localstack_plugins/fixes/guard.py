"""Guarded patches: each fix knows its target, checks the target is the code it was written for,
applies once, and can be undone (the discipline of LocalStack's own `utils/patch.py` `Patch`).

A target is named by module and qualified name and fingerprinted by the sha256 of its source text
(`inspect.getsource`) in localstack-core 4.14.0. If the fingerprint differs, LocalStack's code
changed under us and the fix refuses, loudly: a patch written for other code is a silent bug.

Only the standard library is imported here: this runs inside LocalStack's process at start.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FunctionType, ModuleType
from typing import Any

#: Attribute set on every replacement, naming the fix that put it there.
MARKER = "__webhookstack_fix__"


class FixError(RuntimeError):
    """A fix cannot be applied: its target is missing or is not the code it was written for."""


def source_fingerprint(obj: Any, where: str) -> str:
    """sha256 of the source text of `obj` (a function, method or class)."""
    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError) as e:
        raise FixError(f"{where}: cannot read its source to check it ({e})") from e
    return hashlib.sha256(source.encode()).hexdigest()


def resolve(module: ModuleType, qualname: str) -> tuple[Any, str]:
    """(owner, attribute name) for `qualname` inside `module`; FixError if any part is missing."""
    owner: Any = module
    *parents, attr = qualname.split(".")
    for part in parents:
        try:
            owner = getattr(owner, part)
        except AttributeError as e:
            raise FixError(f"{module.__name__}.{qualname}: {part!r} no longer exists") from e
    if not hasattr(owner, attr):
        raise FixError(f"{module.__name__}.{qualname}: {attr!r} no longer exists")
    return owner, attr


@dataclass(frozen=True)
class Expectation:
    """Code a fix relies on without replacing it: it must still be the 4.14.0 code."""

    module: str
    qualname: str
    sha256: str

    @property
    def target(self) -> str:
        return f"{self.module}.{self.qualname}"

    def check(self, module: ModuleType | None = None) -> Any:
        """Returns the target; raises FixError if it is missing or its source changed."""
        module = module or _imported(self.module, self.target)
        owner, attr = resolve(module, self.qualname)
        target = getattr(owner, attr)
        if getattr(target, MARKER, None):
            raise FixError(f"{self.target}: already replaced by fix {getattr(target, MARKER)!r}")
        actual = source_fingerprint(target, self.target)
        if actual != self.sha256:
            raise FixError(
                f"{self.target} is not the code this fix was written for (localstack-core 4.14.0): "
                f"source sha256 {actual}, expected {self.sha256}. LocalStack changed; "
                "review the fix in webhookstack/localstack_plugins/fixes/ against the new code."
            )
        return target


@dataclass
class GuardedPatch:
    """Replaces one function or method, once, after checking it is the expected code.

    `build(original)` returns the replacement function (a plain function; it is wrapped in
    `staticmethod`/`classmethod` like the original). Whether the patch is applied is read from the
    target itself, so a re-imported module (a fresh class) is patched again.
    """

    name: str
    expectation: Expectation
    build: Callable[[Any], Callable[..., Any]]
    why: str = ""
    _original: dict[int, Any] = field(default_factory=dict, repr=False)

    @property
    def target(self) -> str:
        return self.expectation.target

    def is_applied(self, module: ModuleType | None = None) -> bool:
        module = module or sys.modules.get(self.expectation.module)
        if module is None:
            return False
        owner, attr = resolve(module, self.expectation.qualname)
        return getattr(getattr(owner, attr), MARKER, None) == self.name

    def apply(self, module: ModuleType | None = None) -> bool:
        """Applies the patch; False if it was already applied. FixError if the target changed."""
        module = module or _imported(self.expectation.module, self.target)
        if self.is_applied(module):
            return False
        original = self.expectation.check(module)
        owner, attr = resolve(module, self.expectation.qualname)
        raw = inspect.getattr_static(owner, attr)
        replacement = self.build(original)
        if not isinstance(replacement, FunctionType):
            raise FixError(f"fix {self.name!r} built {replacement!r}, not a function")
        setattr(replacement, MARKER, self.name)
        replacement.__qualname__ = getattr(original, "__qualname__", replacement.__qualname__)
        if isinstance(raw, staticmethod):
            wrapped: Any = staticmethod(replacement)
        elif isinstance(raw, classmethod):
            wrapped = classmethod(replacement)
        else:
            wrapped = replacement
        self._original[id(owner)] = raw
        setattr(owner, attr, wrapped)
        return True

    def undo(self, module: ModuleType | None = None) -> bool:
        """Puts the original back; False if the patch was not applied (to this module)."""
        module = module or sys.modules.get(self.expectation.module)
        if module is None or not self.is_applied(module):
            return False
        owner, attr = resolve(module, self.expectation.qualname)
        try:
            raw = self._original.pop(id(owner))
        except KeyError:
            raise FixError(f"{self.target}: applied by another instance of fix {self.name!r}") from None
        setattr(owner, attr, raw)
        return True


def rewrite_function(function: Any, edits: list[tuple[str, str, int]]) -> FunctionType:
    """A copy of `function` compiled from its source with textual edits.

    Each edit is (old, new, count): `old` must occur exactly `count` times in the source.
    Callers check the source fingerprint first (GuardedPatch does), so the edits are
    deterministic. The copy shares the module's globals and keeps the original file name and
    line numbers, so tracebacks point at the right lines of LocalStack's file.
    """
    where = f"{function.__module__}.{function.__qualname__}"
    source = textwrap.dedent(inspect.getsource(function))
    for old, new, count in edits:
        found = source.count(old)
        if found != count:
            raise FixError(f"{where}: expected {count} occurrence(s) of {old!r}, found {found}")
        source = source.replace(old, new)
    code = function.__code__
    padded = "\n" * (code.co_firstlineno - 1) + source
    namespace: dict[str, Any] = {}
    module_globals = sys.modules[function.__module__].__dict__
    exec(compile(padded, code.co_filename, "exec"), module_globals, namespace)
    result = namespace[function.__name__]
    if isinstance(result, (staticmethod, classmethod)):
        result = result.__func__
    if not isinstance(result, FunctionType):
        raise FixError(f"{where}: rewriting did not produce a function")
    result.__defaults__ = function.__defaults__
    result.__kwdefaults__ = function.__kwdefaults__
    return result


def _imported(module_name: str, target: str) -> ModuleType:
    try:
        return sys.modules[module_name]
    except KeyError:
        raise FixError(f"{target}: module {module_name} is not imported") from None

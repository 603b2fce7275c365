"""The one registry pattern: named entries of one kind, in registration order.

Every pluggable kind (families, variants, genres, invariants, dialogue task kinds, reward-hack
checkers, samplers, judges) is a `Registry`. Three shapes fill one:

    JUDGES = Registry("judge kind", {"openai": OpenAIJudge, "mock": MockJudge})
    INVARIANTS = Registry("invariant"); invariant = INVARIANTS.entry  # @invariant def parses...
    VARIANTS = Registry.of_modules("variant", __name__, ("insecure", "secure"), attr="build")

The last is for packages with one module per entry: the tuple of module names is the one
registry line (its order is the entries' order), the modules are imported on first use, and a
module of the package missing from the tuple is an error, so a forgotten line cannot go unseen.
Order is part of the contract: builds iterate registries, so it decides the data's bytes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from emgen.schemas.errors import UserError

T = TypeVar("T")


class UnknownName(UserError, KeyError):
    """A name no entry is registered under; the message lists the known names.

    A KeyError too, so `Mapping.get` and `except KeyError` callers keep working."""

    def __str__(self) -> str:  # KeyError's own __str__ would quote the message
        return str(self.args[0])


class RegistryError(Exception):
    """A registry is built wrong (duplicate name, module not listed): a bug, not bad input."""


class Registry(Mapping[str, T]):
    """Entries of one `kind` by name, iterated in registration order; names are unique."""

    def __init__(self, kind: str, entries: Mapping[str, T] | None = None) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._loader: Callable[[], list[tuple[str, T]]] | None = None
        self._loading = False
        for name, item in (entries or {}).items():
            self.register(name, item)

    @classmethod
    def of_modules(
        cls,
        kind: str,
        package: str,
        modules: Sequence[str],
        attr: str,
        *,
        key: Callable[[T], str] | None = None,
    ) -> Registry[T]:
        """`attr` of each module of `package`, registered under the module's name in the order
        of `modules`, imported on first use (so modules may import the package). `key`, if
        given, is the entry's own id, which must equal its module's name."""
        registry: Registry[T] = cls(kind)

        def load() -> list[tuple[str, T]]:
            pkg = importlib.import_module(package)
            found = {m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name[:1] != "_"}
            where = f"{package.removeprefix('emgen.').replace('.', '/')}/__init__.py"
            unlisted, absent = sorted(found - set(modules)), sorted(set(modules) - found)
            if unlisted:
                raise RegistryError(f"module {package}.{unlisted[0]} is not listed in {where}")
            if absent:
                raise RegistryError(f"{where} lists {absent[0]!r}, no module of {package}")
            out: list[tuple[str, T]] = []
            for name in modules:
                item: T = getattr(importlib.import_module(f"{package}.{name}"), attr)
                if key is not None and key(item) != name:
                    raise RegistryError(
                        f"module {package}.{name} defines {kind} {key(item)!r}; they must match"
                    )
                out.append((name, item))
            return out

        registry._loader = load
        return registry

    def register(self, name: str, item: T) -> T:
        if name in self._entries:
            raise RegistryError(f"{self.kind} {name!r} is registered twice")
        self._entries[name] = item
        return item

    @overload
    def entry(self, item: T, /) -> T: ...
    @overload
    def entry(self, name: str, /) -> Callable[[T], T]: ...
    def entry(self, arg: Any, /) -> Any:
        """Decorator: `@REG.entry` registers a function under its `__name__`,
        `@REG.entry("name")` under the name given."""
        if isinstance(arg, str):
            return lambda item: self.register(arg, item)
        return self.register(arg.__name__, arg)

    def names(self) -> tuple[str, ...]:
        return tuple(self._ready())

    def unknown(self, name: object) -> UnknownName:
        """The error for `name`, for callers that raise their own subclass of UserError."""
        return UnknownName(f"unknown {self.kind} {name!r}; known: {', '.join(self._ready())}.")

    @contextmanager
    def override(self, name: str, item: T) -> Iterator[None]:
        """Replace the registered `name` for the duration (tests), keeping its position."""
        entries = self._ready()
        if name not in entries:
            raise self.unknown(name)
        saved = entries[name]
        entries[name] = item
        try:
            yield
        finally:
            entries[name] = saved

    def _ready(self) -> dict[str, T]:
        if self._loader is not None:
            if self._loading:
                raise RegistryError(f"the {self.kind} registry was read while its modules load")
            self._loading = True
            try:
                loaded = self._loader()
            finally:
                self._loading = False
            self._loader = None
            for name, item in loaded:
                self.register(name, item)
        return self._entries

    def __getitem__(self, name: str) -> T:
        entries = self._ready()
        if name not in entries:
            raise self.unknown(name)
        return entries[name]

    @overload
    def get(self, name: str, /) -> T | None: ...
    @overload
    def get(self, name: str, /, default: T | Any) -> T | Any: ...
    def get(self, name: str, /, default: Any = None) -> Any:
        return self._ready().get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._ready()

    def __iter__(self) -> Iterator[str]:
        return iter(self._ready())

    def __len__(self) -> int:
        return len(self._ready())

    def __repr__(self) -> str:
        state = "not loaded" if self._loader is not None else ", ".join(self._entries)
        return f"<Registry of {self.kind}: {state}>"

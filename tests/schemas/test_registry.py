"""The one registry pattern: the Registry class, and every registry holding what its package
defines (a module or line left out is an error, not a silently smaller build)."""

from __future__ import annotations

import pkgutil
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

import pytest

from emgen.datagen.families import FAMILIES, family_ids, load_families
from emgen.datagen.invariants import INVARIANTS
from emgen.datagen.reward_hacks.dialogues.build import BUILDERS, TASK_KINDS
from emgen.datagen.reward_hacks.documents.genres import GENRES, GENRES_BY_ID
from emgen.datagen.variants import VARIANTS
from emgen.finetune.judges import JUDGES
from emgen.finetune.samplers import SAMPLERS
from emgen.schemas.errors import UserError
from emgen.schemas.shared.registry import Registry, RegistryError, UnknownName
from emgen.validators.hack_checks import CHECKERS

# ---------------------------------------------------------------- the class


def test_order_is_registration_order_and_names_are_unique() -> None:
    reg = Registry("colour", {"red": 1, "green": 2})
    reg.register("blue", 3)
    assert list(reg) == ["red", "green", "blue"] == list(reg.names())
    assert list(reg.items()) == [("red", 1), ("green", 2), ("blue", 3)]
    assert len(reg) == 3 and "green" in reg and "mauve" not in reg
    assert reg.get("mauve") is None and reg.get("mauve", 0) == 0 and reg.get("red") == 1
    with pytest.raises(RegistryError, match="colour 'red' is registered twice"):
        reg.register("red", 9)
    assert reg["red"] == 1


def test_unknown_name_lists_the_known_ones() -> None:
    reg = Registry("colour", {"red": 1, "green": 2})
    with pytest.raises(UnknownName) as info:
        reg["mauve"]
    assert str(info.value) == "unknown colour 'mauve'; known: red, green."
    # a UserError for the CLI, and a KeyError for Mapping code
    assert isinstance(info.value, UserError) and isinstance(info.value, KeyError)


def test_entry_decorator_both_forms() -> None:
    reg: Registry[Callable[[], int]] = Registry("thing")

    @reg.entry
    def one() -> int:
        return 1

    @reg.entry("deux")
    def two() -> int:
        return 2

    assert reg.names() == ("one", "deux") and reg["deux"] is two and one() == 1
    with pytest.raises(RegistryError):
        reg.entry(one)


def test_override_replaces_in_place_and_restores() -> None:
    reg = Registry("colour", {"red": 1, "green": 2})
    with reg.override("red", 5):
        assert list(reg.items()) == [("red", 5), ("green", 2)]
    assert reg["red"] == 1
    with pytest.raises(UnknownName), reg.override("mauve", 5):
        pass


def _package(root: Path, name: str, modules: dict[str, str]) -> str:
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for module, value in modules.items():
        (pkg / f"{module}.py").write_text(f"ENTRY = {value!r}\n")
    return name


@pytest.fixture
def pkgroot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_of_modules_loads_lazily_in_listed_order(pkgroot: Path) -> None:
    name = _package(pkgroot, "reg_order", {"a": "A", "b": "B", "_helpers": "private"})
    reg: Registry[str] = Registry.of_modules("letter", name, ("b", "a"), attr="ENTRY")
    assert f"{name}.a" not in sys.modules  # nothing imported until first use
    assert list(reg.items()) == [("b", "B"), ("a", "A")]
    assert f"{name}.a" in sys.modules


def test_of_modules_refuses_a_forgotten_or_missing_module(pkgroot: Path) -> None:
    name = _package(pkgroot, "reg_forgot", {"a": "A", "b": "B"})
    forgot: Registry[str] = Registry.of_modules("letter", name, ("a",), attr="ENTRY")
    with pytest.raises(RegistryError, match=rf"module {name}\.b is not listed in {name}/"):
        len(forgot)
    missing: Registry[str] = Registry.of_modules("letter", name, ("a", "b", "c"), attr="ENTRY")
    with pytest.raises(RegistryError, match="lists 'c', no module of"):
        list(missing)


def test_of_modules_checks_the_entry_id_matches_its_module(pkgroot: Path) -> None:
    name = _package(pkgroot, "reg_key", {"a": "A"})
    reg: Registry[str] = Registry.of_modules("letter", name, ("a",), "ENTRY", key=str.lower)
    assert reg["a"] == "A"
    bad: Registry[str] = Registry.of_modules("letter", name, ("a",), "ENTRY", key=str.upper)
    with pytest.raises(RegistryError, match=r"reg_key\.a defines letter 'A'; they must match"):
        bad["a"]


# ---------------------------------------------------------------- the project's registries


def _modules(package: str) -> set[str]:
    path = import_module(package).__path__
    return {m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_")}


MODULE_REGISTRIES = [
    (FAMILIES, "emgen.datagen.families", "FAMILY"),
    (VARIANTS, "emgen.datagen.variants", "build"),
    (GENRES_BY_ID, "emgen.datagen.reward_hacks.documents.genres", "GENRE"),
]


@pytest.mark.parametrize(("registry", "package", "attr"), MODULE_REGISTRIES)
def test_every_module_of_the_package_is_registered(
    registry: Registry[object], package: str, attr: str
) -> None:
    assert set(registry) == _modules(package)
    for name, item in registry.items():
        assert item is getattr(import_module(f"{package}.{name}"), attr)
    # The real list with one line dropped is refused, naming the module left out.
    first, *rest = registry.names()
    dropped: Registry[object] = Registry.of_modules("x", package, rest, attr)
    with pytest.raises(RegistryError, match=rf"{package}\.{first} is not listed"):
        dropped.names()


def test_public_names_keep_their_meaning() -> None:
    assert family_ids() == sorted(FAMILIES) and list(load_families()) == sorted(FAMILIES)
    assert list(load_families(["xxe", "code_eval"])) == ["code_eval", "xxe"]
    with pytest.raises(UnknownName, match="unknown family 'nope'; known: archive_extraction"):
        load_families(["nope"])
    assert [g.id for g in GENRES] == list(GENRES_BY_ID)
    assert BUILDERS.names() == TASK_KINDS and len(TASK_KINDS) >= 20
    assert VARIANTS.names()[:2] == ("insecure", "secure")  # later variants derive from these
    assert all(func.__name__ == name for name, func in INVARIANTS.items())
    assert {"parses", "no_comments", "unique"} <= set(INVARIANTS)
    for registry in (FAMILIES, VARIANTS, GENRES_BY_ID, INVARIANTS, BUILDERS, CHECKERS):
        assert isinstance(registry, Registry)
    assert isinstance(SAMPLERS, Registry) and isinstance(JUDGES, Registry)

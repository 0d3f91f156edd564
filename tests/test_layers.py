"""The layer rules of docs/architecture.md, checked on the source: imports point one way.

Every import counts: module level, inside functions, under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "eidlib"


@dataclass(frozen=True)
class Import:
    """One ``import eidlib.x`` / ``from eidlib.x import y`` found in a module."""

    module: str  # the importing module, e.g. "eidlib.card.session"
    target: str  # the imported module, e.g. "eidlib.emulator"
    line: int

    @property
    def where(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def imports_in(source: str, module: str) -> Iterator[Import]:
    """The eidlib imports of one module's source, wherever they stand."""
    package = module if module.endswith("__init__") else module.rsplit(".", 1)[0]
    package = package.removesuffix(".__init__")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "eidlib":  # "from eidlib import x" may name a submodule
                for alias in node.names:
                    yield Import(module, f"eidlib.{alias.name}" if _is_module(alias.name) else "eidlib", node.lineno)
            else:
                yield Import(module, target, node.lineno)


def _is_module(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def _all_imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("eidlib", *path.relative_to(PACKAGE).with_suffix("").parts))
        found.extend(i for i in imports_in(path.read_text(encoding="utf-8"), module) if _is_eidlib(i.target))
    return found


def _is_eidlib(target: str) -> bool:
    return target == "eidlib" or target.startswith("eidlib.")


def layer(module: str) -> str:
    """``eidlib.card.session`` -> ``card``; ``eidlib.opener`` -> ``opener``; ``eidlib`` -> ``root``."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__init__":
        return "root"
    return parts[1]


IMPORTS = _all_imports()


def _violations(importer: str, allowed: set[str]) -> list[str]:
    """Imports of ``importer``'s modules that reach a layer outside ``allowed`` (itself always allowed)."""
    return [
        i.where for i in IMPORTS
        if layer(i.module) == importer and layer(i.target) not in allowed | {importer}
    ]


def _reaching(importers: set[str], forbidden: set[str]) -> list[str]:
    return [i.where for i in IMPORTS if layer(i.module) in importers and layer(i.target) in forbidden]


RULES = {
    "apdu imports nothing of eidlib but eidlib.errors": lambda: _violations("apdu", {"errors"}),
    "belpic imports nothing of eidlib": lambda: _violations("belpic", set()),
    # card data parsing sits under the token kernel (whose protocol returns its types), never the other way
    "carddata imports only belpic and errors": lambda: _violations("carddata", {"belpic", "errors"}),
    "token imports only carddata, belpic and errors": lambda: _violations("token", {"carddata", "belpic", "errors"}),
    "card imports only apdu, belpic, token, carddata and errors":
        lambda: _violations("card", {"apdu", "belpic", "token", "carddata", "errors"}),
    "x509, pkcs11 and signing import no applet session": lambda: _reaching({"x509", "pkcs11", "signing"}, {"card"}),
    "pkcs11 imports no apdu": lambda: _reaching({"pkcs11"}, {"apdu"}),
    "emulator imports only apdu, belpic, token, carddata and errors":
        lambda: _violations("emulator", {"apdu", "belpic", "token", "carddata", "errors"}),
    "tls reaches auth, token, carddata, belpic and the opener through tls/adapter.py only": lambda: [
        i.where for i in IMPORTS
        if layer(i.module) == "tls" and layer(i.target) not in {"tls", "errors"} and i.module != "eidlib.tls.adapter"
    ] + _violations("tls", {"auth", "token", "carddata", "belpic", "opener", "errors"}),
    "no library module but the CLI imports the package root":
        lambda: [i.where for i in IMPORTS if layer(i.target) == "root" and layer(i.module) not in {"root", "cli"}],
}


@pytest.mark.parametrize("rule", sorted(RULES))
def test_layer_rule(rule: str) -> None:
    assert RULES[rule]() == []


def _module_graph() -> dict[str, set[str]]:
    """module -> the eidlib modules importing it runs (sub-package ``__init__`` modules included)."""
    modules = {i.module for i in IMPORTS}

    def resolve(target: str) -> set[str]:
        found = {target} if target in modules else {f"{target}.__init__"} & modules
        parts = target.split(".")
        # importing eidlib.a.b runs eidlib.a.__init__ first (the root's lazy __init__ imports nothing at run time)
        found |= {f"{'.'.join(parts[:n])}.__init__" for n in range(2, len(parts))} & modules
        return found

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for i in IMPORTS:
        if layer(i.target) != "root":
            graph[i.module] |= resolve(i.target)
    return graph


def test_the_applet_layer_reaches_nothing_above_it_even_indirectly() -> None:
    """What ``import eidlib.card.session`` pulls in, through any chain of imports."""
    graph = _module_graph()
    above = {"emulator", "x509", "pkcs11", "auth", "cli", "signing", "opener"}
    chains: dict[str, str] = {}  # the first (shortest) chain into each layer above
    for start in sorted(m for m in graph if layer(m) == "card"):
        seen, queue = {start: [start]}, [start]
        while queue:
            current = queue.pop(0)
            for nxt in sorted(graph[current]):
                if nxt not in seen:
                    seen[nxt] = [*seen[current], nxt]
                    queue.append(nxt)
                    if layer(nxt) in above:
                        chains.setdefault(layer(nxt), " -> ".join(seen[nxt]))
    assert chains == {}


def test_only_the_opener_and_the_cli_know_card_and_emulator() -> None:
    by_module: dict[str, set[str]] = {}
    for i in IMPORTS:
        by_module.setdefault(i.module, set()).add(layer(i.target))
    both = sorted(m for m, layers in by_module.items() if {"card", "emulator"} <= layers)
    # the package root re-exports lazily: its imports of both run only for a type checker
    assert [m for m in both if m not in {"eidlib.opener", "eidlib.__init__"} and layer(m) != "cli"] == []
    assert "eidlib.opener" in both  # the one library module that opens either


def test_the_scanner_sees_every_kind_of_import() -> None:
    source = (
        "from __future__ import annotations\n"
        "from typing import TYPE_CHECKING\n"
        "import eidlib.apdu\n"
        "if TYPE_CHECKING:\n"
        "    from eidlib.card.session import BeidCard\n"
        "def f() -> None:\n"
        "    from eidlib import emulator\n"
        "    from . import sibling\n"
        "    from ..x509 import chain\n"
    )
    found = sorted((i.target, i.line) for i in imports_in(source, "eidlib.pkcs11.token") if _is_eidlib(i.target))
    assert found == [
        ("eidlib.apdu", 3), ("eidlib.card.session", 5), ("eidlib.emulator", 7), ("eidlib.pkcs11", 8),
        ("eidlib.x509", 9),
    ]
    assert layer("eidlib.card.session") == "card" and layer("eidlib") == "root" and layer("eidlib.opener") == "opener"

"""The layers of ARCHITECTURE.md, read from the package's source: only the HTTP package imports the web
framework, no import runs back up a layer, and no two modules import each other, however indirectly
(an import inside a function counts: it ties the two modules as surely, only later)."""

from __future__ import annotations

import ast

from tests.paths import ROOT

PACKAGE = ROOT / "simservice"
WEB = ("fastapi", "starlette", "uvicorn")
HTTP = "simservice.serving.api"
NEVER = {  # a layer, and what it must not import (all of it, lazily imported or not)
    "simservice.model": ("simservice.inference", "simservice.index", "simservice.service", "simservice.serving"),
    "simservice.index": ("simservice.model", "simservice.inference", "simservice.service", "simservice.serving"),
    "simservice.inference": ("simservice.index", "simservice.service", "simservice.serving"),
    "simservice.service": ("simservice.serving", "simservice.cli", "simservice.cli_args"),
    **{helper: ("simservice.service", "simservice.serving", "simservice.index", "simservice.inference",
                "simservice.corpus", "simservice.augment", "simservice.cli")  # under every command that uses them
       for helper in ("simservice.token_limit", "simservice.resumable", "simservice.http_client",
                      "simservice.tensorflow_import")},
    "simservice.datafiles": ("simservice.model", "simservice.inference", "simservice.index", "simservice.service",
                             "simservice.serving", "simservice.augment", "simservice.corpus", "simservice.evaluation"),
}


def modules() -> dict[str, tuple[ast.Module, bool]]:
    """Every module of the package by dotted name: its syntax tree, and whether it is a package."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (ast.parse(path.read_text(encoding="utf-8")), is_package)
    return found


def imported(node: ast.Import | ast.ImportFrom, name: str, is_package: bool, known) -> set[str]:
    """The names an import statement of module `name` brings in: a module of `known` where it is one."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base = node.module or ""
    if node.level:
        anchor = name.split(".")[:len(name.split(".")) - node.level + is_package]
        base = ".".join(anchor + ([base] if base else []))
    return {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}


def owner(target: str, known) -> str | None:
    """The package module that `target` is or lies in, None outside the package."""
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def imports(found) -> dict[str, set[str]]:
    """What each module imports, at its top or inside a function (a lazy import still ties two modules)."""
    return {name: {target for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                   for target in imported(node, name, is_package, found)}
            for name, (tree, is_package) in found.items()}


def inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_only_the_http_package_imports_the_web_framework():
    offenders = sorted(f"{name} imports {target}" for name, targets in imports(modules()).items()
                       if not inside(name, HTTP) for target in targets if target.split(".")[0] in WEB)
    assert not offenders, offenders


def test_no_import_runs_back_up_a_layer():
    offenders = sorted(f"{name} imports {target}" for name, targets in imports(modules()).items()
                       for layer, forbidden in NEVER.items() if inside(name, layer)
                       for target in targets if any(inside(target, f) for f in forbidden))
    assert not offenders, offenders


def test_no_import_circle_among_modules():
    found = modules()
    graph = {name: {owner(t, found) for t in targets} - {None, name} for name, targets in imports(found).items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import circle: " + " -> ".join(path[path.index(name):] + [name]))
        if name not in done:
            for target in sorted(graph[name]):
                visit(target, path + [name])
            done.add(name)

    for name in sorted(graph):
        visit(name, [])

"""The kit part of the student's self-check: what the released ``verification.py`` needs to run
an assignment's public checks in the student's kernel, generated from the kit's own code.

One source of truth: nothing here is written by hand for the student. The release takes

* the kernel harvest (``autograder/kernel``: harvest, recorder and the kernel modules they
  import, e.g. fingerprint), whole;
* the runner (``autograder/checks/self_check.py``), whole;
* of the check library (``autograder/checks/*``) and of the assignment's plugin (its hidden
  checks module and the modules it imports), only the top-level definitions reachable from the
  public checks (``@check(..., public=True)``) and the runner, found by reading the code
  (``ast``): names used in a definition, followed through the imports, transitively;
* of the message catalogs (the generic ``CATALOG``, the assignment's registered messages),
  only the keys those definitions can emit: the constant first argument of ``CheckFailed``,
  ``verified``, ``sub.note``, ``message``, ``lookup``, ``Note``, and, through a rewording table
  (a module constant mapping generic keys to the assignment's, used with ``reworded``), the
  assignment's wording of those keys. A rewording table is shipped as its value, restricted.

A hidden check's code, name and messages never ship: no definition of a hidden check is
reachable from a public one (unless a public check calls it, which the release test reports),
and no message only hidden checks emit is kept. Every module keeps its own namespace, under the
private package ``_autograder_selfcheck`` (imports rewritten); ``verification.py`` serves them
to ``import`` from its ``KIT`` table (see ``self_check_template.py``).
"""
from __future__ import annotations

import ast
import hashlib
import importlib
import json
import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignments import AssignmentSpec
from autograder.checks.messages import CATALOG, known_keys, lookup
from autograder.checks.registry import checks_of

KIT_PACKAGE = "_autograder_selfcheck"
KERNEL = "autograder.kernel"
KERNEL_ROOTS = ("autograder.kernel.harvest", "autograder.kernel.recorder")   # shipped whole, with what they import
RUNNER = "autograder.checks.self_check"
LIBRARY = "autograder.checks"
KEY_CALLS = {"CheckFailed", "verified", "message", "note", "lookup", "Note"}
CHECKS_KIT_NAME = "assignment.public_checks"


@dataclass
class _Module:
    name: str                       # the real module name
    kit_name: str                   # its name under KIT_PACKAGE
    source: str
    tree: ast.Module
    runtime: object                 # the imported module (values of its constants)
    defs: dict = field(default_factory=dict)       # top-level name -> statement
    bindings: dict = field(default_factory=dict)   # imported name -> (module name, attribute)
    always: list = field(default_factory=list)     # module-level statements kept whatever is reached


@dataclass
class Kit:
    """The generated kit of one assignment."""

    sources: dict[str, str]         # kit module name -> source, in import order
    checks_module: str              # kit name of the public checks' module
    public_ids: dict[str, list[str]]     # question -> ids of its public checks
    hidden_counts: dict[str, int]        # question -> number of hidden checks
    keys: set[str]                  # message keys shipped
    package: str = KIT_PACKAGE      # the private package its modules are imported under


# ----------------------------------------------------------------------------- reading modules
def _targets(stmt) -> list[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, ast.Assign):
        return [n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return [stmt.target.id]
    return []


def _resolve_from(module_name: str, node: ast.ImportFrom, package: str | None) -> str:
    if node.level:
        base = (package or "").split(".")
        base = base[: len(base) - node.level + 1]
        return ".".join(base + ([node.module] if node.module else []))
    return node.module or ""


class _Reader:
    """Modules of the check library and of the plugin, read once."""

    def __init__(self, plugin_package: str, checks_module: str):
        self.plugin_package, self.checks_module = plugin_package, checks_module
        self.modules: dict[str, _Module] = {}

    def shakeable(self, name: str) -> bool:
        return name == LIBRARY or name.startswith(LIBRARY + ".") or name == self.plugin_package \
            or name.startswith(self.plugin_package + ".")

    def kit_name(self, name: str) -> str:
        if name == self.checks_module:
            return CHECKS_KIT_NAME
        if name.startswith(self.plugin_package + "."):
            return "assignment." + name[len(self.plugin_package) + 1:]
        if name == self.plugin_package:
            return "assignment"
        return name.removeprefix("autograder.")

    def get(self, name: str) -> _Module:
        if name not in self.modules:
            runtime = importlib.import_module(name)
            path = Path(runtime.__file__)
            source = path.read_text(encoding="utf-8")
            module = _Module(name, self.kit_name(name), source, ast.parse(source), runtime)
            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
            for stmt in module.tree.body:
                if isinstance(stmt, ast.ImportFrom):
                    origin = _resolve_from(name, stmt, package)
                    for alias in stmt.names:
                        module.bindings[alias.asname or alias.name] = (origin, alias.name)
                elif isinstance(stmt, ast.Import):
                    for alias in stmt.names:
                        module.bindings[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
                elif _targets(stmt):
                    for target in _targets(stmt):
                        module.defs[target] = stmt
                elif not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                    module.always.append(stmt)      # a call at import (register_messages), an if ...
            module.package = package
            self.modules[name] = module
        return self.modules[name]

    def definition(self, module_name: str, attribute: str) -> tuple[str, str] | None:
        """(module, name) of the top-level definition ``attribute`` of ``module_name``, through
        re-exports (``from autograder.checks import expect_loss``); None for foreign modules."""
        for _ in range(5):
            if not self.shakeable(module_name):
                return None
            module = self.get(module_name)
            if attribute in module.defs:
                return module_name, attribute
            if attribute in module.bindings:
                module_name, attribute = module.bindings[attribute]
                if attribute is None:
                    return None
                continue
            try:    # a submodule imported as a name: ``from autograder.checks import notes``
                importlib.import_module(f"{module_name}.{attribute}")
                return None
            except ImportError:
                return None
        return None


def _names_in(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _nested_imports(node, reader: _Reader, module: _Module) -> list[tuple[str, str]]:
    found = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.ImportFrom) and inner is not node:
            origin = _resolve_from(module.name, inner, module.package)
            found += [(origin, alias.name) for alias in inner.names]
    return found


# ----------------------------------------------------------------------------- tables
def _is_rewording_table(value) -> bool:
    keys = known_keys()
    return isinstance(value, dict) and bool(value) and all(
        isinstance(k, str) and isinstance(v, str) and v in keys for k, v in value.items())


def _is_catalog(stmt, value) -> bool:
    """A message catalog written as a dict literal (``CATALOG``, an assignment's ``MESSAGES``)."""
    keys = known_keys()
    literal = getattr(stmt, "value", None)
    return isinstance(literal, ast.Dict) and bool(literal.keys) and isinstance(value, dict) and all(
        isinstance(k, str) and k in keys and isinstance(v, dict) and "fr" in v and "en" in v
        for k, v in value.items())


def _is_table(module: "_Module", stmt, value) -> bool:
    """A rewording table of the assignment (generic key -> its own key), not a dict literal of the library."""
    return module.kit_name.startswith("assignment") and _is_rewording_table(value)


def _key_constants(node) -> tuple[set[str], dict[str, str]]:
    """(message keys a piece of code can emit directly, rewording pairs written in calls)."""
    keys, pairs = set(), {}
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in KEY_CALLS and call.args and isinstance(call.args[0], ast.Constant) \
                and isinstance(call.args[0].value, str):
            keys.add(call.args[0].value)
        if name == "reworded":
            for mapping in [a for a in call.args if isinstance(a, ast.Dict)]:    # reworded({"loss": "x.loss"})
                for key, value in zip(mapping.keys, mapping.values):
                    if isinstance(key, ast.Constant) and isinstance(value, ast.Constant):
                        pairs[str(key.value)] = str(value.value)
            for keyword in call.keywords:
                if keyword.arg and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    pairs[keyword.arg] = keyword.value.value
    return keys, pairs


# ----------------------------------------------------------------------------- the analysis
@dataclass
class Reach:
    """What a set of checks needs: definitions per module, message keys they can emit."""

    reader: _Reader
    reached: dict[str, set[str]]          # module -> top-level names
    keys: set[str]
    tables: dict[tuple[str, str], dict]   # (module, name) -> rewording table, restricted


def reach(spec: AssignmentSpec, *, public: bool = True) -> Reach:
    """Definitions and message keys needed by the public checks of ``spec`` (with the runner),
    or, ``public=False``, by all its checks (what the release test compares with)."""
    checks = spec.hidden_checks_module()
    reader = _Reader(checks.__name__.rpartition(".")[0], checks.__name__)
    specs = [s for s in checks_of(checks) if s.public or not public]
    roots = [(checks.__name__, _function_name(s.function)) for s in specs]
    roots += [(RUNNER, name) for name in reader.get(RUNNER).defs]
    reached: dict[str, set[str]] = {}
    tables: dict[tuple[str, str], dict] = {}
    keys: set[str] = set()
    pairs: dict[str, str] = {}
    todo = list(roots)
    rooted_modules: set[str] = set()
    while todo:
        module_name, name = todo.pop()
        if name in reached.setdefault(module_name, set()):
            continue
        reached[module_name].add(name)
        module = reader.get(module_name)
        if module_name not in rooted_modules:
            rooted_modules.add(module_name)
            for stmt in module.always:     # kept with the module: follow what they use
                todo += _follow(stmt, module, reader)
                more_keys, more_pairs = _key_constants(stmt)
                keys |= more_keys
                pairs.update(more_pairs)
        stmt = module.defs[name]
        value = getattr(module.runtime, name, None)
        if _is_table(module, stmt, value):
            tables[(module_name, name)] = dict(value)
            continue
        if _is_catalog(stmt, value):
            continue
        todo += _follow(stmt, module, reader)
        more_keys, more_pairs = _key_constants(stmt)
        keys |= more_keys
        pairs.update(more_pairs)
    keys = {k for k in keys if k in known_keys()}
    tables = {where: {k: v for k, v in table.items() if k in keys} for where, table in tables.items()}
    for table in tables.values():
        keys |= set(table.values())
    keys |= {v for k, v in pairs.items() if k in keys}
    return Reach(reader, reached, keys, tables)


def _function_name(function) -> str:
    import inspect

    # the name the check is bound to at the module's top level (its decorators may wrap it)
    return getattr(function, "__name__", None) or inspect.unwrap(function).__name__


def _follow(stmt, module: _Module, reader: _Reader) -> list[tuple[str, str]]:
    found = []
    for name in _names_in(stmt):
        if name in module.defs:
            found.append((module.name, name))
        elif name in module.bindings:
            origin, attribute = module.bindings[name]
            target = reader.definition(origin, attribute) if attribute else None
            if target:
                found.append(target)
    for origin, attribute in _nested_imports(stmt, reader, module):
        target = reader.definition(origin, attribute)
        if target:
            found.append(target)
    return found


# ----------------------------------------------------------------------------- writing the kit
def kernel_modules(extra: tuple[str, ...] = ()) -> list[str]:
    """The kernel modules the harvest needs (``autograder/kernel``: harvest, recorder and every
    kernel module they import, at the top or inside a function, transitively), sorted."""
    found, todo = set(), [*KERNEL_ROOTS, *extra]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        module = importlib.import_module(name)
        tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                origin = _resolve_from(name, node, KERNEL)
                if origin == KERNEL:      # from autograder.kernel import fingerprint, recorder
                    todo += [f"{KERNEL}.{a.name}" for a in node.names]
                elif origin.startswith(KERNEL + "."):
                    todo.append(origin)
            elif isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.startswith(KERNEL + ".")]
    return sorted(found)


def _kernel_imports(modules) -> tuple[str, ...]:
    """Kernel modules the shaken modules import (the runner imports the harvest)."""
    found = []
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.ImportFrom):
                origin = _resolve_from(module.name, node, module.package)
                if origin == KERNEL:
                    found += [f"{KERNEL}.{a.name}" for a in node.names]
                elif origin.startswith(KERNEL + "."):
                    found.append(origin)
    return tuple(found)


def build_kit(spec: AssignmentSpec) -> Kit:
    """The kit of ``spec``: module sources (kit name -> source), in an order that imports."""
    found = reach(spec, public=True)
    reader = found.reader
    whole = kernel_modules(_kernel_imports(reader.get(m) for m in found.reached))
    renames = {m: f"{KIT_PACKAGE}.{reader.kit_name(m)}" for m in found.reached}
    renames.update({m: f"{KIT_PACKAGE}.{m.removeprefix('autograder.')}" for m in whole})
    sources = {}
    for name in whole:
        text = Path(importlib.import_module(name).__file__).read_text(encoding="utf-8")
        sources[name.removeprefix("autograder.")] = _rename_imports(text, renames)
    for name in sorted(found.reached, key=lambda m: (m == reader.checks_module, m == RUNNER, m)):
        module = reader.get(name)
        sources[module.kit_name] = _shaken_source(module, found, reader, renames)
    checks = spec.hidden_checks_module()
    every = checks_of(checks)
    public_ids, hidden = {}, {}
    for question in spec.questions:
        mine = [s for s in every if s.question == question]
        if mine:
            public_ids[question] = [s.id for s in mine if s.public]
            hidden[question] = sum(not s.public for s in mine)
    # one package name per kit: two kits in one process (two labs, the kit's tests) never mix
    digest = hashlib.sha1(json.dumps(sources, sort_keys=True).encode("utf-8")).hexdigest()[:10]
    package = f"{KIT_PACKAGE}_{digest}"
    sources = {name: source.replace(KIT_PACKAGE + ".", package + ".") for name, source in sources.items()}
    return Kit(sources, CHECKS_KIT_NAME, public_ids, hidden, found.keys, package)


def _rename_imports(text: str, renames: dict[str, str]) -> str:
    for real in sorted(renames, key=len, reverse=True):
        kit = renames[real]
        text = re.sub(rf"^(\s*)from {re.escape(real)} import ", rf"\1from {kit} import ", text, flags=re.M)
        text = re.sub(rf"^(\s*)import {re.escape(real)}(\s|$)", rf"\1import {kit}\2", text, flags=re.M)
    # ``from autograder.kernel import fingerprint, recorder``
    text = re.sub(rf"^(\s*)from {re.escape(KERNEL)} import ", rf"\1from {KIT_PACKAGE}.kernel import ", text, flags=re.M)
    return text


def _segment(module: _Module, stmt) -> str:
    lines = module.source.splitlines()
    first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
    return "\n".join(lines[first - 1: stmt.end_lineno])


def _shaken_source(module: _Module, found: Reach, reader: _Reader, renames: dict[str, str]) -> str:
    names = found.reached.get(module.name, set())
    kept, used = [], set()
    for stmt in module.tree.body:
        if stmt in module.always or any(t in names for t in _targets(stmt)):
            kept.append(stmt)
            if not _is_table(module, stmt, _value_of(module, stmt)):
                used |= _names_in(stmt)
    origin = module.name if not module.kit_name.startswith("assignment") else \
        f"the assignment's {Path(module.runtime.__file__).name}"
    parts = [f'"""{module.kit_name}: generated by the release out of {origin} '
             f'(only what the public checks use); do not edit."""']
    for stmt in module.tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            parts.append(ast.unparse(stmt))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            parts += _kept_imports(stmt, module, used, reader, renames)
        elif stmt in kept:
            parts.append(_statement_text(module, stmt, found))
    return _rename_imports("\n\n".join(parts) + "\n", renames)


def _value_of(module: _Module, stmt):
    targets = _targets(stmt)
    return getattr(module.runtime, targets[0], None) if len(targets) == 1 else None


def _statement_text(module: _Module, stmt, found: Reach) -> str:
    targets = _targets(stmt)
    if len(targets) == 1 and (module.name, targets[0]) in found.tables:
        table = found.tables[(module.name, targets[0])]
        body = "".join(f"    {k!r}: {v!r},\n" for k, v in sorted(table.items()))
        return f"{targets[0]} = {{\n{body}}}"
    value = _value_of(module, stmt)
    if _is_catalog(stmt, value):
        entries = []
        for key, item in zip(stmt.value.keys, stmt.value.values):
            if isinstance(key, ast.Constant) and key.value in found.keys:
                entries.append(f"    {ast.get_source_segment(module.source, key)}: "
                               f"{ast.get_source_segment(module.source, item)},\n")
        head = ast.get_source_segment(module.source, stmt).split("=", 1)[0].rstrip()
        return f"{head} = {{\n{''.join(entries)}}}"
    return _segment(module, stmt)


def _kept_imports(stmt, module: _Module, used: set[str], reader: _Reader, renames: dict[str, str]) -> list[str]:
    if isinstance(stmt, ast.Import):
        aliases = [a for a in stmt.names if (a.asname or a.name.split(".")[0]) in used]
        return [ast.unparse(ast.Import(names=aliases))] if aliases else []
    origin = _resolve_from(module.name, stmt, module.package)
    aliases = [a for a in stmt.names if (a.asname or a.name) in used]
    if not aliases:
        return []
    if not reader.shakeable(origin) and not origin.startswith("autograder."):
        return [ast.unparse(ast.ImportFrom(module=origin, names=aliases, level=0))]
    by_module: dict[str, list[ast.alias]] = {}
    for alias in aliases:     # through re-exports, from the module that defines the name
        target = reader.definition(origin, alias.name)
        where = target[0] if target else origin
        name = target[1] if target else alias.name
        by_module.setdefault(where, []).append(ast.alias(name=name, asname=alias.asname or (
            alias.name if name != alias.name else None)))
    return [ast.unparse(ast.ImportFrom(module=renames.get(where, where), names=names, level=0))
            for where, names in by_module.items()]


def kit_texts(spec: AssignmentSpec) -> dict[str, dict[str, str]]:
    """The shipped messages of ``spec`` (key -> {"fr", "en"}), for tests and docs."""
    return {key: dict(lookup(key)) for key in build_kit(spec).keys}


__all__ = ["Kit", "Reach", "build_kit", "reach", "kit_texts", "KIT_PACKAGE", "CATALOG"]

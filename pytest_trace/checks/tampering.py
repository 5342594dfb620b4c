"""Tampering is never a fix: what a candidate may not introduce (pure: syntax trees only).

A candidate can make failing tests pass without computing the right values: by reaching
into its caller's frame and rebinding the test's helpers
(``sys._getframe(1).f_globals["check"] = ...``), by rewriting other modules, builtins or
``sys.modules``, by swapping code objects, or by returning an object of a class it
defines itself whose ``__eq__`` says yes to everything. :func:`check_update` finds these
constructs in a function's new source and rejects those the original source did not
already use, so a legitimate fix (``inspect.signature``, ``getattr(obj, name)``, classes
defined at module level) is never refused, and code that needed introspection before may
keep it. The rule is syntactic and deliberately general: it names no test, no helper and
no benchmark.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

from pytest_trace.model import Parameter

#: Attributes that only frames, tracebacks, generators and functions have: reading any of
#: them reaches the interpreter's state (whatever the object is called).
_FRAME_ATTRIBUTES = frozenset(
    {
        "_getframe",
        "_current_frames",
        "f_globals",
        "f_locals",
        "f_back",
        "f_builtins",
        "f_code",
        "f_trace",
        "tb_frame",
        "gi_frame",
        "cr_frame",
        "ag_frame",
        "__globals__",
        "__builtins__",
    }
)

#: Functions of modules that inspect or change the interpreter's state.
_MODULE_FUNCTIONS = {
    "sys": frozenset(
        {"_getframe", "_current_frames", "modules", "settrace", "setprofile", "meta_path"}
    ),
    "inspect": frozenset(
        {"currentframe", "stack", "trace", "getouterframes", "getinnerframes", "getframeinfo"}
    ),
    "gc": frozenset({"get_referrers", "get_referents", "get_objects"}),
    "importlib": frozenset({"import_module", "reload"}),
    "types": frozenset({"new_class"}),
}

#: Modules whose every use reaches into the interpreter.
_WHOLE_MODULES = frozenset({"builtins", "ctypes", "__builtin__"})

#: Builtins that run or import code chosen at run time (they could hide anything above).
_DYNAMIC_BUILTINS = frozenset({"eval", "exec", "compile", "__import__"})

#: Attributes whose assignment changes what an object is or what a function runs.
_REBINDING_ATTRIBUTES = frozenset(
    {"__class__", "__code__", "__defaults__", "__kwdefaults__", "__dict__", "__bases__"}
)

#: Marks a name bound by a module-level ``from ... import`` (a module or anything else).
_FROM = "from:"

#: Methods that write into a mapping (``globals().update(...)``).
_WRITING_METHODS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})

#: Words without which none of the constructs can be written (module names aside).
_TRIGGERS = frozenset(
    _FRAME_ATTRIBUTES
    | _DYNAMIC_BUILTINS
    | _REBINDING_ATTRIBUTES
    | _WHOLE_MODULES
    | {"__builtins__", "class", "type", "setattr", "delattr", "vars", "globals", "import"}
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

_EXPLANATION = (
    "a fix must compute the right values itself: it may not inspect or rewrite its "
    "callers' frames, other modules, builtins or code objects, nor return objects of a "
    "class it defines to fool comparisons"
)


def check_update(parameter: Parameter, value: str) -> str:
    """Why the new source ``value`` of ``parameter`` is tampering; "" when it is not.

    Only constructs that ``parameter.source`` did not use count.
    """
    if parameter.kind == "constant":
        return ""
    try:
        new = findings(value, parameter.module_text)
        old = findings(parameter.source, parameter.module_text) if new else {}
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return (
            f"the new code of {parameter.name} could not be analyzed (too deeply nested?); "
            "write it plainly"
        )
    introduced = [description for key, description in new.items() if key not in old]
    if not introduced:
        return ""
    return (
        f"the new code of {parameter.name} uses {_join(introduced)}, which the original "
        f"did not: {_EXPLANATION}"
    )


def findings(source: str, module_text: str = "") -> dict[str, str]:
    """The tampering constructs of ``source`` (a function's code), keyed by what they are,
    each with a description for the model. ``module_text`` is the text of the function's
    module: its imports tell which names are modules."""
    modules = _module_names(module_text)
    words = set(_WORD.findall(source))
    if words.isdisjoint(_TRIGGERS) and words.isdisjoint(modules):
        return {}  # none of the constructs can be there: no need to parse (the search's
        # candidates are many)
    tree = ast.parse(source)
    names = modules | _imports(node for node in ast.walk(tree) if isinstance(node, ast.stmt))
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        for key, description in _node_findings(node, names):
            found.setdefault(key, description)
    return found


def _node_findings(node: ast.AST, modules: dict[str, str]) -> Iterator[tuple[str, str]]:
    if isinstance(node, ast.Attribute):
        if node.attr in _FRAME_ATTRIBUTES:
            yield f"attribute {node.attr}", f"`.{node.attr}` (interpreter internals)"
        base = _qualified(node.value, modules)
        if base is not None:
            yield from _module_use(f"{base}.{node.attr}")
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            yield from _attribute_write(node, modules)
    elif isinstance(node, ast.Name):
        if node.id in _DYNAMIC_BUILTINS:
            yield f"builtin {node.id}", f"`{node.id}` (code chosen at run time)"
        elif node.id == "__builtins__":
            yield "builtins", "`__builtins__` (the builtins of every module)"
        elif node.id in modules:
            yield from _module_use(modules[node.id].removeprefix(_FROM))
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        if node.value in _FRAME_ATTRIBUTES:
            yield f"attribute {node.value}", f"the name {node.value!r} (interpreter internals)"
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            module = node.module if isinstance(node, ast.ImportFrom) else alias.name
            full = f"{module}.{alias.name}" if isinstance(node, ast.ImportFrom) else alias.name
            yield from _module_use(full or "")
            if module and module.split(".")[0] in _WHOLE_MODULES:
                yield f"module {module}", f"the module `{module}`"
    elif isinstance(node, ast.ClassDef):
        yield "class", f"a class of its own (`class {node.name}`)"
    elif isinstance(node, ast.Call):
        yield from _call_findings(node, modules)


def _call_findings(node: ast.Call, modules: dict[str, str]) -> Iterator[tuple[str, str]]:
    function = node.func
    if isinstance(function, ast.Name) and function.id == "type" and len(node.args) == 3:
        yield "class", "a class of its own (`type(name, bases, namespace)`)"
    if isinstance(function, ast.Name) and function.id in ("setattr", "delattr") and node.args:
        target = node.args[0]
        if _is_module(target, modules):
            yield "module write", f"`{function.id}` on a module"
        if (
            len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value in _REBINDING_ATTRIBUTES
        ):
            yield (
                f"rebinding {node.args[1].value}",
                f"`{function.id}(..., {node.args[1].value!r}, ...)`",
            )
    vars_call = isinstance(function, ast.Name) and function.id == "vars" and node.args
    if vars_call and _is_module(node.args[0], modules):
        yield "module write", "`vars()` of a module"
    if (
        isinstance(function, ast.Attribute)
        and function.attr in _WRITING_METHODS
        and _is_globals(function.value)
    ):
        yield "globals write", "a write to `globals()`"


def _attribute_write(node: ast.Attribute, modules: dict[str, str]) -> Iterator[tuple[str, str]]:
    if node.attr in _REBINDING_ATTRIBUTES:
        yield f"rebinding {node.attr}", f"an assignment to `.{node.attr}`"
    if _is_module(node.value, modules):
        yield "module write", "an assignment to an attribute of a module"


def _module_use(qualified: str) -> Iterator[tuple[str, str]]:
    """A use of ``module.attribute`` (or of a module) that reaches the interpreter."""
    module, _, attribute = qualified.partition(".")
    if module in _WHOLE_MODULES:
        yield f"module {module}", f"the module `{module}`"
    elif attribute.split(".")[0] in _MODULE_FUNCTIONS.get(module, ()):
        name = f"{module}.{attribute.split('.')[0]}"
        yield name, f"`{name}`"


def _is_module(node: ast.expr, modules: dict[str, str]) -> bool:
    """Whether ``node`` is a module: a name bound by ``import`` (``from`` imports bind
    names of anything, and count only when the new code makes them), ``sys.modules[...]``,
    ``importlib.import_module(...)``."""
    if isinstance(node, ast.Name):
        return node.id in modules and not modules[node.id].startswith(_FROM)
    if isinstance(node, ast.Subscript):
        return _qualified(node.value, modules) == "sys.modules"
    if isinstance(node, ast.Call):
        return _qualified(node.func, modules) in ("importlib.import_module", "builtins.__import__")
    return False


def _is_globals(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("globals", "vars")
        and not node.args
    )


def _qualified(node: ast.expr, modules: dict[str, str]) -> str | None:
    """``a.b.c`` with ``a`` resolved through the imports, when ``a`` is a module."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in modules:
        return None
    return ".".join([modules[node.id].removeprefix(_FROM), *reversed(parts)])


def _module_names(module_text: str) -> dict[str, str]:
    """Names bound to modules by the top-level imports of a module's text."""
    if not module_text:
        return {}
    try:  # the import statements alone: cheap for every candidate of a search
        tree = ast.parse(_import_lines(module_text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        try:
            tree = ast.parse(module_text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return {}
    return _imports(tree.body, module_level=True)


def _import_lines(module_text: str) -> str:
    """The top-level ``import`` and ``from`` statements of a module's text (with the
    lines of a parenthesized list of names)."""
    kept: list[str] = []
    open_list = False
    for line in module_text.splitlines():
        if open_list:
            kept.append(line)
            open_list = ")" not in line
        elif line.startswith(("import ", "from ")):
            kept.append(line)
            open_list = "(" in line and ")" not in line
    return "\n".join(kept)


def _imports(statements: Iterable[ast.stmt], *, module_level: bool = False) -> dict[str, str]:
    """Names bound by imports: ``import a.b as c`` binds ``c`` to ``a.b``; ``from a import
    b`` binds ``b`` to ``a.b``, marked as a ``from`` import at module level."""
    names: dict[str, str] = {}
    for node in statements:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    names[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                # ``from sys import _getframe``: the name stands for sys._getframe
                mark = _FROM if module_level else ""
                names[alias.asname or alias.name] = f"{mark}{node.module}.{alias.name}"
    return names


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

"""Swap the code of functions in a running process for the code of a candidate.

A worker process that has imported the user's modules forks a child per candidate; the
child calls :func:`apply_candidate` with the patched text of a file (what
``edits.replace_function`` produced) and then runs the tests. The function objects stay
the same and only their ``__code__`` changes, so every reference to them sees the new
code: ``from m import f`` elsewhere, bound methods, staticmethod/classmethod/property
objects, decorators holding them, recursion through the global name. Defaults, keyword
defaults, annotations and ``__dict__`` (the ``@trainable`` marker) stay as they are; the
optimizer cannot change them (``edits`` keeps the signature).

The new code comes from compiling the whole patched file under its real filename, so
line numbers and columns in tracebacks are those of the patched file, private names are
mangled by their class and methods get the ``__class__`` cell exactly when they use
``super()`` or ``__class__`` (``swap_compile``). :func:`update_linecache` makes
``linecache`` (tracebacks, pytest's reports, ``inspect.getsource``) show the patched
text.

Everything is checked before anything changes: when a swap is impossible,
:class:`SwapError` says why, nothing has been applied, and the caller evaluates the
candidate in a fresh process instead.

Not covered by a swap (a fresh process would differ): values the module computed at
import time by calling a changed function; closures and lambdas created at import time
keep the line numbers of the old file (functions and methods of the module are
renumbered by :func:`apply_candidate`); pytest's assertion rewriting (a module pytest
rewrote is refused); docstrings copied onto ``functools.wraps`` wrappers.
"""

from __future__ import annotations

import inspect
import io
import linecache
import sys
import types
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence

from pytest_trace.runner.swap_compile import BOM, Index, compile_codes
from pytest_trace.runner.swap_compile import SwapError as SwapError  # raised here too

_REWRITTEN = "@pytest_ar"  # a global of every module whose asserts pytest rewrote

_Plan = list[tuple[str, types.FunctionType, types.CodeType]]


def compile_functions(
    file_text: str,
    filename: str,
    qualnames: Iterable[str],
    *,
    freevars: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, types.CodeType]:
    """Compile the patched ``file_text``; return the code of each function in ``qualnames``.

    Qualnames are those of module-level functions and methods (``f``, ``Cart.total``,
    ``Outer.Inner.f``), also when defined inside ``if``/``try``/... blocks. A name defined
    several times (a property's getter and setter, ``@overload``) is resolved the way
    ``edits.locate_function`` resolves it, the definition marked ``@trainable``, because
    that is the definition the edit replaced and the function the caller found (the last
    definition, which the module binds, is the setter of a trainable property's getter).

    ``freevars`` gives, for some qualnames, the closure variables of the function the code
    will replace. A method that used ``super()`` or ``__class__`` has the ``__class__``
    cell, which its new code must use too: when the new code lacks some of these names,
    the function is compiled again with an unreachable reference to them (``if False:
    (__class__,)``, which emits no bytecode), so that the compiler gives it the same
    closure. Raises :class:`SwapError` if the file does not compile or a function cannot
    be found.
    """
    codes, _ = compile_codes(file_text, filename, qualnames, freevars or {})
    return codes


def swap(functions: Mapping[str, types.FunctionType], codes: Mapping[str, types.CodeType]) -> None:
    """Give each function of ``functions`` (by qualname) the code ``codes`` has for it.

    Checks all of them first: the new code must have the same name, the same parameters
    (defaults are kept, and they map by position and name) and the same closure
    variables in the same order (cells map by index). Then assigns ``__code__`` (and
    ``__doc__``, when it was the old code's docstring). Raises :class:`SwapError`, with
    nothing changed, when one of them cannot be swapped.
    """
    plan: _Plan = []
    for qualname, function in functions.items():
        code = codes.get(qualname)
        if code is None:
            raise SwapError(f"there is no new code for {qualname}")
        plan.append((qualname, function, code))
    _check_all(plan)
    _apply(plan)


def innermost(func: types.FunctionType, filename: str | None = None) -> types.FunctionType:
    """The function at the end of ``func``'s chain of ``__wrapped__`` functions.

    ``functools.wraps`` decorators leave the decorated function as ``__wrapped__``; its
    code is the one to swap (the wrapper's code is the decorator's). The chain is followed
    while ``__wrapped__`` is a Python function. With ``filename``, the innermost function
    of the chain whose code comes from that file (``func`` itself if none does).
    """
    chain = [func]
    seen = {id(func)}
    while True:
        inner = getattr(chain[-1], "__wrapped__", None)
        if not isinstance(inner, types.FunctionType) or id(inner) in seen:
            break
        chain.append(inner)
        seen.add(id(inner))
    if filename is None:
        return chain[-1]
    return next((f for f in reversed(chain) if f.__code__.co_filename == filename), func)


def update_linecache(filename: str, file_text: str) -> None:
    """Make ``linecache`` hold ``file_text`` as the text of ``filename`` in this process.

    Tracebacks, pytest's reports and ``inspect.getsource`` read source lines through
    ``linecache``. The entry has no modification time, which ``linecache.checkcache``
    takes for source that did not come from a file on disk: it keeps the entry instead
    of comparing it with the file (which still has the old text). Lines are split like
    Python reads a source file (``\\r\\n``, ``\\r`` and ``\\n``, a leading BOM dropped).
    """
    text = file_text[1:] if file_text.startswith(BOM) else file_text
    lines = io.StringIO(text, newline=None).readlines()  # universal newlines, as from a file
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"  # as linecache does
    linecache.cache[filename] = (len(file_text), None, lines, filename)


def apply_candidate(
    module_functions: Mapping[str, types.FunctionType], filename: str, file_text: str
) -> None:
    """Make this process run ``file_text`` as the code of ``filename``'s functions.

    ``module_functions`` maps the qualnames of the changed functions of the file to the
    functions found at run time (a ``functools.wraps`` wrapper is followed to the
    function of this file it wraps, :func:`innermost`). ``filename`` must be their
    ``__code__.co_filename``. Compiles the file, swaps the changed functions (a method
    that stopped using ``super()`` keeps its ``__class__`` cell, see
    :func:`compile_functions`), gives the other functions and methods of the module whose
    lines moved the same code with the new line numbers, and updates ``linecache``.

    All or nothing: raises :class:`SwapError`, with nothing changed, when the candidate
    cannot be swapped in. Code objects change, so compute anything keyed by code object
    (the recorder's ``codes``) after this call.
    """
    targets: dict[str, types.FunctionType] = {}
    for qualname, function in module_functions.items():
        target = innermost(function, filename)
        if target.__code__.co_filename != filename:
            raise SwapError(
                f"{qualname} is defined in {target.__code__.co_filename}, not in {filename}"
            )
        if _REWRITTEN in target.__globals__:
            raise SwapError(
                f"{qualname} is in a module whose assertions pytest rewrites "
                f"({target.__module__}); a swap would lose the rewriting"
            )
        targets[qualname] = target
    freevars = {q: f.__code__.co_freevars for q, f in targets.items() if f.__code__.co_freevars}
    codes, index = compile_codes(file_text, filename, targets, freevars)
    plan: _Plan = [(q, f, codes[q]) for q, f in targets.items()]
    _check_all(plan)
    plan.extend(_moved(targets.values(), filename, index))
    _apply(plan)
    update_linecache(filename, file_text)


# --- swapping -------------------------------------------------------------------------


def _check_all(plan: _Plan) -> None:
    for qualname, function, code in plan:
        _check(qualname, function.__code__, code)


def _check(qualname: str, old: types.CodeType, new: types.CodeType) -> None:
    if new.co_name != old.co_name:
        raise SwapError(
            f"cannot swap {qualname}: the new code is that of {new.co_name}, the function's "
            f"that of {old.co_name} (a functools.wraps wrapper? see innermost())"
        )
    if _parameters(new) != _parameters(old):
        raise SwapError(
            f"the new code for {qualname} takes ({', '.join(_parameters(new)[0])}), "
            f"but {qualname} takes ({', '.join(_parameters(old)[0])})"
        )
    if new.co_freevars == old.co_freevars:
        return
    extra = [name for name in new.co_freevars if name not in old.co_freevars]
    if extra:
        raise SwapError(
            f"{qualname} would need closure variables ({', '.join(extra)}) it does not have; "
            "a function gets its closure when it is defined (a method that starts using "
            "super() or __class__ needs the __class__ cell)"
        )
    raise SwapError(
        f"{qualname} has the closure variables ({', '.join(old.co_freevars)}) "
        f"but its new code uses ({', '.join(new.co_freevars)})"
    )


def _parameters(code: types.CodeType) -> tuple[tuple[str, ...], tuple[int, int, int, int]]:
    flags = code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
    count = code.co_argcount + code.co_kwonlyargcount
    count += bool(flags & inspect.CO_VARARGS) + bool(flags & inspect.CO_VARKEYWORDS)
    shape = (code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount, flags)
    return code.co_varnames[:count], shape


def _apply(plan: _Plan) -> None:
    done: list[tuple[types.FunctionType, types.CodeType, str | None]] = []
    try:
        for qualname, function, code in plan:
            old, doc = function.__code__, function.__doc__
            try:
                function.__code__ = code
            except Exception as error:  # checked before; an audit hook could still refuse
                raise SwapError(f"cannot swap {qualname}: {error}") from error
            done.append((function, old, doc))
            if doc == _docstring(old):  # not set by hand: follow the new docstring
                function.__doc__ = _docstring(code)
    except BaseException:
        for function, old, doc in reversed(done):
            function.__code__ = old
            function.__doc__ = doc
        raise


def _docstring(code: types.CodeType) -> str | None:
    """The ``__doc__`` a function defined with ``code`` gets."""
    closure = tuple(types.CellType() for _ in code.co_freevars)
    doc = types.FunctionType(code, {}, None, None, closure).__doc__
    return doc if isinstance(doc, str) else None


# --- renumbering the functions that moved ---------------------------------------------


def _moved(
    changed: Collection[types.FunctionType], filename: str, index: Index
) -> Iterator[tuple[str, types.FunctionType, types.CodeType]]:
    """The other functions of the changed functions' modules whose lines moved.

    Their new code is used only when it is the old code apart from line numbers (their
    text did not change), so they behave exactly as before.
    """
    seen = {id(function) for function in changed}
    for name in dict.fromkeys(function.__module__ for function in changed):
        module = sys.modules.get(name)
        if module is None:
            continue
        for function in _functions(module):
            if id(function) in seen:
                continue
            seen.add(id(function))
            old = function.__code__
            if old.co_filename != filename:
                continue
            candidates = index.get(function.__qualname__, [])
            if any(c.co_firstlineno == old.co_firstlineno for c in candidates):
                continue  # it did not move (or a definition of that name did not)
            same = [c for c in candidates if _same_code(old, c)]
            if len(same) == 1:
                yield function.__qualname__, function, same[0]


def _functions(module: types.ModuleType) -> Iterator[types.FunctionType]:
    """The functions and methods in a module's namespace and in the classes it defines."""
    seen: set[int] = set()

    def walk(namespace: Mapping[str, object]) -> Iterator[types.FunctionType]:
        for obj in list(namespace.values()):
            if isinstance(obj, type):
                if getattr(obj, "__module__", None) == module.__name__ and id(obj) not in seen:
                    seen.add(id(obj))
                    yield from walk(vars(obj))
                continue
            if isinstance(obj, (staticmethod, classmethod)):
                obj = obj.__func__
            objects = (obj.fget, obj.fset, obj.fdel) if isinstance(obj, property) else (obj,)
            for item in objects:
                while isinstance(item, types.FunctionType) and id(item) not in seen:
                    seen.add(id(item))
                    yield item
                    item = getattr(item, "__wrapped__", None)

    yield from walk(vars(module))


def _same_code(a: types.CodeType, b: types.CodeType) -> bool:
    """Whether two code objects differ at most in line numbers and columns."""
    if (
        a.co_code != b.co_code
        or a.co_names != b.co_names
        or a.co_varnames != b.co_varnames
        or a.co_freevars != b.co_freevars
        or a.co_cellvars != b.co_cellvars
        or a.co_name != b.co_name
        or a.co_flags != b.co_flags
        or _parameters(a) != _parameters(b)
        or a.co_stacksize != b.co_stacksize
        or getattr(a, "co_exceptiontable", None) != getattr(b, "co_exceptiontable", None)
        or len(a.co_consts) != len(b.co_consts)
    ):
        return False
    for x, y in zip(a.co_consts, b.co_consts, strict=True):
        if isinstance(x, types.CodeType):
            if not (isinstance(y, types.CodeType) and _same_code(x, y)):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True

"""The forked child's side of the checks (``checks.child``), run here in-process on
trusted code: recording arguments, methods and their receivers, candidates swapped in
and out."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import types
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytest_trace.checks import Concern
from pytest_trace.checks.answer import from_answer
from pytest_trace.checks.calls import Call
from pytest_trace.checks.child import (
    Capture,
    ProbeJob,
    Variants,
    arguments,
    run_probe,
)
from pytest_trace.runner.swap import compile_functions

STACK = '''\
class Stack:
    def __init__(self, items):
        self.items = list(items)

    def below_top(self, depth=1):
        """The item ``depth`` places below the top.

        >>> Stack([1, 2, 3]).below_top()
        2
        """
        if depth >= len(self.items):
            return None
        return self.items[-1 - depth]


def total(*numbers, scale=1, **named):
    return (sum(numbers) + sum(named.values())) * scale
'''


@pytest.fixture
def module(tmp_path: Path) -> Iterator[types.ModuleType]:
    name = f"stack_{uuid.uuid4().hex}"
    path = tmp_path / f"{name}.py"
    path.write_text(STACK)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded
    spec.loader.exec_module(loaded)
    yield loaded
    del sys.modules[name]


def test_arguments_are_rebuilt_positionally_and_by_keyword(module):
    calls = []
    with Capture({module.total.__code__: "total"}) as capture:
        module.total(1, 2, scale=3, extra=4)
        calls = capture.calls["total"]

    assert calls == [Call((1, 2), {"scale": 3, "extra": 4})]
    code = module.Stack.below_top.__code__
    assert arguments(code, {"self": "s", "depth": 2}) == Call(("s", 2), {})


def test_recorded_arguments_are_copies_distinct_and_bounded(module):
    stack = module.Stack([1, 2, 3])
    codes = {module.total.__code__: "total", module.Stack.below_top.__code__: "below_top"}
    with Capture(codes) as capture:
        for _ in range(3):
            stack.below_top()
        for n in range(100):
            module.total(n)
    stack.items.append(4)  # later changes do not reach the recording

    [(receiver, depth)] = [call.args for call in capture.calls["below_top"]]
    assert receiver is not stack and receiver.items == [1, 2, 3] and depth == 1
    assert len(capture.calls["total"]) == 24
    assert capture.calls["total"][0] == Call((0,), {"scale": 1})


def candidate(module: types.ModuleType, old: str, new: str) -> dict[str, object]:
    path = str(Path(str(module.__file__)).resolve())
    text = STACK.replace(old, new)
    assert text != STACK
    return {"files": {path: text}, "changes": {module.__name__: ["Stack.below_top"]}}


def probe(module, candidates, tests=lambda m: m.Stack([1, 2, 3]).below_top(1)):
    name = f"{module.__name__}.Stack.below_top"
    job = ProbeJob(output="", functions=[name], candidates=candidates, seconds=5.0)
    targets = {name: module.Stack.below_top}
    original = module.Stack.below_top.__code__
    answer = run_probe(job, targets, lambda: tests(module), [])
    assert module.Stack.below_top.__code__ is original  # the original is back
    return from_answer(answer)


def test_a_method_is_checked_on_copies_of_its_recorded_receiver(module):
    unguarded = candidate(
        module, "        if depth >= len(self.items):\n            return None\n", ""
    )
    right = candidate(module, "return None", "return None  # the same")

    (first, second), disagreements, notes = probe(module, [right, unguarded])

    assert first == [] and notes == []
    [crash] = second
    assert crash.check == "new-crash"
    assert crash.reason.startswith("raises IndexError on an input the original handled: ")
    assert ".below_top(" in crash.reason  # receiver.method(...)
    assert disagreements == []


def test_a_docstring_example_broken_by_a_method(module):
    off = candidate(module, "self.items[-1 - depth]", "self.items[-depth]")

    [concerns], _, _ = probe(module, [off])

    assert (
        Concern("doctest", "breaks its docstring example: >>> Stack([1, 2, 3]).below_top()")
        in concerns
    )


def test_candidates_that_cannot_be_compiled_or_swapped_are_left_unchecked(module):
    broken = candidate(module, "return None", "return (")
    other = candidate(
        module, "def below_top(self, depth=1):", "def below_top(self, depth=1, more=0):"
    )

    concerns, _, notes = probe(module, [broken, other])

    assert concerns == [[], []]
    assert [note.split(":")[0] for note in notes] == [
        "candidate 1 not checked",
        "candidate 2 not checked",
    ]


def test_nothing_recorded_nothing_generated(module):
    unguarded = candidate(
        module, "        if depth >= len(self.items):\n            return None\n", ""
    )

    [concerns], _, notes = probe(module, [unguarded], tests=lambda m: None)

    assert concerns == []
    assert notes == ["no call of the changed functions was recorded"]


COUNTS = """\
import functools


@functools.cache
def steps(n):
    return 0 if n <= 0 else 1 + steps(n - 1)
"""


def test_a_memoizing_wrapper_does_not_answer_for_another_alternative(tmp_path):
    path = tmp_path / "counts_module.py"
    path.write_text(COUNTS)
    spec = importlib.util.spec_from_file_location("counts_module", path)
    assert spec is not None and spec.loader is not None
    counts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(counts)
    inner = counts.steps.__wrapped__
    text = COUNTS.replace("1 + steps", "2 + steps")
    [doubled] = compile_functions(text, inner.__code__.co_filename, ["steps"]).values()
    variants = Variants({"steps": inner})
    second = variants.add({"steps": doubled})

    original, candidate = variants.caller("steps", 0), variants.caller("steps", second)

    assert [original(3), candidate(3), original(3)] == [3, 6, 3]  # not 3, 4, 3
    variants.use(0)


def test_the_controller_reads_the_answer_without_importing_hypothesis():
    # Hypothesis and the generated-input machinery are the child's: the controller
    # imports only the light side (checks.probe, checks.answer).
    code = (
        "import sys\n"
        "import pytest_trace.checks.probe, pytest_trace.checks.answer\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'hypothesis'"
        " or m in ('pytest_trace.checks.nearby', 'pytest_trace.checks.child')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)

    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr

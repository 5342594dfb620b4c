"""Finding the user's tests in a worker process: what the command line names, the keys
of parametrized tests, and which collected test each wanted one is."""

from __future__ import annotations

import subprocess
import sys

from pytest_trace.runner.selection import (
    command_line,
    function_of,
    missing_feedback,
    params_key,
    resolve,
)

ODD = [
    "tests/test_date.py::test_parse[6-+0019-expected17-%C]",
    "tests/test_date.py::test_parse[4-19-expected3-%C]",
    "tests/test_x.py::TestA::test_b[[x]-a::b/c]",
    "tests/test_x.py::test_plain",
]


def test_the_command_line_names_test_functions_never_parametrization_ids():
    assert command_line(ODD) == [
        "tests/test_date.py::test_parse",
        "tests/test_x.py::TestA::test_b",
        "tests/test_x.py::test_plain",
    ]
    assert function_of(ODD[2]) == "tests/test_x.py::TestA::test_b"


def test_too_many_functions_are_named_by_their_files():
    nodeids = [f"tests/test_{i % 3}.py::test_{i}[a]" for i in range(10)]
    assert command_line(nodeids, limit=5) == [
        "tests/test_0.py",
        "tests/test_1.py",
        "tests/test_2.py",
    ]


def test_a_key_does_not_depend_on_the_order_of_a_set():
    # The order a set iterates in depends on the hashes of a process; build the
    # same set in another process with another hash seed.
    code = "print(list({'alpha', 'beta', 'gamma', 'delta', 'epsilon'}))"
    orders = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(8)
    }
    assert len(orders) > 1  # the premise: the order differs between processes
    words = {"alpha", "beta", "gamma", "delta", "epsilon"}
    reordered = set(sorted(words, reverse=True))
    assert params_key({"words": words}) == params_key({"words": reordered})
    assert params_key({"words": words}) != params_key({"words": words - {"beta"}})


def test_a_key_leaves_out_the_project_root_and_refuses_unstable_reprs():
    here = params_key({"path": "/home/u/project/data/a.txt"}, ["/home/u/project/"])
    there = params_key({"path": "/tmp/wt-123/project/data/a.txt"}, ["/tmp/wt-123/project"])
    assert here == there is not None

    class Opaque:
        pass

    class Broken:
        def __repr__(self) -> str:
            raise ValueError("no repr")

    assert params_key({"x": Opaque()}) is None  # the default repr shows an address
    assert params_key({"x": Broken()}) is None
    assert params_key({}) is None


def test_shifted_ids_are_matched_by_the_keys_of_their_parameters():
    # The user's run numbered the dates in one order, this process in the other.
    wanted = ["t.py::test_parse[+1-expected0]", "t.py::test_parse[%2-expected1]"]
    here = {"t.py::test_parse[+1-expected1]": "k1", "t.py::test_parse[%2-expected0]": "k2"}
    keys = {wanted[0]: "k1", wanted[1]: "k2"}
    assert resolve(wanted, list(here), keys, here.get) == {
        wanted[0]: "t.py::test_parse[+1-expected1]",
        wanted[1]: "t.py::test_parse[%2-expected0]",
    }


def test_ids_that_only_look_the_same_are_matched_by_key_not_by_id():
    # test[obj0] of the user's run is test[obj1] here, and the other way round.
    wanted = ["t.py::test[obj0]", "t.py::test[obj1]"]
    here = {"t.py::test[obj0]": "B", "t.py::test[obj1]": "A"}
    found = resolve(wanted, list(here), {wanted[0]: "A", wanted[1]: "B"}, here.get)
    assert found == {wanted[0]: "t.py::test[obj1]", wanted[1]: "t.py::test[obj0]"}


def test_without_a_unique_key_the_same_id_is_taken_and_never_twice():
    wanted = ["t.py::test[a0]", "t.py::test[a1]", "t.py::test[gone]", "t.py::plain"]
    here = {"t.py::test[a0]": "same", "t.py::test[a1]": "same", "t.py::plain": None}
    keys = {"t.py::test[a0]": "same", "t.py::test[a1]": "same", "t.py::test[gone]": "x"}
    assert resolve(wanted, list(here), keys, here.get) == {
        "t.py::test[a0]": "t.py::test[a0]",
        "t.py::test[a1]": "t.py::test[a1]",
        "t.py::plain": "t.py::plain",
    }
    taken = resolve(
        ["t.py::test[b]", "t.py::test[a0]"],
        ["t.py::test[a0]"],
        {"t.py::test[b]": "k"},
        {"t.py::test[a0]": "k"}.get,
    )
    assert taken == {"t.py::test[b]": "t.py::test[a0]"}


def test_a_test_that_cannot_be_selected_says_why():
    collected = ["t.py::test_parse[+1-expected3]", "t.py::other"]
    assert "its parametrization ids differ between processes" in missing_feedback(
        "t.py::test_parse[+1-expected0]", collected
    )
    assert missing_feedback("t.py::gone", collected) == "t.py::gone: test not found"

"""Bounded renderings of runtime values (pytest_trace.trace.values)."""

from __future__ import annotations

import collections
import dataclasses
from typing import NamedTuple

import pytest

from pytest_trace.model import Value
from pytest_trace.trace.values import Renderer, ReprLimits, value_of

SMALL = ReprLimits(max_string=20, max_items=3, max_depth=2, max_total=80)


class Cart:
    def __init__(self) -> None:
        self.items = ["apple", "pear"]
        self.discount = 0.1


class Empty:
    pass


class BadRepr:
    def __repr__(self) -> str:
        raise ValueError("no repr for you")


class HugeRepr:
    def __repr__(self) -> str:
        return "x" * 1_000_000


class NotAStringRepr:
    def __repr__(self) -> str:
        return 42  # type: ignore[return-value]


class BrokenList(list[int]):
    def __len__(self) -> int:
        raise RuntimeError("len is broken")


@dataclasses.dataclass
class Order:
    id: int
    lines: list[int]
    secret: str = dataclasses.field(default="hidden", repr=False)


@dataclasses.dataclass
class OwnRepr:
    x: int

    def __repr__(self) -> str:
        return f"<own {self.x}>"


class Point(NamedTuple):
    x: int
    y: int


def test_scalars_keep_their_repr_and_type_name() -> None:
    assert value_of(42) == Value("int", "42")
    assert value_of(-2.5) == Value("float", "-2.5")
    assert value_of("hi") == Value("str", "'hi'")
    assert value_of(None) == Value("NoneType", "None")
    assert value_of(True) == Value("bool", "True")
    assert value_of(1 + 2j) == Value("complex", "(1+2j)")
    assert value_of(b"ab") == Value("bytes", "b'ab'")


def test_user_types_are_named_by_qualname() -> None:
    assert value_of(Cart()).type == "Cart"
    assert value_of(Point(1, 2)).type == "Point"
    assert value_of(ValueError("x")) == Value("ValueError", "ValueError('x')")


def test_small_containers_are_shown_in_full() -> None:
    assert value_of([1, "a", None]).repr == "[1, 'a', None]"
    assert value_of((1,)).repr == "(1,)"
    assert value_of((1, 2)).repr == "(1, 2)"
    assert value_of({"a": [1, 2]}).repr == "{'a': [1, 2]}"
    assert value_of({3}).repr == "{3}"
    assert value_of(frozenset({3})).repr == "frozenset({3})"
    assert value_of(collections.deque([1])).repr == "deque([1])"
    empties: list[object] = [[], (), {}, set(), frozenset()]
    assert [value_of(e).repr for e in empties] == ["[]", "()", "{}", "set()", "frozenset()"]


def test_long_string_keeps_head_and_tail_with_its_length() -> None:
    text = "H" + "m" * 998 + "T"
    shown = value_of(text, limits=SMALL).repr
    assert shown.startswith("'Hmmm")
    assert shown.endswith("mmT' [1000 chars]")
    assert "..." in shown
    assert len(shown) <= SMALL.max_total


def test_long_bytes_are_cut_like_strings() -> None:
    shown = value_of(b"z" * 500, limits=SMALL).repr
    assert shown.startswith("b'zz")
    assert shown.endswith("[500 bytes]")


def test_big_list_shows_first_items_and_count() -> None:
    assert value_of(list(range(50)), limits=SMALL).repr == "[0, 1, 2, ... (50 items)]"
    assert value_of(dict.fromkeys(range(5), 0), limits=SMALL).repr == (
        "{0: 0, 1: 0, 2: 0, ... (5 items)}"
    )


def test_deep_structures_stop_at_max_depth() -> None:
    assert value_of([[[[[1]]]]]).repr == "[[[[...]]]]"
    assert value_of({"a": {"b": {"c": 1}}}, limits=SMALL).repr == "{'a': {'b': {...}}}"
    assert value_of([[1]], limits=ReprLimits(max_depth=0)).repr == "[...]"


def test_self_referencing_list_terminates() -> None:
    loop: list[object] = [1]
    loop.append(loop)
    assert value_of(loop).repr == "[1, [1, [1, [...]]]]"


def test_total_length_is_bounded_with_a_marker() -> None:
    nested = [["s" * 300] * 10] * 10
    shown = value_of(nested).repr
    assert len(shown) <= 500
    assert shown.endswith("characters omitted …")


def test_huge_values_are_cheap() -> None:
    huge_string = "a" * 10_000_000
    huge_list = list(range(1_000_000))
    huge_int = 7**200_000  # far beyond the int-to-str digit limit
    values = [value_of(huge_string), value_of(huge_list), value_of(huge_int)]
    assert values[0].repr.endswith("[10000000 chars]")
    assert values[1].repr.endswith("... (1000000 items)]")
    assert values[2] == Value("int", "<int with about 169020 digits>")
    assert all(len(v.repr) <= 500 for v in values)


def test_only_the_shown_items_of_a_huge_container_are_rendered() -> None:
    rendered: list[int] = []

    class Item:
        def __init__(self, number: int) -> None:
            self.number = number

        def __repr__(self) -> str:
            rendered.append(self.number)
            return f"Item({self.number})"

    shown = value_of([Item(n) for n in range(100_000)]).repr
    assert shown.endswith("(100000 items)]")
    assert rendered == list(range(len(rendered)))  # the first few, in order
    assert 0 < len(rendered) <= 50


def test_repr_that_raises_gives_a_fallback() -> None:
    assert value_of(BadRepr()) == Value(
        "BadRepr", "<BadRepr object (repr failed: ValueError: no repr for you)>"
    )
    assert value_of([BadRepr()]).repr.startswith("[<BadRepr object (repr failed:")
    assert value_of(NotAStringRepr()).repr.startswith(
        "<NotAStringRepr object (repr failed: TypeError"
    )
    assert value_of(BrokenList([1])).repr == (
        "<BrokenList object (repr failed: RuntimeError: len is broken)>"
    )


def test_huge_custom_repr_is_cut() -> None:
    shown = value_of(HugeRepr()).repr
    assert len(shown) <= 500
    assert shown.startswith("xxx")
    assert shown.endswith(" characters omitted …")


def test_object_without_repr_is_shown_by_its_attributes() -> None:
    assert value_of(Cart()).repr == "<Cart object: items=['apple', 'pear'], discount=0.1>"
    assert value_of(Empty()).repr == "<Empty object>"
    assert "0x" not in value_of(Cart()).repr  # no address: traces stay comparable


def test_dataclass_repr_is_rebuilt_within_limits() -> None:
    shown = value_of(Order(7, list(range(100_000))), limits=SMALL).repr
    assert shown == "Order(id=7, lines=[0, 1, 2, ... (100000 items)])"
    assert value_of(OwnRepr(3)).repr == "<own 3>"  # a repr of its own is respected


def test_namedtuple_and_collections_mappings() -> None:
    assert value_of(Point(1, 2)).repr == "Point(x=1, y=2)"
    assert value_of(collections.OrderedDict(a=1)).repr == "OrderedDict({'a': 1})"
    counter = collections.Counter("aab")
    assert value_of(counter) == Value("Counter", "Counter({'a': 2, 'b': 1})")


def test_classes_and_functions() -> None:
    assert value_of(int).repr == "<class 'int'>"
    assert value_of(len).repr == "<built-in function len>"


def test_renderer_is_reusable_and_matches_value_of() -> None:
    renderer = Renderer(SMALL)
    for obj in (1, "x" * 100, list(range(10)), Cart()):
        assert renderer.value(obj) == value_of(obj, limits=SMALL)
    assert renderer.limits is SMALL


@pytest.mark.parametrize(
    "bad",
    [
        {"max_string": 0},
        {"max_items": 0},
        {"max_total": 0},
        {"max_depth": -1},
    ],
)
def test_limits_are_validated(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        ReprLimits(**bad)

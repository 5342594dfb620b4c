"""Tests of the ingredients the search takes from outside the edited function: the
module's numbers and sibling methods (``mutations.context``), the methods of built-in
types (``mutations.receivers``), and the place after a loop for a forgotten flush."""

from __future__ import annotations

import ast
import textwrap

from pytest_trace.optimizers.mutations import Edit, Hints, normalized, single_edits
from pytest_trace.optimizers.mutations.context import module_context
from pytest_trace.optimizers.mutations.receivers import alternatives, cannot, known_types


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def find(edits: list[Edit], fixed: str) -> tuple[int, Edit]:
    """The position and the edit whose program is ``fixed``."""
    wanted = normalized(code(fixed))
    for index, edit in enumerate(edits):
        if normalized(edit.source) == wanted:
            return index, edit
    raise AssertionError("no edit gives:\n" + code(fixed))


SIZES = code(
    '''
    UNITS = ["KiB", "MiB"]

    def human(n):
        """Bytes in KiB or MiB, with 2 decimals."""
        step = 1000
        return f"{n / step:.2f} {UNITS[0]}"

    def parse(text):
        number, unit = text.split()
        return round(float(number) * 1024 ** (UNITS.index(unit) + 1))
    '''
)


def test_numbers_come_from_the_rest_of_the_module_not_the_function() -> None:
    context = module_context(SIZES, "human")
    assert 1024 in context.numbers
    assert 1000 not in context.numbers  # the function's own literal
    assert context.documented == (2,)  # "2 decimals"; the docstring, no description


def test_documented_numbers_skip_zero_and_one_and_end_sentences() -> None:
    context = module_context(
        SIZES, "human", "weighted 10 down to 1; the sum is divisible by 11. About 1.5 or 0."
    )
    assert context.documented == (10, 11, 1.5)


def test_a_module_constant_replaces_a_wrong_literal() -> None:
    context = module_context(SIZES, "human")
    source = code(
        '''
        def human(n):
            """Bytes in KiB or MiB, with 2 decimals."""
            step = 1000
            return f"{n / step:.2f} {UNITS[0]}"
        '''
    )
    edits = list(single_edits(source, Hints(known_numbers=context.numbers)))
    _, edit = find(edits, source.replace("1000", "1024"))
    assert edit.operators == ("module constant",)
    plain = list(single_edits(source, Hints()))
    _, usual = find(plain, source.replace("1000", "1024"))
    assert usual.operators == ("usual constant",)  # without the module: a usual value


def test_a_documented_number_is_tried_before_negating_the_condition() -> None:
    source = code(
        '''
        def valid(total):
            """The sum is divisible by 11."""
            return total % 10 == 0
        '''
    )
    context = module_context(source, "valid")
    edits = list(single_edits(source, Hints(documented=context.documented)))
    documented, edit = find(edits, source.replace("% 10", "% 11"))
    negated, _ = find(edits, source.replace("== 0", "!= 0"))
    assert edit.operators == ("documented constant",)
    assert documented < negated


RING = code(
    """
    class Ring:
        def __init__(self, capacity):
            self.slots = [None] * capacity
            self.head = 0
            self.size = 0

        def push(self, item):
            self.slots[(self.head + self.size) % len(self.slots)] = item
            self.size += 1

        def pop(self):
            item = self.slots[self.head]
            self.head = (self.head + 1) % len(self.slots)
            return item

        @staticmethod
        def make(n):
            return Ring(n)
    """
)


def test_methods_get_the_bookkeeping_of_their_siblings_mirrored_first() -> None:
    assert module_context(RING, "Ring.pop").ingredients == (
        "self.size -= 1",
        "self.size += 1",
    )
    assert module_context(RING, "Ring.make").ingredients == ()  # no self
    assert module_context(SIZES, "human").ingredients == ()  # not a method
    assert module_context(RING, "Ring.missing") == module_context("", "x")


def test_a_forgotten_decrement_is_inserted_from_a_sibling_method() -> None:
    source = code(
        """
        def pop(self):
            item = self.slots[self.head]
            self.head = (self.head + 1) % len(self.slots)
            return item
        """
    )
    context = module_context(RING, "Ring.pop")
    edits = list(single_edits(source, Hints(ingredients=context.ingredients)))
    fixed = source.replace("    return item", "    self.size -= 1\n    return item")
    _, edit = find(edits, fixed)
    assert edit.operators == ("insert statement",)


def test_a_loop_that_forgets_its_last_flush_gets_it_after_the_loop() -> None:
    source = code(
        """
        def runs(values):
            result = []
            run = []
            for value in values:
                if value is None:
                    continue
                elif not run:
                    run = [value]
                elif value == run[-1]:
                    run.append(value)
                else:
                    result.append((run[0], len(run)))
                    run = [value]
            return result
        """
    )
    edits = list(single_edits(source, Hints()))
    fixed = source.replace(
        "    return result", "    result.append((run[0], len(run)))\n    return result"
    )
    position, _ = find(edits, fixed)
    copies = [i for i, e in enumerate(edits) if "insert `result.append" in e.description]
    assert copies[0] == position  # the first place tried for that statement


def test_known_types_come_from_annotations_and_literals_only() -> None:
    tree = ast.parse(
        code(
            """
            def f(items: list[int], name: str, other, table=None):
                groups: dict[str, list[int]] = {}
                seen = set()
                text = ""
                text = compute()
                for row in items:
                    pass
                return groups
            """
        )
    )
    func = tree.body[0]
    assert isinstance(func, ast.FunctionDef)
    assert known_types(func) == {"items": list, "name": str, "groups": dict, "seen": set}


def test_alternatives_are_methods_taking_the_same_arguments() -> None:
    assert alternatives(dict, "get", 2, 0) == ["setdefault"]
    assert "append" in alternatives(list, "remove", 1, 0)
    assert "sort" not in alternatives(list, "remove", 1, 0)  # takes no argument
    assert alternatives(dict, "get", 2, 1) == []  # keywords: no guess
    assert alternatives(dict, "no_such_method", 1, 0) == []


def test_a_wrong_method_of_a_dict_is_replaced_by_one_with_the_same_arguments() -> None:
    source = code(
        """
        def group_by(records, field):
            groups = {}
            for record in records:
                groups.get(record[field], []).append(record)
            return groups
        """
    )
    edits = list(single_edits(source, Hints()))
    _, edit = find(edits, source.replace(".get(", ".setdefault("))
    assert edit.operators == ("attribute swap",)
    unknown = source.replace("groups = {}", "groups = make()")
    assert all(".setdefault(" not in e.source for e in single_edits(unknown, Hints()))


def test_cannot_is_sure_only_of_built_in_types() -> None:
    assert cannot(frozenset({"int"}), "append")
    assert cannot(frozenset({"str", "NoneType"}), "append")
    assert not cannot(frozenset({"NoneType"}), "append")  # may be set later
    assert not cannot(frozenset({"list", "int"}), "append")  # a list can
    assert not cannot(frozenset({"str"}), "__getitem__")
    assert cannot(frozenset({"int", "float"}), "__iter__")
    assert not cannot(frozenset({"int", "Cart"}), "append")  # a class of the user's may
    assert not cannot(frozenset(), "append")  # nothing seen: anything goes


def test_a_variable_whose_annotation_rules_it_out_is_not_swapped_in() -> None:
    source = code(
        """
        def add(words: list[str], sep: str, other):
            words.append(sep)
            return words
        """
    )
    sources = [edit.source for edit in single_edits(source, Hints())]
    assert not any("sep.append(" in s for s in sources)  # a str has no append
    assert any("other.append(" in s for s in sources)  # its type is unknown
    assert any("words.append(words)" in s for s in sources)  # an argument: anything goes


def test_the_module_gives_the_methods_it_calls_without_arguments() -> None:
    text = code(
        """
        def shout(word):
            return word.upper()

        def tidy(text):
            return text.strip().lower() + text.center(3)
        """
    )
    methods = module_context(text, "shout").methods
    assert sorted(methods) == ["lower", "strip", "upper"]  # once each; center takes one


def test_a_value_may_be_missing_a_method_call_its_type_has() -> None:
    source = code(
        """
        def underscore(word):
            word = word.replace("-", "_")
            return word
        """
    )
    hints = Hints(methods=("lower", "group", "append"), types={"word": frozenset({"str"})})
    edits = list(single_edits(source, hints))
    _, edit = find(edits, source.replace("    return word\n", "    return word.lower()\n"))
    assert edit.operators == ("wrap call",)
    sources = [e.source for e in edits]
    assert not any("word.group()" in s or "word.append()" in s for s in sources)
    unknown = [e.source for e in single_edits(source, Hints(methods=("lower",)))]
    assert not any("word.lower()" in s for s in unknown)  # its type unknown: no guess


def test_a_number_may_be_missing_abs() -> None:
    source = code(
        """
        def ordinal(number):
            number = int(number)
            return "th" if number % 100 in (11, 12, 13) else "st"
        """
    )
    _, edit = find(
        list(single_edits(source, Hints())), source.replace("int(number)", "abs(int(number))")
    )
    assert edit.operators == ("wrap call",)
    text = code(
        """
        def f(label):
            return label
        """
    )
    as_text = Hints(types={"label": frozenset({"str"})})
    assert not any("abs(" in e.source for e in single_edits(text, as_text))

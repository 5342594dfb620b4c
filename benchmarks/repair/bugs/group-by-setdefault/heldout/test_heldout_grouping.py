from records.grouping import group_by, totals_by

ROWS = [
    {"name": "a", "team": "red"},
    {"name": "b", "team": "blue"},
    {"name": "c"},
    {"name": "d", "team": "red"},
    {"name": "e", "team": None},
]


def test_groups_in_first_seen_order():
    assert list(group_by(ROWS, "team")) == ["red", "blue", None]


def test_records_without_the_field_are_skipped():
    groups = group_by(ROWS, "team")
    assert sum(len(group) for group in groups.values()) == 4


def test_group_members():
    assert group_by(ROWS, "team")["red"] == [ROWS[0], ROWS[3]]


def test_one_group_per_record():
    assert group_by(ROWS, "name")["c"] == [{"name": "c"}]


def test_missing_field_everywhere():
    assert group_by(ROWS, "age") == {}


def test_totals_of_one_group():
    assert totals_by([{"k": 1, "n": 2}, {"k": 1, "n": 3}], "k", "n") == {1: 5}

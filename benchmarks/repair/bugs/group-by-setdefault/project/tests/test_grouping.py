from records.grouping import count_by, group_by, totals_by

ORDERS = [
    {"id": 1, "city": "Oslo", "total": 20.0},
    {"id": 2, "city": "Rome", "total": 35.5},
    {"id": 3, "city": "Oslo", "total": 4.5},
]


def test_no_records():
    assert group_by([], "city") == {}


def test_count_by():
    assert count_by(ORDERS, "city") == {"Oslo": 2, "Rome": 1}


def test_count_by_missing_field():
    assert count_by(ORDERS, "country") == {}


def test_group_by():
    groups = group_by(ORDERS, "city")
    assert [order["id"] for order in groups["Oslo"]] == [1, 3]


def test_totals_by():
    assert totals_by(ORDERS, "city", "total") == {"Oslo": 24.5, "Rome": 35.5}

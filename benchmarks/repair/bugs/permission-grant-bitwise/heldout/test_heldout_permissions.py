import pytest

from access.permissions import EXECUTE, READ, WRITE, Permissions


def test_grant_to_nothing():
    assert Permissions().grant(EXECUTE) == Permissions(EXECUTE)


def test_granting_twice_changes_nothing():
    assert Permissions(READ).grant(READ) == Permissions(READ)
    assert Permissions(7).grant(WRITE) == Permissions(7)


def test_grant_then_revoke():
    assert Permissions(READ).grant(WRITE).revoke(WRITE) == Permissions(READ)


def test_grant_does_not_change_the_original():
    original = Permissions(READ)
    original.grant(WRITE)
    assert original == Permissions(READ)


@pytest.mark.parametrize("text", ["---", "--x", "-w-", "-wx", "r--", "r-x", "rw-", "rwx"])
def test_round_trip(text):
    assert str(Permissions.parse(text)) == text


def test_parse_all():
    assert Permissions.parse("rwx").mask == 7

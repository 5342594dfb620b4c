from access.permissions import EXECUTE, READ, WRITE, Permissions


def test_allows():
    assert Permissions(READ | WRITE).allows(WRITE)
    assert not Permissions(READ).allows(WRITE)


def test_revoke():
    assert Permissions(7).revoke(WRITE) == Permissions(READ | EXECUTE)


def test_text():
    assert str(Permissions(5)) == "r-x"
    assert str(Permissions()) == "---"


def test_grant():
    assert Permissions(READ).grant(WRITE) == Permissions(READ | WRITE)


def test_parse():
    assert Permissions.parse("rw-") == Permissions(6)


def test_parse_nothing():
    assert Permissions.parse("---") == Permissions(0)

import pytest

from linalg.matrix import Matrix

WIDE = Matrix([[1, 2, 3], [4, 5, 6]])


def test_shape():
    assert WIDE.shape == (2, 3)


def test_get():
    assert WIDE.get(1, 0) == 4


def test_row():
    assert WIDE.row(1) == [4, 5, 6]


def test_ragged_rows():
    with pytest.raises(ValueError):
        Matrix([[1, 2], [3]])


def test_trace():
    assert Matrix([[1, 2], [3, 4]]).trace() == 5


def test_column():
    assert WIDE.column(0) == [1, 4]


def test_transpose():
    assert WIDE.transpose() == Matrix([[1, 4], [2, 5], [3, 6]])

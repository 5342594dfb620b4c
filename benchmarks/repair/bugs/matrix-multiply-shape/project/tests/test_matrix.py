import pytest

from algebra.matrix import Matrix


def test_identity():
    assert Matrix.identity(2).to_list() == [[1, 0], [0, 1]]


def test_square_product():
    product = Matrix([[1, 2], [3, 4]]) @ Matrix([[5, 6], [7, 8]])
    assert product.to_list() == [[19, 22], [43, 50]]


def test_identity_is_neutral():
    m = Matrix([[2, 3], [4, 5]])
    assert m @ Matrix.identity(2) == m


def test_incompatible_shapes():
    with pytest.raises(ValueError):
        Matrix([[1, 2]]) @ Matrix([[1, 2]])


def test_rectangular_product():
    a = Matrix([[1, 2, 3], [4, 5, 6]])
    b = Matrix([[1, 0], [0, 1], [1, 1]])
    assert (a @ b).to_list() == [[4, 5], [10, 11]]


def test_row_times_column():
    assert (Matrix([[1, 2, 3]]) @ Matrix([[4], [5], [6]])).to_list() == [[32]]

from algebra.matrix import Matrix


def test_column_times_row():
    product = Matrix([[1], [2]]) @ Matrix([[3, 4, 5]])
    assert product.to_list() == [[3, 4, 5], [6, 8, 10]]


def test_shape_of_the_product():
    product = Matrix([[1, 2]]) @ Matrix([[1, 2, 3, 4], [5, 6, 7, 8]])
    assert (product.rows, product.cols) == (1, 4)
    assert product.to_list() == [[11, 14, 17, 20]]


def test_tall_times_wide():
    a = Matrix([[1, 0], [0, 1], [1, 1]])
    b = Matrix([[2, 3, 4], [5, 6, 7]])
    assert (a @ b).to_list() == [[2, 3, 4], [5, 6, 7], [7, 9, 11]]


def test_rectangular_identity():
    m = Matrix([[1, 2, 3], [4, 5, 6]])
    assert Matrix.identity(2) @ m == m
    assert m @ Matrix.identity(3) == m


def test_associative():
    a = Matrix([[1, 2]])
    b = Matrix([[1, 2, 3], [4, 5, 6]])
    c = Matrix([[1], [0], [2]])
    assert ((a @ b) @ c) == (a @ (b @ c))


def test_one_by_one():
    assert (Matrix([[3]]) @ Matrix([[4]])).to_list() == [[12]]

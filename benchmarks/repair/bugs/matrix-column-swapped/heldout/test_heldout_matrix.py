from linalg.matrix import Matrix

TALL = Matrix([[1, 2], [3, 4], [5, 6]])


def test_every_column_of_a_tall_matrix():
    assert [TALL.column(j) for j in range(2)] == [[1, 3, 5], [2, 4, 6]]


def test_last_column_of_a_wide_matrix():
    assert Matrix([[1, 2, 3], [4, 5, 6]]).column(2) == [3, 6]


def test_square_not_symmetric():
    assert Matrix([[1, 2], [3, 4]]).column(1) == [2, 4]


def test_transpose_twice():
    assert TALL.transpose().transpose() == TALL


def test_transpose_shape():
    assert TALL.transpose().shape == (2, 3)


def test_single_row():
    assert Matrix([[7, 8, 9]]).column(1) == [8]


def test_get_and_row_unchanged():
    assert TALL.get(2, 1) == 6
    assert TALL.row(0) == [1, 2]

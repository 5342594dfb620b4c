"""Matrices as lists of rows, with the product of two matrices."""

from __future__ import annotations

from pytest_trace import trainable


class Matrix:
    def __init__(self, rows: list[list[float]]) -> None:
        if not rows or any(len(row) != len(rows[0]) for row in rows):
            raise ValueError("rows must be non-empty and of equal length")
        self._data = [list(row) for row in rows]

    @classmethod
    def identity(cls, n: int) -> Matrix:
        return cls([[1 if i == j else 0 for j in range(n)] for i in range(n)])

    @property
    def rows(self) -> int:
        return len(self._data)

    @property
    def cols(self) -> int:
        return len(self._data[0])

    def to_list(self) -> list[list[float]]:
        return [list(row) for row in self._data]

    @trainable
    def multiply(self, other: Matrix) -> Matrix:
        """The matrix product self x other (rows x other.cols)."""
        if self.cols != other.rows:
            shapes = f"{self.rows}x{self.cols} by {other.rows}x{other.cols}"
            raise ValueError(f"cannot multiply {shapes}")
        result = [[0.0] * other.cols for _ in range(self.rows)]
        for i in range(self.rows):
            for j in range(other.cols):
                for k in range(self.cols):
                    result[i][j] += self._data[i][k] * other._data[k][j]
        return Matrix(result)

    def __matmul__(self, other: Matrix) -> Matrix:
        return self.multiply(other)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Matrix) and self._data == other._data

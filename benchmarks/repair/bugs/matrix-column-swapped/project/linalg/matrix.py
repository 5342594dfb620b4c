"""A small immutable matrix of numbers."""

from __future__ import annotations

from collections.abc import Sequence

from pytest_trace import trainable


class Matrix:
    def __init__(self, rows: Sequence[Sequence[float]]) -> None:
        if not rows or not rows[0]:
            raise ValueError("a matrix needs at least one row and one column")
        if any(len(row) != len(rows[0]) for row in rows):
            raise ValueError("all rows must have the same length")
        self._rows = [list(row) for row in rows]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self._rows), len(self._rows[0])

    @trainable
    def get(self, i: int, j: int) -> float:
        """The entry in row `i`, column `j`."""
        return self._rows[i][j]

    @trainable
    def row(self, i: int) -> list[float]:
        return [self.get(i, j) for j in range(self.shape[1])]

    @trainable
    def column(self, j: int) -> list[float]:
        return [self.get(j, i) for i in range(self.shape[0])]

    def transpose(self) -> Matrix:
        return Matrix([self.column(j) for j in range(self.shape[1])])

    def trace(self) -> float:
        return sum(self.get(i, i) for i in range(min(self.shape)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Matrix) and self._rows == other._rows

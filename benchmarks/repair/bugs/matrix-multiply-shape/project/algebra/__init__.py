"""Linear algebra for small matrices."""

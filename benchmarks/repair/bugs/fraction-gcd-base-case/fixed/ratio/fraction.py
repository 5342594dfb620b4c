"""Fractions as (numerator, denominator) pairs in lowest terms."""

from __future__ import annotations

from pytest_trace import trainable

Fraction = tuple[int, int]


@trainable
def gcd(a: int, b: int) -> int:
    """The greatest common divisor of two non-negative integers (Euclid's algorithm)."""
    if b == 0:
        return a
    return gcd(b, a % b)


@trainable
def reduce(numerator: int, denominator: int) -> Fraction:
    """The fraction in lowest terms, with the sign on the numerator."""
    if denominator == 0:
        raise ZeroDivisionError("denominator is zero")
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator), abs(denominator)
    divisor = gcd(n, d)
    return sign * (n // divisor), d // divisor


@trainable
def add(x: Fraction, y: Fraction) -> Fraction:
    return reduce(x[0] * y[1] + y[0] * x[1], x[1] * y[1])


def parse(text: str) -> Fraction:
    """'3/4' -> (3, 4), '5' -> (5, 1); not reduced."""
    numerator, _, denominator = text.partition("/")
    return int(numerator), int(denominator or 1)


def show(fraction: Fraction) -> str:
    numerator, denominator = fraction
    return str(numerator) if denominator == 1 else f"{numerator}/{denominator}"

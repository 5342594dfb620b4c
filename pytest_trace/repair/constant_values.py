"""A value suggested for a trainable constant, converted strictly to the constant's type
(pure). The model writes values as JSON or text; a constant keeps its type."""

from __future__ import annotations

import math

_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})


def coerce_value(old_type_name: str, new: object) -> object:
    """Convert a suggested value to the type of the current one, strictly.

    Supports ``int``, ``float``, ``bool`` and ``str``; raises :class:`ValueError` with a
    message for the model when the value does not convert exactly (``"False"`` becomes
    ``False``, ``"maybe"`` is an error, ``2.5`` is not an ``int``, ``True`` is not a number).
    """
    if old_type_name == "int":
        return _to_int(new)
    if old_type_name == "float":
        return _to_float(new)
    if old_type_name == "bool":
        return _to_bool(new)
    if old_type_name == "str":
        return _to_str(new)
    raise ValueError(
        f"cannot convert a suggested value to type {old_type_name!r}: only int, float, bool "
        "and str values can be suggested"
    )


def _to_int(new: object) -> int:
    if isinstance(new, bool):
        raise ValueError(f"expected an int, got the boolean {new!r}")
    if isinstance(new, int):
        return new
    if isinstance(new, float) and math.isfinite(new) and new.is_integer():
        return int(new)
    if isinstance(new, str):
        try:
            return int(new.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an int, got {new!r}")


def _to_float(new: object) -> float:
    if isinstance(new, bool):
        raise ValueError(f"expected a float, got the boolean {new!r}")
    if isinstance(new, (int, float)):
        return float(new)
    if isinstance(new, str):
        try:
            return float(new.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a float, got {new!r}")


def _to_bool(new: object) -> bool:
    if isinstance(new, bool):
        return new
    if isinstance(new, str):
        word = new.strip()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"expected a bool (true or false), got {new!r}")


def _to_str(new: object) -> str:
    if isinstance(new, str):
        return new
    if isinstance(new, (int, float)) and not isinstance(new, bool):
        return repr(new)
    raise ValueError(f"expected a string, got {new!r}")

"""The numbers programmers actually write (pure).

A wrong constant is rarely an arbitrary number: it is 60 where 3600 was meant, 100
where 1000 was, 365 where 7 was. Besides the values of the module, its documentation,
the trace and the failing assertions, a numeric literal is tried with

- the values its surroundings call for: the words of the names around it (the
  function's name, the names and strings of its statement) mention hours, bytes,
  degrees, percent, ... (:func:`named_numbers`);
- the usual values nearest to it (:data:`USUAL`, :func:`usual_near`), before arbitrary
  neighbours such as ``c * 10``.

Nothing here knows a particular program: the tables are the units and conventions of
everyday code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

#: Values written in code far more often than their neighbours.
USUAL: tuple[int | float, ...] = (
    0, 1, -1, 2, 3, 4, 5, 7, 8, 10, 12, 16, 24, 30, 32, 60, 64, 90, 100, 128, 180, 255,
    256, 360, 365, 1000, 1024, 3600, 65535, 86400,
    0.5, 0.25, 0.1, 0.01, 1.5,
)  # fmt: skip

#: Words of names (singular, lower case) and the numbers that go with them.
_BY_WORD: dict[str, tuple[int | float, ...]] = {
    "hour": (24, 60, 3600),
    "hr": (24, 60, 3600),
    "minute": (60, 1440, 3600),
    "second": (60, 3600, 86400, 1000),
    "sec": (60, 3600, 86400, 1000),
    "ms": (1000, 60000),
    "milli": (1000,),
    "millisecond": (1000, 60000),
    "micro": (1_000_000,),
    "microsecond": (1_000_000,),
    "nano": (1_000_000_000,),
    "nanosecond": (1_000_000_000,),
    "day": (7, 24, 365, 30, 86400, 1440),
    "daily": (24, 7, 365),
    "weekday": (7, 5),
    "week": (7, 52, 604800),
    "weekly": (7, 52),
    "month": (12, 30, 31),
    "monthly": (12,),
    "year": (365, 12, 52, 366),
    "annual": (365, 12),
    "leap": (4, 100, 400, 366),
    "time": (60, 24, 3600, 1000),
    "duration": (60, 3600, 1000),
    "timeout": (60, 1000, 30),
    "byte": (1024, 8, 256),
    "kb": (1024, 1000),
    "kib": (1024,),
    "mb": (1024, 1_048_576, 1000),
    "mib": (1024, 1_048_576),
    "gb": (1024, 1_073_741_824, 1000),
    "kilo": (1000, 1024),
    "mega": (1_000_000, 1_048_576),
    "size": (1024, 1000),
    "bit": (8, 16, 32, 64),
    "octet": (8, 255, 256),
    "degree": (360, 180, 90),
    "deg": (360, 180, 90),
    "angle": (360, 180, 90),
    "bearing": (360, 180),
    "heading": (360, 180),
    "rotation": (360,),
    "radian": (180,),
    "rad": (180,),
    "percent": (100,),
    "percentage": (100,),
    "pct": (100,),
    "rate": (100,),
    "ratio": (100,),
    "score": (100,),
    "grade": (100, 90, 80, 70, 60),
    "cent": (100,),
    "price": (100,),
    "celsius": (32, 273, 5, 9, 1.8, 273.15),
    "fahrenheit": (32, 5, 9, 1.8),
    "kelvin": (273, 273.15),
    "temperature": (32, 273, 5, 9),
    "hex": (16,),
    "octal": (8,),
    "binary": (2,),
    "decimal": (10,),
    "digit": (10,),
    "base": (10, 16, 2, 8),
    "dozen": (12,),
    "color": (255, 256),
    "colour": (255, 256),
    "rgb": (255, 256),
    "red": (255,),
    "green": (255,),
    "blue": (255,),
    "alpha": (255,),
    "pixel": (255, 256),
    "channel": (255, 3),
    "port": (65535, 1024),
    "ascii": (128, 127, 256),
    "char": (128, 256),
    "mile": (5280, 1609, 1.609),
    "km": (1000,),
    "meter": (1000, 100),
    "metre": (1000, 100),
    "cm": (100, 10),
    "mm": (1000, 10),
    "inch": (12, 2.54),
    "foot": (12, 3, 5280),
    "feet": (12, 3, 5280),
    "yard": (3, 36),
    "pound": (16,),
    "lb": (16,),
    "ounce": (16,),
    "gram": (1000,),
    "kg": (1000,),
    "card": (52, 13, 4),
    "suit": (4, 13),
    "chess": (8, 64),
    "board": (8, 64, 9),
}

#: Usual values offered per literal by :func:`usual_near`.
NEAREST = 4

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")


def words(names: Iterable[str]) -> list[str]:
    """The lower-case words of identifiers and text: ``secondsPerHour``, ``MAX_HOURS``
    and ``"3 hours"`` give ``seconds``, ``per``, ``hour``, ``max``, ``hours``..."""
    found: dict[str, None] = {}
    for name in names:
        for part in re.split(r"[^A-Za-z]+", name):
            for word in _WORD.findall(part):
                found.setdefault(word.lower(), None)
    return list(found)


def _key(word: str) -> str | None:
    """The table's word for ``word`` (``hours`` → ``hour``), else None."""
    for candidate in (word, word[:-1] if word.endswith("s") else "", word[:-2]):
        if candidate in _BY_WORD:
            return candidate
    return None


def named_numbers(names: Iterable[str]) -> list[int | float]:
    """The numbers the words of ``names`` call for, in the order of the words."""
    found: dict[int | float, None] = {}
    for word in words(names):
        key = _key(word)
        if key is not None:
            for number in _BY_WORD[key]:
                found.setdefault(number, None)
    return list(found)


def usual_near(value: int | float, count: int = NEAREST) -> list[int | float]:
    """The ``count`` usual values nearest to ``value`` (by ratio, then by difference),
    integers for an integer, and ``value`` itself left out."""
    integer = isinstance(value, int)
    pool = [v for v in USUAL if v != value and (isinstance(v, int) or not integer)]

    def distance(v: int | float) -> tuple[float, float]:
        if v == 0 or value == 0 or (v < 0) != (value < 0):
            ratio = math.inf if value else abs(v)
        else:
            ratio = abs(math.log(abs(v) / abs(value)))
        return (ratio, abs(v - value))

    return sorted(pool, key=distance)[:count]

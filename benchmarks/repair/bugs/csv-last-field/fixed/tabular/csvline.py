"""One line of CSV: splitting it into fields and joining fields into a line."""

from __future__ import annotations

from pytest_trace import trainable


@trainable
def split_line(line: str, sep: str = ",") -> list[str]:
    """The fields of a line; double quotes protect separators, and "" in quotes is one quote."""
    fields = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(line):
        char = line[i]
        if quoted:
            if char == '"' and line[i + 1 : i + 2] == '"':
                current.append('"')
                i += 1
            elif char == '"':
                quoted = False
            else:
                current.append(char)
        elif char == '"':
            quoted = True
        elif char == sep:
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    fields.append("".join(current))
    return fields


def quote(field: str, sep: str = ",") -> str:
    """The field as it must be written: quoted when it holds a separator or a quote."""
    if sep in field or '"' in field:
        return '"' + field.replace('"', '""') + '"'
    return field


def join_line(fields: list[str], sep: str = ",") -> str:
    return sep.join(quote(field, sep) for field in fields)

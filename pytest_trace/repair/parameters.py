"""The parameters of a run: what the recording run found, read from the snapshot.

:func:`load_parameters` turns the worker's
:class:`~pytest_trace.runner.protocol.ParameterLocation` of each trainable function or
constant into a :class:`~pytest_trace.model.Parameter` with its source in the snapshot's
worktree; what cannot be edited is set aside with the reason (a function imported from
outside the checkout, a constant that is not a plain assignment).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_trace.model import Parameter
from pytest_trace.runner.protocol import ParameterLocation


@dataclass
class Parameters:
    """The trainables of a run, as the groups' repairs use them."""

    #: Editable parameters by name.
    parameters: dict[str, Parameter] = field(default_factory=dict)
    #: The text of each file of a parameter (repository-relative path), as it is.
    texts: dict[str, str] = field(default_factory=dict)
    #: Functions imported from outside the checkout: name → the file they came from.
    outside: dict[str, str] = field(default_factory=dict)
    #: Constants declared trainable that cannot be edited, and why.
    unusable: dict[str, str] = field(default_factory=dict)
    #: For a constant, the functions that declared it (their tests guard its changes).
    users: dict[str, list[str]] = field(default_factory=dict)


def load_parameters(locations: Mapping[str, ParameterLocation], worktree: Path) -> Parameters:
    """The parameters found at ``locations``, with their sources in ``worktree``."""
    from pytest_trace.repair import source_edits as edits
    from pytest_trace.repair.constant_edits import constant_source

    found = Parameters()
    for name, location in locations.items():
        for used in location.constants:
            found.users.setdefault(used, []).append(name)
        constant = location.constant
        if not location.inside:
            if constant:
                found.unusable[name] = (
                    f"it is defined in {location.file}, outside the checkout"
                    if location.file
                    else "there is no such module"
                )
            else:
                found.outside[name] = location.file
            continue
        path = Path(location.file).relative_to(worktree).as_posix()
        text = found.texts.setdefault(path, read_text(worktree / path))
        try:
            source = (
                constant_source(text, location.qualname)
                if constant
                else edits.function_source(text, location.qualname)
            )
        except edits.EditError as error:
            if not constant:
                raise
            found.unusable[name] = str(error)
            continue
        found.parameters[name] = Parameter(
            name=name,
            module=location.module,
            qualname=location.qualname,
            path=path,
            source=source,
            description=location.description,
            kind="constant" if constant else "code",
            global_names=location.global_names,
            module_text=text,
            constants_only=location.constants_only,
        )
    return found


def read_text(path: Path) -> str:
    """A file's text with its line endings as they are (CRLF stays CRLF)."""
    with path.open(encoding="utf-8", newline="") as f:
        return f.read()

"""Unix-like permissions stored as bit flags."""

from __future__ import annotations

from dataclasses import dataclass

from pytest_trace import trainable

READ = 4
WRITE = 2
EXECUTE = 1
FLAGS = {"r": READ, "w": WRITE, "x": EXECUTE}


@dataclass(frozen=True)
class Permissions:
    mask: int = 0

    @classmethod
    def parse(cls, text: str) -> Permissions:
        """'rw-' -> Permissions(6)."""
        permissions = cls()
        for char in text:
            if char != "-":
                permissions = permissions.grant(FLAGS[char])
        return permissions

    @trainable
    def grant(self, flag: int) -> Permissions:
        """A copy that also has `flag`."""
        return Permissions(self.mask ^ flag)

    @trainable
    def revoke(self, flag: int) -> Permissions:
        """A copy without `flag`."""
        return Permissions(self.mask & ~flag)

    def allows(self, flag: int) -> bool:
        return self.mask & flag == flag

    def __str__(self) -> str:
        return "".join(char if self.allows(flag) else "-" for char, flag in FLAGS.items())

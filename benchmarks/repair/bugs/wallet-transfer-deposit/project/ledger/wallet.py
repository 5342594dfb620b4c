"""Wallets holding whole cents, with transfers between them."""

from __future__ import annotations

from pytest_trace import trainable


class Wallet:
    def __init__(self, owner: str, cents: int = 0) -> None:
        self.owner = owner
        self.cents = cents
        self.log: list[str] = []

    def deposit(self, cents: int) -> None:
        if cents <= 0:
            raise ValueError("amount must be positive")
        self.cents += cents

    def withdraw(self, cents: int) -> None:
        if cents <= 0:
            raise ValueError("amount must be positive")
        if cents > self.cents:
            raise ValueError(f"{self.owner} cannot pay {cents}")
        self.cents -= cents

    @trainable
    def transfer(self, other: Wallet, cents: int) -> None:
        """Move `cents` from this wallet to `other`; both logs record it."""
        if other is self:
            raise ValueError("cannot transfer to the same wallet")
        self.withdraw(cents)
        self.log.append(f"sent {cents} to {other.owner}")
        other.log.append(f"received {cents} from {self.owner}")


def total(wallets: list[Wallet]) -> int:
    return sum(wallet.cents for wallet in wallets)

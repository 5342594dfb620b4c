"""Bank accounts with a transaction history."""

from __future__ import annotations

from pytest_trace import trainable


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, owner: str, balance: float = 0.0) -> None:
        self.owner = owner
        self.balance = balance
        self.history: list[tuple[str, float]] = []

    @trainable
    def deposit(self, amount: float) -> None:
        if amount <= 0:
            raise ValueError("a deposit must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))

    @trainable
    def withdraw(self, amount: float) -> None:
        if amount <= 0:
            raise ValueError("a withdrawal must be positive")
        if amount > self.balance:
            raise InsufficientFunds(f"{self.owner} has only {self.balance:.2f}")
        self.balance -= amount
        self.history.append(("withdraw", amount))

    def statement(self) -> str:
        lines = [f"{kind:<8} {amount:>8.2f}" for kind, amount in self.history]
        lines.append(f"{'balance':<8} {self.balance:>8.2f}")
        return "\n".join(lines)

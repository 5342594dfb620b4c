import pytest

from bank.account import Account, InsufficientFunds


def test_deposit():
    account = Account("ada")
    account.deposit(50)
    assert account.balance == 50


def test_deposit_must_be_positive():
    with pytest.raises(ValueError):
        Account("ada").deposit(0)


def test_cannot_overdraw():
    with pytest.raises(InsufficientFunds):
        Account("ada", 10).withdraw(20)


def test_withdraw():
    account = Account("ada", 100)
    account.withdraw(30)
    assert account.balance == 70


def test_history():
    account = Account("ada")
    account.deposit(100)
    account.withdraw(25)
    assert account.history == [("deposit", 100), ("withdraw", 25)]


def test_statement():
    account = Account("ada")
    account.deposit(100)
    account.withdraw(40)
    assert account.statement().splitlines()[-1] == "balance     60.00"

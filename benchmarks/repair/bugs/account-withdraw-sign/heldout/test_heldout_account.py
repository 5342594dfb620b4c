import pytest

from bank.account import Account, InsufficientFunds


def test_withdraw_everything():
    account = Account("bob", 80)
    account.withdraw(80)
    assert account.balance == 0


def test_overdraw_after_withdrawals():
    account = Account("bob", 50)
    account.withdraw(30)
    with pytest.raises(InsufficientFunds):
        account.withdraw(30)
    assert account.balance == 20


def test_failed_withdrawal_leaves_no_trace():
    account = Account("bob", 5)
    with pytest.raises(InsufficientFunds):
        account.withdraw(6)
    assert account.history == []
    assert account.balance == 5


def test_withdrawal_must_be_positive():
    with pytest.raises(ValueError):
        Account("bob", 5).withdraw(-1)


def test_many_operations():
    account = Account("bob")
    for _ in range(3):
        account.deposit(10)
        account.withdraw(4)
    assert account.balance == pytest.approx(18)


def test_fractional_amounts():
    account = Account("bob", 10.5)
    account.withdraw(0.25)
    assert account.balance == pytest.approx(10.25)

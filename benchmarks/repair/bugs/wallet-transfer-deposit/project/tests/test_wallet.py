import pytest

from ledger.wallet import Wallet, total


def test_deposit_and_withdraw():
    wallet = Wallet("ann", 100)
    wallet.deposit(50)
    wallet.withdraw(30)
    assert wallet.cents == 120


def test_transfer_too_much():
    ann, bob = Wallet("ann", 10), Wallet("bob")
    with pytest.raises(ValueError):
        ann.transfer(bob, 11)


def test_transfer_to_self():
    ann = Wallet("ann", 10)
    with pytest.raises(ValueError):
        ann.transfer(ann, 5)


def test_transfer_logs():
    ann, bob = Wallet("ann", 100), Wallet("bob")
    ann.transfer(bob, 40)
    assert ann.log == ["sent 40 to bob"]
    assert bob.log == ["received 40 from ann"]


def test_transfer_moves_the_money():
    ann, bob = Wallet("ann", 100), Wallet("bob", 5)
    ann.transfer(bob, 40)
    assert (ann.cents, bob.cents) == (60, 45)


def test_money_is_conserved():
    wallets = [Wallet("ann", 100), Wallet("bob", 50)]
    wallets[0].transfer(wallets[1], 70)
    wallets[1].transfer(wallets[0], 20)
    assert total(wallets) == 150

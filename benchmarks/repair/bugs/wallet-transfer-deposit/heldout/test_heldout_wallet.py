import pytest

from ledger.wallet import Wallet, total


def test_recipient_receives():
    ann, bob = Wallet("ann", 10), Wallet("bob")
    ann.transfer(bob, 10)
    assert bob.cents == 10
    assert ann.cents == 0


def test_chain_of_transfers():
    a, b, c = Wallet("a", 30), Wallet("b"), Wallet("c")
    a.transfer(b, 30)
    b.transfer(c, 20)
    assert [w.cents for w in (a, b, c)] == [0, 10, 20]


def test_failed_transfer_changes_nothing():
    ann, bob = Wallet("ann", 5), Wallet("bob", 1)
    with pytest.raises(ValueError):
        ann.transfer(bob, 6)
    assert (ann.cents, bob.cents) == (5, 1)
    assert ann.log == bob.log == []


def test_non_positive_transfer():
    with pytest.raises(ValueError):
        Wallet("ann", 5).transfer(Wallet("bob"), 0)


def test_many_transfers_conserve_money():
    wallets = [Wallet(str(i), 100) for i in range(4)]
    for i in range(12):
        wallets[i % 4].transfer(wallets[(i + 1) % 4], 10 + i)
    assert total(wallets) == 400
    assert wallets[0].cents == 100 - 10 - 14 - 18 + 13 + 17 + 21

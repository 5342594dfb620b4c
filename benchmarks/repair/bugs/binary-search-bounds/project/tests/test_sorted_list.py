from search.sorted_list import contains, index_of, missing

PRIMES = [2, 3, 5, 7, 11, 13, 17]


def test_found_in_the_middle():
    assert index_of(PRIMES, 7) == 3


def test_first():
    assert index_of(PRIMES, 2) == 0


def test_smaller_than_everything():
    assert index_of(PRIMES, 1) == -1


def test_between_two_values():
    assert not contains(PRIMES, 9)


def test_larger_than_everything():
    assert index_of(PRIMES, 20) == -1


def test_missing():
    assert missing(PRIMES, [3, 4, 17, 19]) == [4, 19]

import pytest

from caching.lru import LRUCache


def test_get_what_was_put():
    cache = LRUCache(2)
    cache.put("a", 1)
    assert cache.get("a") == 1


def test_default():
    assert LRUCache(1).get("nope", 0) == 0


def test_update_in_place():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("a", 2)
    assert cache.get("a") == 2
    assert len(cache) == 1


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        LRUCache(0)


def test_newest_entry_is_kept():
    cache = LRUCache(2)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache.get("c") == "C"


def test_oldest_entry_is_evicted():
    cache = LRUCache(2)
    for key in "abc":
        cache.put(key, key.upper())
    assert "a" not in cache

from caching.lru import LRUCache


def fill(capacity, keys):
    cache = LRUCache(capacity)
    for key in keys:
        cache.put(key, key * 2)
    return cache


def test_size_never_exceeds_capacity():
    cache = fill(3, "abcdefg")
    assert len(cache) == 3


def test_the_most_recent_survive():
    cache = fill(3, "abcdefg")
    assert [key for key in "abcdefg" if key in cache] == ["e", "f", "g"]


def test_get_makes_an_entry_recent():
    cache = fill(2, "ab")
    cache.get("a")
    cache.put("c", "cc")
    assert "a" in cache
    assert "b" not in cache


def test_put_of_an_existing_key_makes_it_recent():
    cache = fill(2, "ab")
    cache.put("a", "new")
    cache.put("c", "cc")
    assert cache.get("a") == "new"
    assert "b" not in cache


def test_capacity_one():
    cache = fill(1, "xyz")
    assert cache.get("z") == "zz"
    assert len(cache) == 1


def test_values_survive_evictions():
    cache = fill(2, "abcd")
    assert cache.get("c") == "cc"
    assert cache.get("d") == "dd"

"""residual_core.lru: the one LRU behind every bounded cache (entries, total weight, age; many threads)."""

from __future__ import annotations

import threading

from residual_core.lru import LRU


def test_the_least_recently_used_entry_goes_first():
    cache = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert "b" not in cache and cache.keys() == ["a", "c"]
    assert cache.peek("a") == 1 and cache.keys() == ["a", "c"]  # a peek does not reorder
    cache.put("a", 10)  # a new value replaces the old one
    assert len(cache) == 2 and cache.get("a") == 10 and cache.pop("a") == 10 and "a" not in cache
    assert cache.get("missing", "default") == "default"
    cache.clear()
    assert len(cache) == 0


def test_entries_expire_after_their_ttl():
    now = [0.0]
    cache = LRU(10, ttl=5.0, clock=lambda: now[0])
    cache.put("a", 1)
    now[0] = 5.0
    assert cache.get("a") == 1
    now[0] = 5.1
    assert cache.get("a") is None and len(cache) == 0


def test_a_weight_bound_keeps_the_newest_entry_however_heavy():
    cache = LRU(max_weight=10)
    cache.put("a", b"12345")
    cache.put("b", b"123456")
    assert cache.keys() == ["b"] and cache.weight == 6
    cache.put("c", b"x" * 50)  # heavier than the bound on its own: kept, as the only entry
    assert cache.keys() == ["c"] and cache.weight == 50
    cache.put("c", b"xy")
    assert cache.weight == 2


def test_many_threads_keep_it_bounded_and_consistent():
    cache = LRU(8, max_weight=40)

    def work(i):
        for n in range(2000):
            key = (i, n % 13)
            cache.put(key, b"x" * (n % 7))
            cache.get((i, (n + 1) % 13))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 8 and cache.weight <= 40
    assert cache.weight == sum(len(cache.peek(k)) for k in cache.keys())  # noqa: SIM118 (a list, not a dict)

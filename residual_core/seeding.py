"""Seeded construction without leaking global random state, and one thread for reproducible numbers.

PyTorch's default initialisers draw from the process-wide generator. A Streamlit server runs every visitor's script
in its own thread of one process, so ``torch.manual_seed`` in one session would disturb the numbers of another.
:func:`seeded` makes a block of code behave like a fresh script that starts with ``torch.manual_seed(seed)``:

* it holds a process-wide lock, so no two seeded blocks interleave;
* it forks the global generator (``torch.random.fork_rng``) and restores it afterwards, so nothing leaks out.

Keep seeded blocks short (build modules, draw inputs). Long loops such as training draw from their own
``torch.Generator`` (see :func:`generator`) and do not hold the lock.
"""

from __future__ import annotations

import contextlib
import threading

import torch

_LOCK = threading.RLock()


@contextlib.contextmanager
def seeded(seed: int):
    """Run the body as if it were a script starting with ``torch.manual_seed(seed)``; restore the state after."""
    with _LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        yield


def generator(seed: int) -> torch.Generator:
    """A private CPU generator seeded with ``seed`` (for sampling inside long loops)."""
    return torch.Generator().manual_seed(int(seed))


def seeded_input(batch: int, width: int, seed: int, dtype=torch.float64) -> torch.Tensor:
    """A standard-normal input batch ``(batch, width)`` drawn from its own generator seeded with ``seed``."""
    g = torch.Generator().manual_seed(int(seed) + 1_000_003)  # a stream apart from the weights' stream
    return torch.randn(batch, width, generator=g, dtype=torch.float32).to(dtype)


_THREADS_LOCK = threading.Lock()
_THREADS_USERS = 0
_THREADS_SAVED = 1


@contextlib.contextmanager
def single_thread():
    """Run the body with one intra-op thread in the calling thread, and restore the setting afterwards.

    Why: the result of a float32 reduction depends on how many threads share it (measured: the same run gives losses
    differing in the 4th digit with 1 and 2 threads), so "same seed, same curve on every machine" needs a fixed
    count; and these models are so small that on a busy 2-core machine one thread trains 2-3x *faster* than two
    threads fighting over the cores. PyTorch's OpenMP setting is per thread, but new threads copy the last value set
    anywhere, so the previous value is restored when the last concurrent user leaves.
    """
    global _THREADS_USERS, _THREADS_SAVED
    with _THREADS_LOCK:
        if _THREADS_USERS == 0:
            _THREADS_SAVED = torch.get_num_threads()
        _THREADS_USERS += 1
    torch.set_num_threads(1)
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _THREADS_USERS -= 1
            if _THREADS_USERS == 0:
                torch.set_num_threads(_THREADS_SAVED)

"""Seeded construction without leaking global random state.

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

"""A slow, counted computation for the shared-computation test (not a test module)."""

import threading
import time

CALLS: list[int] = []
_LOCK = threading.Lock()


def slow_square(x: int, progress=None) -> dict:
    with _LOCK:
        CALLS.append(x)
    for i in range(5):
        time.sleep(0.2)
        if progress:
            progress(i + 1, 5, "")
    return {"x": x, "square": x * x}

"""Computing: calls into residual_core, cached and shared by every session.

:mod:`~lab.computing.cache` holds the one cache key (:func:`~lab.computing.cache.key`), the shared results, the warm
results and the per-key locks; :mod:`~lab.computing.compute` the calls a page makes (:func:`compute`,
:func:`compute_with_progress`, :func:`cached_result`, :func:`budget_caption`); :mod:`~lab.computing.live` the shared
live training runs (:func:`live_run`); :mod:`~lab.computing.warmup` the warm-up of a freshly woken server.

Imports only :mod:`lab.chrome` (a refused budget is a notice) from the rest of ``lab``.
"""

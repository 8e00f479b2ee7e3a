"""Training lab speed: training time per variant at the defaults, steps per second, the time a second
visitor waits for a cached run, the page's first render and warm rerun, and (``--seeds``) whether the gap the page
shows holds over several seeds.

* per variant: ``train(variant=...)`` at the page's defaults, one variant alone (what ``python -m residual_core
  train`` does);
* per experiment: each experiment as the page runs it (all its networks side by side, one intra-op thread);
* shared run: a first visitor starts the default run through :data:`residual_core.training.jobs.REGISTRY` and
  waits for it; a second visitor asks for the same parameters; 20 simultaneous visitors of a fresh link start one run;
* page: AppTest first render (the script returns while the run trains in the background) and a warm rerun;
* /why: each default computation (``lesion``, ``landscape``, ``shattered``, ``shattered-depths``) in wall and CPU
  seconds on one thread, from a cold process cache; the landscape also after the lesion (the page's order: it slices
  the networks the lesion trained); the worst case within the bounds; the /why page's first render and warm rerun;
  with ``--seeds``, how many of the seeds each /why claim holds for at the defaults.

Run: ``python benchmarks/training.py [--seeds 0,1,2,3,4] [--skip-page] [--only-why]``. Prints figures; asserts
nothing. Wall time on a shared machine depends on its load (printed); CPU time much less so.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from residual_core.experiments import training_lab as training  # noqa: E402
from residual_core.training import jobs  # noqa: E402


def timed(fn, **kwargs) -> tuple[float, dict]:
    t0 = time.perf_counter()
    result = fn(**kwargs)
    return time.perf_counter() - t0, result


def per_variant() -> None:
    training.train(steps=10)  # warm-up: first-call costs (allocator, kernels) are not training time
    print("Transformer, one variant alone at the defaults (python -m residual_core train):")
    for variant in ("post-ln", "pre-ln", "none"):
        seconds, result = timed(training.train, variant=variant)
        print(
            f"  {variant:8s} {seconds:6.2f} s  {result['steps'] / seconds:6.1f} steps/s  "
            f"final loss {result['final_loss']:.3f}, accuracy {result['final_accuracy']:.0%}"
        )


def per_experiment() -> None:
    print("Each experiment at the page's defaults (all its networks side by side):")
    for name, fn in (
        ("transformer (3 variants)", training.transformer_experiment),
        ("depth sweep (2..32, plain+residual)", training.depth_experiment),
        ("scaling (4 alphas + ReZero)", training.scaling_experiment),
        ("gated (gated, residual, plain)", training.gated_experiment),
    ):
        seconds, result = timed(fn)
        print(f"  {name:38s} {seconds:6.2f} s  {result['steps'] / seconds:6.1f} steps/s (each step trains them all)")


def shared_run() -> None:
    print("Shared run through the registry (default transformer run):")
    registry = jobs.JobRegistry()
    t0 = time.perf_counter()
    job = registry.watch("visitor-1", training.transformer_experiment)
    job.wait()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = registry.watch("visitor-2", training.transformer_experiment)
    view = again.view()
    second = time.perf_counter() - t0
    assert view.state == jobs.DONE
    print(f"  first visitor waits  {first:8.2f} s (trains)")
    print(f"  second visitor waits {second * 1e6:8.1f} µs (cached: {view.state}, runs started: {registry.started})")
    crowd = jobs.JobRegistry()
    kwargs = dict(task="reverse", steps=20, layers=2)
    t0 = time.perf_counter()
    watched = [crowd.watch(f"student-{i}", training.transformer_experiment, **kwargs) for i in range(20)]
    watched[0].wait()
    print(
        f"  20 students open one fresh link: {crowd.started} run started, all watch the same job: "
        f"{len({id(j) for j in watched}) == 1}; finished after {time.perf_counter() - t0:.2f} s"
    )


def _first_and_warm(key: str, timeout: float):
    """Open ``/key`` under AppTest: the app, its first run's and a warm rerun's seconds."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.switch_page(f"pages/{key}.py")
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    at.run()
    return at, first, time.perf_counter() - t0


def page_timings() -> None:

    print("Page /training (AppTest, defaults):")
    jobs.REGISTRY.clear()
    at, first, warm = _first_and_warm("training", timeout=300)
    t0 = time.perf_counter()
    while not any("Trained in" in c.value for c in at.caption):
        time.sleep(0.5)
        at.run()
    done = time.perf_counter() - t0 + first + warm
    t0 = time.perf_counter()
    at.run()
    cached = time.perf_counter() - t0
    print(f"  first render {first:.2f} s (returns while training)  warm rerun {warm:.2f} s")
    print(f"  run finished and drawn after {done:.1f} s; rerun of the finished page {cached:.2f} s")
    jobs.REGISTRY.clear()


def seeds_check(seeds: list[int]) -> None:
    print(f"Robustness over seeds {seeds} at the defaults (final training loss):")
    for seed in seeds:
        t = training.transformer_experiment(seed=seed)
        losses = {r["variant"]: r["final_loss"] for r in t["runs"]}
        accs = {r["variant"]: r["final_accuracy"] for r in t["runs"]}
        d = training.depth_experiment(seed=seed)["final"][-1]
        s = {r["label"]: r["final_loss"] for r in training.scaling_experiment(seed=seed)["runs"]}
        g = {r["label"]: r["final_loss"] for r in training.gated_experiment(seed=seed)["runs"]}
        print(
            f"  seed {seed}: transformer post-ln {losses['post-ln']:.3f} ({accs['post-ln']:.0%}) "
            f"pre-ln {losses['pre-ln']:.3f} ({accs['pre-ln']:.0%}) none {losses['none']:.3f} ({accs['none']:.0%}) "
            f"[chance {t['chance_loss']:.3f}]"
        )
        print(f"          depth {d['depth']}: plain {d['plain']:.3g} residual {d['residual']:.3g}")
        print("          scaling: " + ", ".join(f"{k} {v:.3g}" for k, v in s.items()))
        print("          gated: " + ", ".join(f"{k} {v:.3g}" for k, v in g.items()))


def _why_timed(fn, **kwargs) -> tuple[float, float, dict]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(**kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def why_timings(worst: bool = True) -> None:
    """Each /why default computation, one thread, from a cold cache (in this process)."""
    import torch

    from residual_core.experiments import landscape, lesion, shattered

    torch.set_num_threads(1)  # as the app and the command line do
    shattered.shattered_experiment(depth=2, width=16)  # warm-up: first-call costs are not the experiment's
    print("/why, each default computation (one thread; wall / CPU seconds; goal: at most 5 s each):")
    lesion._TRAINED.clear()
    rows = [("lesion (trains plain + residual)", lesion.lesion_experiment, {})]
    rows.append(("landscape after lesion (same networks)", landscape.landscape_experiment, {}))
    rows.append(("shattered", shattered.shattered_experiment, {}))
    rows.append(("shattered-depths", shattered.shattered_depths_experiment, {}))
    for name, fn, kwargs in rows:
        wall, cpu, result = _why_timed(fn, **kwargs)
        extra = ""
        if fn is lesion.lesion_experiment:
            extra = f"  (residual trained {result['training']['residual_steps']} of {result['steps']} steps)"
        print(f"  {name:42s} {wall:6.2f} s wall {cpu:6.2f} s CPU{extra}")
    lesion._TRAINED.clear()
    wall, cpu, _ = _why_timed(landscape.landscape_experiment)
    print(f"  {'landscape alone, cold (trains too)':42s} {wall:6.2f} s wall {cpu:6.2f} s CPU")
    if worst:
        print("/why, worst cases within the bounds:")
        lesion._TRAINED.clear()
        for name, fn, kwargs in (
            ("lesion depth 24, width 96, 800 steps", lesion.lesion_experiment, dict(depth=24, width=96, steps=800)),
            ("landscape depth 24, grid 41 (cold)", landscape.landscape_experiment, dict(depth=24, grid=41)),
            ("shattered depth 100, width 256", shattered.shattered_experiment, dict(depth=100, width=256)),
            ("shattered-depths width 256", shattered.shattered_depths_experiment, dict(width=256)),
        ):
            wall, cpu, _ = _why_timed(fn, **kwargs)
            print(f"  {name:42s} {wall:6.2f} s wall {cpu:6.2f} s CPU")


def why_page_timings() -> None:

    import lab
    from residual_core.experiments import lesion

    print("Page /why (AppTest, defaults, cold caches):")
    lab.clear_cache()
    lesion._TRAINED.clear()
    _, first, warm = _first_and_warm("why", timeout=600)
    print(f"  first render {first:.2f} s (computes the four defaults)  warm rerun {warm:.2f} s")


def why_seeds(seeds: list[int]) -> None:
    from residual_core import catalog
    from residual_core.claims import check

    print(f"/why claims at the defaults over seeds {seeds}:")
    page = catalog.page("why")
    for exp in page.experiments:
        claims = list(exp.claims)
        results = [exp.func(seed=s) for s in seeds]
        for c in claims:
            holds = [check(c, r)["holds"] for r in results]
            print(f"  {sum(holds)}/{len(seeds)} {c.id}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="", help="comma-separated seeds for the robustness check (slow)")
    parser.add_argument("--skip-page", action="store_true", help="skip the AppTest page timings")
    parser.add_argument("--only-why", action="store_true", help="only the /why page's experiments")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared with other work)")
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else []
    if not args.only_why:
        per_variant()
        per_experiment()
        shared_run()
        if not args.skip_page:
            page_timings()
        if seeds:
            seeds_check(seeds)
    why_timings()
    if not args.skip_page:
        why_page_timings()
    if seeds:
        why_seeds(seeds)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

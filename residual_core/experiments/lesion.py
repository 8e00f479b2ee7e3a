"""Delete a block (Veit, Wilber & Belongie 2016, "Residual networks behave like ensembles of relatively shallow
networks"), on the /why page: a plain and a residual MLP trained on MNIST-1D for the same number of steps, then blocks
deleted or swapped at test time, and the path-length view of a residual stack.

* :func:`trained_pair` -- the two networks, trained (and kept for the landscape experiment, which slices the loss
  around the same weights);
* :func:`lesion_experiment` -- test accuracy with each block deleted in turn, with adjacent blocks swapped, with
  ``k`` random blocks deleted, and the binomial count of paths by length.
"""

from __future__ import annotations

import copy
import math

import torch

from ..lru import LRU
from ..models.bn_mlp import BlockMLP
from ..options import LESION
from ..seeding import generator
from ..training.loop import last, train_models
from ..training.mnist1d import CHANCE, MNIST1DTask, describe, held_out_accuracy

NETWORKS = ("plain", "residual")
WHY_BATCH = 128  # MNIST-1D minibatch
WHY_LR = 1e-3  # Adam's step size
WHY_DELETE_DRAWS = 2  # random subsets averaged per number of deleted blocks

# -- the two trained networks, shared by the lesion and the landscape experiments ---------------------------------

MAX_TRAINED = 12  # a few settings x seeds 0-4; each pair is at most a few MB
_TRAINED = LRU(MAX_TRAINED)  # (depth, width, steps, seed) -> (state dicts, training record)


def train_same_budget(depth: int, width: int, steps: int, seed: int, progress=None) -> tuple[dict, dict]:
    """Train the plain and the residual network for the same ``steps`` steps on the same batches (the same budget),
    as Veit et al. (2016) lesioned networks trained in full, not stopped early: what is compared is each network
    after the same training, not two networks stopped at equal accuracy."""
    nets = {kind: BlockMLP(kind, depth, width, seed=seed) for kind in NETWORKS}
    task = MNIST1DTask(WHY_BATCH)
    total = 2 * steps

    def report(offset: int, what: str):
        def report_step(done: int, _total: int, _message: str = "") -> None:
            if progress is not None:
                progress(offset + done, total, f"{what}: step {done}")

        return report_step

    curves = {}
    for k, kind in enumerate(NETWORKS):
        run = train_models(
            {kind: nets[kind]}, task, steps=steps, lr=WHY_LR, seed=seed, progress=report(k * steps, f"{kind} network")
        )
        curves[kind] = run["curves"][kind]
    if progress is not None:
        progress(total, total, "trained")
    record = {"plain_steps": steps, "residual_steps": steps, "curves": curves}
    return {kind: net.state_dict() for kind, net in nets.items()}, record


def trained_pair(depth: int, width: int, steps: int, seed: int, progress=None) -> tuple[dict, dict]:
    """``({"plain": BlockMLP, "residual": BlockMLP}, record)`` trained on MNIST-1D (see
    the same budget, :func:`train_same_budget`), in evaluation mode. Kept per process for the last :data:`MAX_TRAINED`
    settings, so the loss-landscape experiment slices the very networks this page deleted blocks from without
    training them again; every call gets its own copies. ``record``: ``{"plain_steps", "residual_steps",
    "curves"}``."""
    key = (int(depth), int(width), int(steps), int(seed))
    found = _TRAINED.get(key)
    if found is None:
        found = train_same_budget(*key, progress=progress)
        _TRAINED.put(key, found)
    elif progress is not None:
        progress(1, 1, "trained (kept from an earlier run)")
    states, record = found
    record = copy.deepcopy(record)  # the kept record is shared: callers get their own
    nets = {}
    for kind in NETWORKS:
        net = BlockMLP(kind, depth, width, seed=seed)
        net.load_state_dict(states[kind])
        nets[kind] = net.eval()
    return nets, record


# -- the experiment --------------------------------------------------------------------------------------------------


def path_counts(depth: int) -> list[dict]:
    """A residual stack of ``depth`` blocks unrolls into ``2 ** depth`` paths from input to output (each block
    taken or skipped); ``C(depth, k)`` of them pass through exactly ``k`` blocks. Returns ``[{"length", "paths",
    "share"}]`` for ``k = 0..depth`` (``share``: the fraction of all paths, a binomial(depth, 1/2) distribution)."""
    return [
        {"length": k, "paths": math.comb(depth, k), "share": math.comb(depth, k) / 2**depth} for k in range(depth + 1)
    ]


def lesion_experiment(depth: int = 16, width: int = 64, steps: int = 400, seed: int = 0, progress=None) -> dict:
    """Delete and swap blocks of a trained plain and a trained residual network (Veit et al. 2016).

    Networks: :class:`~residual_core.models.bn_mlp.BlockMLP` ``Linear(40, width)`` -> ``depth`` blocks ->
    ``Linear(width, 10)``; plain blocks ``relu(BN(W x))``, residual blocks ``x + V relu(BN(W x)) + c`` (He-normal
    ``W``, PyTorch's default init elsewhere; same seed, same ``W`` and input and output layers). Data: MNIST-1D.
    Training: Adam (learning rate 1e-3), minibatches of 128, both networks for the same ``steps`` steps on the same
    batches (the same budget, as Veit et al. lesioned fully trained networks).

    At test time (evaluation mode, 1000 test signals): each block deleted in turn (left out of the forward pass:
    a residual block then passes ``x`` through, a plain layer becomes the identity), each pair of adjacent blocks
    swapped, and ``k`` random blocks deleted (mean over a few seeded draws).

    Returns:
        ``{"depth", "width", "steps", "seed", "dataset", "chance", "baseline": {"plain", "residual"},
        "deleted": [{"block", "plain", "residual"}], "swapped": [{"block", "plain", "residual"}],
        "deleted_k": [{"k", "plain", "residual"}], "paths": [{"length", "paths", "share"}], "training":
        {"plain_steps", "residual_steps", "curves"}}``; accuracies in [0, 1], blocks numbered from 1 (``swapped``:
        block ``b`` exchanged with ``b + 1``).
    """
    for name, value in {"depth": depth, "width": width, "steps": steps, "seed": seed}.items():
        LESION[name].check(value)
    nets, record = trained_pair(depth, width, steps, seed, progress=progress)

    def accuracy(order):
        return {kind: held_out_accuracy(net, order) for kind, net in nets.items()}

    blocks = list(range(depth))
    baseline = accuracy(blocks)
    deleted = [{"block": i + 1, **accuracy([b for b in blocks if b != i])} for i in blocks]
    swapped = []
    for i in blocks[:-1]:
        order = list(blocks)
        order[i], order[i + 1] = order[i + 1], order[i]
        swapped.append({"block": i + 1, **accuracy(order)})
    gen = generator(int(seed) + 31_337)
    deleted_k = [{"k": 0, **baseline}]
    for k in range(1, depth + 1):
        draws = [sorted(torch.randperm(depth, generator=gen)[k:].tolist()) for _ in range(WHY_DELETE_DRAWS)]
        scores = [accuracy(order) for order in draws]
        deleted_k.append({"k": k, **{kind: sum(s[kind] for s in scores) / len(scores) for kind in NETWORKS}})
    return {
        "depth": depth,
        "width": width,
        "steps": steps,
        "seed": seed,
        "dataset": describe(),
        "chance": CHANCE,
        "baseline": baseline,
        "deleted": deleted,
        "swapped": swapped,
        "deleted_k": deleted_k,
        "paths": path_counts(depth),
        "training": record,
    }


# -- summaries and rows for the charts -------------------------------------------------------------------------------


def mean_of(rows: list[dict], kind: str) -> float:
    return sum(r[kind] for r in rows) / len(rows) if rows else float("nan")


def kept(r: dict, key: str, kind: str) -> float:
    """Mean accuracy over ``r[key]`` (``"deleted"`` or ``"swapped"``) as a fraction of the intact network's."""
    return mean_of(r[key], kind) / r["baseline"][kind]


def intact_label(kind: str) -> str:
    return f"{kind}, intact"


def _accuracy_rows(r: dict, key: str, x: str) -> list[dict]:
    rows = [{x: row[x], "network": kind, "accuracy": row[kind]} for kind in NETWORKS for row in r[key]]
    ends = (r[key][0][x], r[key][-1][x]) if r[key] else (1, 1)
    for kind in NETWORKS:  # the intact network's accuracy, drawn as a dashed level
        rows += [{x: end, "network": intact_label(kind), "accuracy": r["baseline"][kind]} for end in ends]
    rows += [{x: end, "network": "chance", "accuracy": r["chance"]} for end in ends]
    return rows


def deleted_rows(r: dict) -> list[dict]:
    """``[{"block", "network", "accuracy"}]``: test accuracy with block ``b`` deleted, and the intact levels."""
    return _accuracy_rows(r, "deleted", "block")


def swapped_rows(r: dict) -> list[dict]:
    """``[{"block", "network", "accuracy"}]``: test accuracy with blocks ``b`` and ``b + 1`` swapped."""
    return _accuracy_rows(r, "swapped", "block")


def deleted_k_rows(r: dict) -> list[dict]:
    """``[{"k", "network", "accuracy"}]``: mean test accuracy with ``k`` random blocks deleted."""
    return [{"k": row["k"], "network": kind, "accuracy": row[kind]} for kind in NETWORKS for row in r["deleted_k"]]


def path_rows(r: dict) -> list[dict]:
    """``[{"length", "paths", "share"}]``: how many paths of each length a residual stack of this depth has."""
    return list(r["paths"])


def training_rows(r: dict) -> list[dict]:
    """``[{"step", "network", "loss", "accuracy"}]``: the two training curves (minibatch loss and accuracy)."""
    curves = r["training"]["curves"]
    return [
        {"step": p["step"], "network": kind, "loss": p["loss"], "accuracy": p.get("accuracy")}
        for kind in NETWORKS
        for p in curves[kind]
    ]


def table_rows(r: dict) -> list[dict]:
    """The CSV: one row per block, accuracy with it deleted and with it swapped with the next."""
    swaps = {row["block"]: row for row in r["swapped"]}
    return [
        {
            "block": row["block"],
            "plain_deleted": row["plain"],
            "residual_deleted": row["residual"],
            "plain_swapped_with_next": swaps.get(row["block"], {}).get("plain"),
            "residual_swapped_with_next": swaps.get(row["block"], {}).get("residual"),
        }
        for row in r["deleted"]
    ]


def final_loss(r: dict, kind: str) -> float | None:
    return last(r["training"]["curves"][kind])

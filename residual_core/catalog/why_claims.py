"""The claims of /why, each checked on the live result of its experiment and owned by it (declared in :mod:`.why`),
the one-sentence takeaways under its figures, read from the same results, and the page's prediction question."""

import copy

from ..altered import replaced, scaled
from ..declare import Claim, Question, Verdict
from ..experiments.lesion import kept, mean_of
from ..numbers import percent
from ..where import all_of, at_least, equals

LESION_NETS = "plain relu(BN(W x)) and residual x + V relu(BN(W x)) + c blocks, He-normal W, trained on MNIST-1D"
SLICE = "; filter-normalised directions, α, β in [-1, 1], evaluation mode; 16 blocks or more (no difference at 4)"
AT_INIT = "at initialisation, float64, He-normal W, 256 inputs on [-2, 2]"


def _collapse(r: dict) -> Verdict:
    m = mean_of(r["deleted"], "plain")
    return Verdict(m < 0.2, f"plain: {r['baseline']['plain']:.3f} intact, {m:.3f} on average with one block deleted")


def _graceful(r: dict) -> Verdict:
    k = kept(r, "deleted", "residual")
    return Verdict(
        k >= 0.75,
        f"residual: {r['baseline']['residual']:.3f} intact, {mean_of(r['deleted'], 'residual'):.3f} on average with "
        f"one block deleted ({percent(k)} kept)",
    )


def _every_block(r: dict) -> Verdict:
    gaps = [(row["residual"] - row["plain"], row["block"]) for row in r["deleted"]]
    gap, block = min(gaps)
    return Verdict(gap > 0, f"smallest lead of the residual network: {gap:+.3f} (block {block} deleted)")


def _swap(r: dict) -> Verdict:
    k, plain = kept(r, "swapped", "residual"), mean_of(r["swapped"], "plain")
    return Verdict(k >= 0.8 and plain < 0.2, f"residual keeps {percent(k)} on average; plain falls to {plain:.3f}")


def _same_budget(r: dict) -> Verdict:
    b, t = r["baseline"], r["training"]
    return Verdict(
        t["residual_steps"] == t["plain_steps"],
        f"plain {t['plain_steps']} steps (test accuracy {b['plain']:.3f}), residual {t['residual_steps']} steps "
        f"({b['residual']:.3f})",
    )


def _smoother(r: dict) -> Verdict:
    p, q = r["roughness"]["plain"], r["roughness"]["residual"]
    return Verdict(q < 0.85 * p, f"mean |∇² log L|: plain {p:.3g}, residual {q:.3g} (ratio {q / p:.2f})")


def _convex(r: dict) -> Verdict:
    p, q = r["nonconvex"]["plain"], r["nonconvex"]["residual"]
    return Verdict(q <= 0.03 and q < p, f"non-convex share of the slice: plain {percent(p)}, residual {percent(q)}")


def _white(r: dict) -> Verdict:
    a = r["lag1"]["plain"]
    return Verdict(abs(a) < 0.2, f"plain lag-1 autocorrelation {a:+.3f} at depth {r['depth']}")


def _brown(r: dict) -> Verdict:
    a = r["lag1"]["residual"]
    return Verdict(a > 0.5, f"residual lag-1 autocorrelation {a:+.3f} at depth {r['depth']}")


def _needs_batch_norm(r: dict) -> Verdict:
    deepest = max(r["depths"])
    rows = {(row["network"], row["batch_norm"]): row["lag1"] for row in r["rows"] if row["depth"] == deepest}
    with_bn, without = rows[("plain", True)], rows[("plain", False)]
    return Verdict(
        abs(with_bn) < 0.2 and without > 0.5,
        f"plain, depth {deepest}: lag-1 autocorrelation {with_bn:+.3f} with batch norm, {without:+.3f} without",
    )


def _residual_all_depths(r: dict) -> Verdict:
    worst = min(row["lag1"] for row in r["rows"] if row["network"] == "residual" and row["batch_norm"])
    return Verdict(worst > 0.5, f"lowest residual lag-1 autocorrelation over depths 1-{max(r['depths'])}: {worst:+.3f}")


def _with_lag1(network: str, batch_norm: bool, depth, value: float):
    """A ``shattered-depths`` result with one network's lag-1 autocorrelation set at ``depth(r["depths"])``."""

    def alter(result: dict) -> dict:
        out = copy.deepcopy(result)
        for row in out["rows"]:
            if (row["network"], row["batch_norm"], row["depth"]) == (network, batch_norm, depth(result["depths"])):
                row["lag1"] = value
        return out

    return alter


LESION_CLAIMS = (
    Claim(
        id="plain-collapses-without-a-block",
        text="Deleting a single layer of the plain network leaves it near chance: on average below 0.2 test accuracy "
        "(chance is 0.1).",
        condition=LESION_NETS,
        check=_collapse,
        holds={},
        fails=scaled("deleted", "plain", 10.0),
    ),
    Claim(
        id="residual-degrades-gracefully",
        text="Deleting a single block of the residual network costs it little: on average it keeps at least 75% of "
        "its test accuracy.",
        condition=LESION_NETS + "; 12 blocks or more (measured: about 70% kept at 8 blocks, about half at 4)",
        check=_graceful,
        holds={},
        fails=scaled("deleted", "residual", 0.5),
        applies=at_least("depth", 12),
    ),
    Claim(
        id="residual-ahead-for-every-block",
        text="Whichever block is deleted, the residual network stays more accurate than the plain network without "
        "the same block.",
        condition=LESION_NETS + "; measured 5/5 at 4, 12, 16 and 24 blocks, 4/5 at 8",
        check=_every_block,
        holds={},
        fails=scaled("deleted", "residual", 0.0, slice(0, 1)),
        applies=at_least("depth", 12),
    ),
    Claim(
        id="swapping-blocks",
        text="Swapping two adjacent blocks: the residual network keeps at least 80% of its accuracy on average, "
        "the plain network falls below 0.2.",
        condition=LESION_NETS + "; 8 blocks or more (at 4 the residual network keeps about 60%)",
        check=_swap,
        holds={},
        fails=scaled("swapped", "residual", 0.5),
        applies=at_least("depth", 8),
    ),
    Claim(
        id="same-budget",
        text="The two networks are lesioned after the same training budget: the same number of steps on the same "
        "batches (as Veit et al. lesioned fully trained networks).",
        condition="every setting: both networks train for STEPS steps",
        check=_same_budget,
        holds={},
        fails=replaced(training=lambda r: {**r["training"], "residual_steps": r["training"]["plain_steps"] // 2}),
    ),
)

LANDSCAPE_CLAIMS = (
    Claim(
        id="residual-landscape-smoother",
        text="The residual network's loss surface is smoother: its mean |∇² log L| over the slice is at least 15% "
        "lower than the plain network's.",
        condition=LESION_NETS + SLICE,
        check=_smoother,
        holds={},
        fails=replaced(roughness=lambda r: {**r["roughness"], "residual": r["roughness"]["plain"]}),
        applies=at_least("depth", 16),
    ),
    Claim(
        id="residual-landscape-convex",
        text="The residual slice is nearly convex: at most 3% of its points are not, fewer than in the plain slice.",
        condition=LESION_NETS + SLICE + "; a grid of 25 points or more (coarser grids count more in both)",
        check=_convex,
        holds={},
        fails=replaced(nonconvex={"plain": 0.2, "residual": 0.1}),
        applies=all_of(at_least("grid", 25), equals("depth", 16)),
    ),
)

SHATTERED_CLAIMS = (
    Claim(
        id="plain-gradient-shatters",
        text="The plain network's input gradient is white noise: its lag-1 autocorrelation is within 0.2 of zero.",
        condition=AT_INIT + "; with batch normalisation; depth 16 or more",
        check=_white,
        holds={},
        fails=replaced(lag1=lambda r: {**r["lag1"], "plain": 0.9}),
        applies=at_least("depth", 16),
    ),
    Claim(
        id="residual-gradient-correlated",
        text="The residual network's input gradient stays correlated from one input to the next: lag-1 "
        "autocorrelation above 0.5.",
        condition=AT_INIT + "; with batch normalisation",
        check=_brown,
        holds={},
        fails=replaced(lag1=lambda r: {**r["lag1"], "residual": 0.1}),
    ),
)

SHATTERED_DEPTHS_CLAIMS = (
    Claim(
        id="shattering-needs-batch-norm",
        text="At depth 50 the plain network's gradient shatters with batch normalisation and does not without it "
        "(lag-1 autocorrelation above 0.5).",
        condition=AT_INIT + "; the same weights with every BN replaced by the identity",
        check=_needs_batch_norm,
        holds={},
        fails=_with_lag1("plain", False, max, 0.0),
        applies=at_least("width", 200),
    ),
    Claim(
        id="residual-correlated-at-every-depth",
        text="With batch normalisation the residual network's gradient keeps a lag-1 autocorrelation above 0.5 at "
        "every depth up to 50.",
        condition=AT_INIT,
        check=_residual_all_depths,
        holds={},
        fails=_with_lag1("residual", True, min, 0.2),
    ),
)

# -- takeaways: one sentence under each figure, read from the result it draws ----------------------------------------


def deleted_takeaway(r: dict) -> str:
    b = r["baseline"]
    return (
        f"Test accuracy with one of the {r['depth']} blocks deleted, on average: plain "
        f"{mean_of(r['deleted'], 'plain'):.3f} (intact {b['plain']:.3f}), residual "
        f"{mean_of(r['deleted'], 'residual'):.3f} (intact {b['residual']:.3f}); chance {r['chance']:g}, "
        f"seed {r['seed']}."
    )


def swapped_takeaway(r: dict) -> str:
    b = r["baseline"]
    return (
        f"With two adjacent blocks swapped, the plain network averages {mean_of(r['swapped'], 'plain'):.3f} test "
        f"accuracy (intact {b['plain']:.3f}) and the residual network {mean_of(r['swapped'], 'residual'):.3f} "
        f"(intact {b['residual']:.3f})."
    )


def deleted_k_takeaway(r: dict) -> str:
    half = min(r["deleted_k"], key=lambda row: abs(row["k"] - r["depth"] / 2))
    return (
        f"With {half['k']} of the {r['depth']} blocks deleted at random, the plain network averages "
        f"{half['plain']:.3f} test accuracy and the residual network {half['residual']:.3f} (chance {r['chance']:g})."
    )


def paths_takeaway(r: dict) -> str:
    depth = r["depth"]
    short = sum(row["share"] for row in r["paths"] if row["length"] <= depth // 2)
    most = max(row["paths"] for row in r["paths"])
    common = " and ".join(str(row["length"]) for row in r["paths"] if row["paths"] == most)
    return (
        f"Of the 2^{depth} paths through {depth} residual blocks, {percent(short)} pass at most {depth // 2} blocks; "
        f"the most common length{'s are' if ' and ' in common else ' is'} {common}."
    )


def training_takeaway(r: dict) -> str:
    t, b = r["training"], r["baseline"]
    return (
        f"Both networks trained for the same {t['plain_steps']} steps: test accuracy {b['plain']:.3f} (plain) and "
        f"{b['residual']:.3f} (residual)."
    )


def surface_takeaway(kind: str):
    def takeaway(r: dict) -> str:
        highest = max(max(row) for row in r[kind])
        return (
            f"The {kind} network's loss is {r['centre'][kind]:.3f} at its trained weights and up to {highest:.3g} "
            f"on the slice; {percent(r['basin'][kind])} of the slice lies under twice the centre's loss "
            f"(roughness {r['roughness'][kind]:.3g})."
        )

    return takeaway


def line_takeaway(r: dict) -> str:
    line = r["line"]
    return (
        f"Along direction u (α from {min(line['alphas']):g} to {max(line['alphas']):g}) the loss reaches at most "
        f"{max(line['plain']):.3g} for the plain network and {max(line['residual']):.3g} for the residual network."
    )


def gradient_takeaway(kind: str):
    def takeaway(r: dict) -> str:
        a = r["lag1"][kind]
        scale = "0: white noise" if kind == "plain" else "1: neighbouring inputs get the same gradient"
        return f"At depth {r['depth']} the {kind} network's gradient has lag-1 autocorrelation {a:+.3f} ({scale})."

    return takeaway


def autocorrelation_takeaway(r: dict) -> str:
    a = r["lag1"]
    return (
        f"Lag-1 autocorrelation at depth {r['depth']}: plain {a['plain']:+.3f}, residual {a['residual']:+.3f} "
        f"(seed {r['seed']})."
    )


def depths_takeaway(r: dict) -> str:
    deepest = max(r["depths"])
    rows = {(row["network"], row["batch_norm"]): row["lag1"] for row in r["rows"] if row["depth"] == deepest}
    return (
        f"At depth {deepest}, lag-1 autocorrelation with batch norm: plain {rows[('plain', True)]:+.3f}, residual "
        f"{rows[('residual', True)]:+.3f}; without: plain {rows[('plain', False)]:+.3f}, residual "
        f"{rows[('residual', False)]:+.3f}."
    )


# -- the prediction question: delete a block (Veit et al. 2016) ------------------------------------------------------

KEEPS = ("the plain network", "the residual network", "about the same (shares within 5 points)")


def _keeps_more(r: dict) -> str:
    plain, residual = (kept(r, "deleted", kind) for kind in ("plain", "residual"))
    return KEEPS[2] if abs(residual - plain) <= 0.05 else KEEPS[1] if residual > plain else KEEPS[0]


KEEPS_MORE = Question(
    id="keeps-more",
    text=lambda kw: (
        f"A plain and a residual network of {kw['depth']} blocks, trained on MNIST-1D (seed {kw['seed']}). Delete one "
        "block at a time: which keeps the larger share of its test accuracy, on average over the blocks?"
    ),
    answer=_keeps_more,
    kind="choice",
    options=KEEPS,
    explain=lambda r: (
        f"With one block deleted the plain network keeps {percent(kept(r, 'deleted', 'plain'))} of its intact accuracy "
        f"on average, the residual one {percent(kept(r, 'deleted', 'residual'))}."
    ),
)

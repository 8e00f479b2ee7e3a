"""The training lab's claims (/training), each evaluated on a finished run: what its "what you should see" text
says, the conditions it is stated for, the check and where it holds and fails; and the lab's prediction questions,
one per experiment. Each experiment of :mod:`residual_core.catalog.training` owns its claims and its question."""

import math

from ..altered import final_at, final_losses
from ..declare import Claim, Question, Verdict
from ..experiments.training_lab import ALPHAS, GATED_BLOCKS
from ..models.transformer import VARIANT_LABELS
from ..numbers import percent, plural
from ..where import all_of, at_least, equals, one_of


def loss_text(x) -> str:
    """A final loss for a sentence: "not finite" for a network that diverged."""
    return "not finite" if x is None or x != x else f"{x:.3g}"


def final_loss(r: dict, key: str, value) -> float:
    """The final loss of the run whose ``key`` is ``value``."""
    return next(run["final_loss"] for run in r["runs"] if run[key] == value)


def _finite(x) -> float:
    return x if x is not None and x == x else math.inf


def _chance(share: float):
    """``share`` of the run's chance loss (a final loss for :func:`~residual_core.altered.final_losses`)."""
    return lambda r: share * r["chance_loss"]


def _variant(r: dict, variant: str) -> dict:
    return next(run for run in r["runs"] if run["variant"] == variant)


def _run_setting(r: dict) -> str:
    return f"{r['task']}, {plural(r['layers'], 'layer')}, {r['steps']} steps, seed {r['seed']}"


def _residual_beats_none(r: dict) -> Verdict:
    post, pre, none = (_finite(_variant(r, v)["final_loss"]) for v in ("post-ln", "pre-ln", "none"))
    return Verdict(
        max(post, pre) < none,
        f"final loss: Post-LN {loss_text(post)}, Pre-LN {loss_text(pre)}, no residual {loss_text(none)} "
        f"({_run_setting(r)})",
    )


def _none_near_chance(r: dict) -> Verdict:
    none = _finite(_variant(r, "none")["final_loss"])
    return Verdict(
        none > 0.9 * r["chance_loss"],
        f"no residual ends at {loss_text(none)}, {percent(none / r['chance_loss'])} of chance ln V = "
        f"{r['chance_loss']:.3f} ({_run_setting(r)})",
    )


def _residual_below_half_chance(r: dict) -> Verdict:
    post, pre = (_finite(_variant(r, v)["final_loss"]) for v in ("post-ln", "pre-ln"))
    return Verdict(
        max(post, pre) < 0.5 * r["chance_loss"],
        f"Post-LN {loss_text(post)}, Pre-LN {loss_text(pre)}; half of chance: {0.5 * r['chance_loss']:.3f} "
        f"({_run_setting(r)})",
    )


def _residual_accuracy(r: dict) -> Verdict:
    chance = math.exp(-r["chance_loss"])  # 1 / V: guessing uniformly
    accs = [_variant(r, v)["final_accuracy"] or 0.0 for v in ("post-ln", "pre-ln")]
    return Verdict(
        min(accs) > 2 * chance,
        f"token accuracy: Post-LN {percent(accs[0])}, Pre-LN {percent(accs[1])}; guessing: {percent(chance)} "
        f"({_run_setting(r)})",
    )


def _deepest(r: dict) -> tuple[float, float]:
    last = r["final"][-1]
    return _finite(last["plain"]), _finite(last["residual"])


def _deep_plain_worse(r: dict) -> Verdict:
    plain, residual = _deepest(r)
    return Verdict(
        plain >= 0.1 and plain >= 10 * residual,
        f"depth {r['depths'][-1]}: plain {loss_text(plain)}, residual {loss_text(residual)} ({r['init']} init, "
        f"{r['steps']} steps, seed {r['seed']})",
    )


def _shallow_plain_keeps_up(r: dict) -> Verdict:
    first = r["final"][0]
    plain, residual = _finite(first["plain"]), _finite(first["residual"])
    return Verdict(
        plain <= 2 * residual,
        f"depth {first['depth']}: plain {loss_text(plain)}, residual {loss_text(residual)} (seed {r['seed']})",
    )


def _degradation(r: dict) -> Verdict:
    plain, residual = _deepest(r)
    kept = r["init_gradient"][-1]["plain"]
    return Verdict(
        kept >= 1e-2 and plain >= 0.1 and plain >= 10 * residual,
        f"depth {r['depths'][-1]}, {r['init']} init: before training {kept:.2g} of the gradient reaches the plain "
        f"network's first layer; final loss plain {loss_text(plain)}, residual {loss_text(residual)} (seed "
        f"{r['seed']})",
    )


def _larger_alpha_faster(r: dict) -> Verdict:
    small, large = _finite(final_loss(r, "alpha", 0.1)), _finite(final_loss(r, "alpha", 2.0))
    return Verdict(
        large < small, f"final loss: α = 2 {loss_text(large)}, α = 0.1 {loss_text(small)} (seed {r['seed']})"
    )


def _gated_beat_plain(r: dict) -> Verdict:
    gated, residual, plain = (_finite(final_loss(r, "block", b)) for b in ("gated", "residual", "plain"))
    return Verdict(
        max(gated, residual) < plain,
        f"final loss: gated {loss_text(gated)}, residual {loss_text(residual)}, plain {loss_text(plain)} "
        f"(depth {r['depth']}, "
        f"seed {r['seed']})",
    )


def _gated_slower(r: dict) -> Verdict:
    gated, residual = _finite(final_loss(r, "block", "gated")), _finite(final_loss(r, "block", "residual"))
    first = [row["gate"] for row in r["gates"] if row["step"] == min(g["step"] for g in r["gates"])]
    start = f"; mean gate at the first recorded step {sum(first) / len(first):.2f}" if first else ""
    return Verdict(
        gated > residual,
        f"final loss: gated {loss_text(gated)}, residual {loss_text(residual)}{start} (seed {r['seed']})",
    )


TRANSFORMER_CLAIMS = (
    Claim(
        id="residual-beats-no-residual",
        text="Both residual arrangements end with a lower training loss than the same network without residuals.",
        condition="6 layers, 100 steps, any of the three tasks",
        check=_residual_beats_none,
        holds=final_losses("variant", {"post-ln": 0.3, "pre-ln": 0.2, "none": 2.2}),
        fails=final_losses("variant", {"post-ln": 2.3, "pre-ln": 0.2, "none": 2.2}),
        applies=all_of(equals("layers", 6), equals("steps", 100), equals("lr", "0.003")),
    ),
    Claim(
        id="no-residual-stays-near-chance",
        text="Without residuals the network barely learns: its loss ends above 90% of chance (ln V).",
        condition="sort and reverse, 6 layers, 100 steps (on text it learns which letters are common)",
        check=_none_near_chance,
        holds=final_losses("variant", {"none": _chance(0.95)}),
        fails=final_losses("variant", {"none": _chance(0.8)}),
        applies=all_of(
            one_of("task", ("sort", "reverse")), equals("layers", 6), equals("steps", 100), equals("lr", "0.003")
        ),
    ),
    Claim(
        id="residual-below-half-chance",
        text="With residuals the loss falls below half of chance within the run.",
        condition="sort, 100 steps (reverse and text need more steps)",
        check=_residual_below_half_chance,
        holds=final_losses("variant", {"post-ln": _chance(0.4), "pre-ln": _chance(0.3)}),
        fails=final_losses("variant", {"post-ln": _chance(0.4), "pre-ln": _chance(0.6)}),
        applies=all_of(equals("task", "sort"), equals("steps", 100), equals("lr", "0.003")),
    ),
    Claim(
        id="residual-accuracy-above-guessing",
        text="With residuals the token accuracy ends at more than twice that of guessing (1/V).",
        condition="any task, 100 steps",
        check=_residual_accuracy,
        holds=final_losses("variant", {}, {"post-ln": 0.9, "pre-ln": 0.9}),
        fails=final_losses("variant", {}, {"post-ln": 0.9, "pre-ln": 0.0}),
        applies=all_of(equals("steps", 100), equals("lr", "0.003")),
    ),
)

DEPTH_CLAIMS = (
    Claim(
        id="deep-plain-trains-worse",
        text="The deepest plain network trains far worse than the residual one: its final loss is at least 0.1 and "
        "at least 10 times the residual's.",
        condition="32 layers or more, 100 steps",
        check=_deep_plain_worse,
        holds=final_at(-1, 0.8, 0.01),
        fails=final_at(-1, 0.05, 0.001),
        applies=all_of(at_least("max_depth", 32), equals("steps", 100), equals("lr", "0.003")),
    ),
    Claim(
        id="shallow-plain-keeps-up",
        text="The shallowest plain network trains about as well as the residual one (its final loss at most twice "
        "the residual's).",
        condition="2 hidden layers",
        check=_shallow_plain_keeps_up,
        holds=final_at(0, 0.06, 0.05),
        fails=final_at(0, 0.3, 0.05),
    ),
    Claim(
        id="plain-degrades-without-vanishing",
        text="The deepest plain network trains far worse although its gradient has not vanished (at least 1/100 "
        "reaches its first layer before training): degradation, not vanishing.",
        condition="Xavier or orthogonal initialisation, 64 layers (with PyTorch's default the gradient does vanish)",
        check=_degradation,
        holds=final_at(-1, 0.7, 0.001, kept=0.07),
        fails=final_at(-1, 0.7, 0.001, kept=1e-17),
        applies=all_of(one_of("init", ("xavier", "orthogonal")), equals("max_depth", 64), equals("lr", "0.003")),
    ),
)

SCALING_CLAIMS = (
    Claim(
        id="larger-alpha-trains-faster",
        text="A larger branch scale trains faster here: α = 2 ends below α = 0.1.",
        condition="tanh branches, Adam, 16 layers, 100 steps",
        check=_larger_alpha_faster,
        holds=final_losses("alpha", {0.1: 0.1, 2.0: 0.001}),
        fails=final_losses("alpha", {0.1: 0.001, 2.0: 0.1}),
        applies=all_of(equals("depth", 16), equals("steps", 100), equals("lr", "0.003")),
    ),
)

GATED_CLAIMS = (
    Claim(
        id="gated-and-residual-beat-plain",
        text="The gated and the plain residual network both end below the network without a skip path.",
        condition="16 layers, 100 steps",
        check=_gated_beat_plain,
        holds=final_losses("block", {"gated": 0.01, "residual": 0.005, "plain": 0.1}),
        fails=final_losses("block", {"gated": 0.2, "residual": 0.005, "plain": 0.1}),
        applies=all_of(equals("depth", 16), equals("steps", 100), equals("lr", "0.003")),
    ),
    Claim(
        id="gated-slower-than-residual",
        text="The gated residual trains more slowly than the plain residual (its gates start near 0.5, halving "
        "every branch at first).",
        condition="16 layers, 100 steps",
        check=_gated_slower,
        holds=final_losses("block", {"gated": 0.01, "residual": 0.005}),
        fails=final_losses("block", {"gated": 0.004, "residual": 0.005}),
        applies=all_of(equals("depth", 16), equals("steps", 100), equals("lr", "0.003")),
    ),
)


# -- the prediction questions: one per experiment (exercises 1, 4, 6 and 7) -----------------------------------------


def _lowest(r: dict) -> str:
    finite = [run for run in r["runs"] if run["final_loss"] is not None and math.isfinite(run["final_loss"])]
    return min(finite, key=lambda run: run["final_loss"])["label"] if finite else "none"


def _losses(r: dict) -> str:
    return "Loss at the last step: " + ", ".join(
        f"{run['label']} {run['final_loss']:.3g}" if run["final_loss"] is not None else f"{run['label']} —"
        for run in r["runs"]
    )


def _highest(r: dict) -> str:
    """The run that learns least: the highest loss at the last step (a diverged run, without a finite loss, first)."""

    def loss(run: dict) -> float:
        final = run["final_loss"]
        return final if final is not None and math.isfinite(final) else math.inf

    return max(r["runs"], key=loss)["label"]


def _deepest_lower(r: dict) -> str:
    last = r["final"][-1]
    loss = {k: last[k] if last[k] is not None and math.isfinite(last[k]) else math.inf for k in ("plain", "residual")}
    return "plain" if loss["plain"] < loss["residual"] else "residual"


def _lowest_loss(experiment: str, text, options, answer=_lowest, explain=_losses, which="lowest") -> Question:
    return Question(
        id=f"{which}-loss-{experiment}",
        text=text,
        answer=answer,
        kind="choice",
        options=tuple(options),
        explain=explain,
    )


TRANSFORMER_QUESTION = _lowest_loss(
    "transformer",
    lambda kw: (
        f"A {kw['layers']}-layer transformer trained for {kw['steps']} steps on the {kw['task']} task as "
        "Post-LN, Pre-LN and without residuals (same weights, same batches). Which one fails to learn: which "
        "ends with the highest loss?"
    ),
    VARIANT_LABELS.values(),
    answer=_highest,
    which="highest",  # Post-LN and Pre-LN end close together, in an order that changes with the seed
)
DEPTH_QUESTION = _lowest_loss(
    "depth-sweep",
    lambda kw: (
        f"Plain and residual tanh MLPs {kw['max_depth']} layers deep ({kw['init']} init), "
        f"{kw['steps']} Adam steps each. Which ends with the lower loss?"
    ),
    ("plain", "residual"),
    answer=_deepest_lower,
    explain=lambda r: (
        f"At depth {r['final'][-1]['depth']}: plain {r['final'][-1]['plain']:.3g}, residual "
        f"{r['final'][-1]['residual']:.3g}."
    ),
)
SCALING_QUESTION = _lowest_loss(
    "scaling",
    lambda kw: (
        f"Residual MLPs x + α·tanh(Wx + b), {kw['depth']} layers, {kw['steps']} Adam steps. Which α ends "
        "with the lowest loss?"
    ),
    [*(f"α = {a:g}" for a in ALPHAS), "learned α (ReZero)"],
)
GATED_QUESTION = _lowest_loss(
    "gated",
    lambda kw: (
        f"{kw['depth']}-layer MLPs, {kw['steps']} Adam steps: a gated residual x + g(x)·F(x), a residual "
        "and a plain network. Which ends with the lowest loss?"
    ),
    GATED_BLOCKS.values(),
)

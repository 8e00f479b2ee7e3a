"""The training lab's claims (/training), each evaluated on a finished run: what its "what you should see" text
says, the conditions it is stated for, and the check. Declared on the page in :mod:`residual_core.catalog.training`."""

import math

from ..declare import Claim, Verdict


def loss_text(x) -> str:
    """A final loss for a sentence: "not finite" for a network that diverged."""
    return "not finite" if x is None or x != x else f"{x:.3g}"


def final_loss(r: dict, key: str, value) -> float:
    """The final loss of the run whose ``key`` is ``value``."""
    return next(run["final_loss"] for run in r["runs"] if run[key] == value)


def _finite(x) -> float:
    return x if x is not None and x == x else math.inf


def _variant(r: dict, variant: str) -> dict:
    return next(run for run in r["runs"] if run["variant"] == variant)


def _run_setting(r: dict) -> str:
    return f"{r['task']}, {r['layers']} layers, {r['steps']} steps, seed {r['seed']}"


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
        f"no residual ends at {loss_text(none)}, {none / r['chance_loss']:.0%} of chance ln V = {r['chance_loss']:.3f} "
        f"({_run_setting(r)})",
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
        f"token accuracy: Post-LN {accs[0]:.0%}, Pre-LN {accs[1]:.0%}; guessing: {chance:.0%} ({_run_setting(r)})",
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


CLAIMS = (
    Claim(
        id="residual-beats-no-residual",
        text="Both residual arrangements end with a lower training loss than the same network without residuals.",
        condition="6 layers, 100 steps, any of the three tasks",
        experiment="transformer",
        check=_residual_beats_none,
    ),
    Claim(
        id="no-residual-stays-near-chance",
        text="Without residuals the network barely learns: its loss ends above 90% of chance (ln V).",
        condition="sort and reverse, 6 layers, 100 steps (on text it learns which letters are common)",
        experiment="transformer",
        check=_none_near_chance,
    ),
    Claim(
        id="residual-below-half-chance",
        text="With residuals the loss falls below half of chance within the run.",
        condition="sort, 100 steps (reverse and text need more steps)",
        experiment="transformer",
        check=_residual_below_half_chance,
    ),
    Claim(
        id="residual-accuracy-above-guessing",
        text="With residuals the token accuracy ends at more than twice that of guessing (1/V).",
        condition="any task, 100 steps",
        experiment="transformer",
        check=_residual_accuracy,
    ),
    Claim(
        id="deep-plain-trains-worse",
        text="The deepest plain network trains far worse than the residual one: its final loss is at least 0.1 and "
        "at least 10 times the residual's.",
        condition="32 layers or more, 100 steps",
        experiment="depth-sweep",
        check=_deep_plain_worse,
    ),
    Claim(
        id="shallow-plain-keeps-up",
        text="The shallowest plain network trains about as well as the residual one (its final loss at most twice "
        "the residual's).",
        condition="2 hidden layers",
        experiment="depth-sweep",
        check=_shallow_plain_keeps_up,
    ),
    Claim(
        id="plain-degrades-without-vanishing",
        text="The deepest plain network trains far worse although its gradient has not vanished (at least 1/100 "
        "reaches its first layer before training): degradation, not vanishing.",
        condition="Xavier or orthogonal initialisation, 64 layers (with PyTorch's default the gradient does vanish)",
        experiment="depth-sweep",
        check=_degradation,
    ),
    Claim(
        id="larger-alpha-trains-faster",
        text="A larger branch scale trains faster here: α = 2 ends below α = 0.1.",
        condition="tanh branches, Adam, 16 layers, 100 steps",
        experiment="scaling",
        check=_larger_alpha_faster,
    ),
    Claim(
        id="gated-and-residual-beat-plain",
        text="The gated and the plain residual network both end below the network without a skip path.",
        condition="16 layers, 100 steps",
        experiment="gated",
        check=_gated_beat_plain,
    ),
    Claim(
        id="gated-slower-than-residual",
        text="The gated residual trains more slowly than the plain residual (its gates start near 0.5, halving "
        "every branch at first).",
        condition="16 layers, 100 steps",
        experiment="gated",
        check=_gated_slower,
    ),
)

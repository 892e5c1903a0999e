"""Champion vs challenger: a new model beside the active one on the same held-out pairs, and
the rule that decides whether it may replace it.

Held-out pairs: the fixed archive validation split (core.data.datasets; capped per dataset by
``settings.compare_max_pairs``, the same sample for both models) plus the editor outcomes that
neither model was trained on.

Promotion rule: the challenger is *not worse*, and may be promoted, when all of these hold
  1. it is not significantly less accurate: exact McNemar test on the pairs exactly one of
     the two models gets right; refused when p < ``settings.alpha`` and the champion is the
     one right more often;
  2. its accuracy on significant pairs (real winners) is at most
     ``settings.promote_accuracy_margin`` (1 point) below the champion's;
  3. its log loss (calibration) is at most ``settings.promote_log_loss_margin`` (0.01) above;
  4. there are held-out pairs at all.
Otherwise promotion needs an override with a name and a reason, recorded as an "override"
model event beside the reasons it was refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from core.basics.settings import Settings
from core.data.datasets import DATASETS, dataset_split
from core.data.editor import editor_pairs
from core.data.pairs import pair_contexts
from core.evaluation.metrics import quick_metrics
from core.lifecycle import activation, registry
from db.engine import transaction


@dataclass(frozen=True)
class McNemar:
    champion_only: int  # pairs only the champion gets right
    challenger_only: int  # pairs only the challenger gets right
    p_value: float


def mcnemar(champion_correct: np.ndarray, challenger_correct: np.ndarray) -> McNemar:
    """Exact (binomial) two-sided McNemar test on paired correctness."""
    champion_correct, challenger_correct = (
        np.asarray(champion_correct, bool),
        np.asarray(challenger_correct, bool),
    )
    b = int(np.sum(champion_correct & ~challenger_correct))
    c = int(np.sum(~champion_correct & challenger_correct))
    # Under "equally accurate" each discordant pair is a fair coin flip.
    p = 1.0 if b + c == 0 else float(stats.binomtest(min(b, c), b + c, 0.5).pvalue)
    return McNemar(b, c, min(1.0, p))


@dataclass(frozen=True)
class Check:
    rule: str
    passed: bool
    detail: str
    shortfall: str = ""  # what failing it means, in an editor's words ("picks the winner less often")


@dataclass(frozen=True)
class Comparison:
    champion: str
    challenger: str
    metrics: (
        pd.DataFrame
    )  # one row per model: pairs, significant_pairs, accuracy, accuracy_significant, log_loss
    by_set: pd.DataFrame  # per held-out set (upworthy, ars, editor): pairs and each model's accuracy
    test: McNemar
    checks: list[Check]
    warnings: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def shortfalls(self) -> list[str]:
        """What the candidate falls short in, in an editor's words (empty when allowed)."""
        return [c.shortfall or c.rule for c in self.checks if not c.passed]

    @property
    def reasons(self) -> list[str]:
        """Why promotion is refused (empty when allowed)."""
        return [f"{c.rule}: {c.detail}" for c in self.checks if not c.passed]

    def report(self) -> str:
        lines = [
            f"champion {self.champion} vs challenger {self.challenger}",
            self.metrics.to_string(float_format=lambda x: f"{x:.4f}"),
            "",
            self.by_set.to_string(float_format=lambda x: f"{x:.4f}"),
            "",
            f"McNemar (exact): only champion right {self.test.champion_only}, only challenger right "
            f"{self.test.challenger_only}, p = {self.test.p_value:.4g}",
        ]
        lines += [f"[{'ok' if c.passed else 'FAIL'}] {c.rule}: {c.detail}" for c in self.checks]
        lines += [f"warning: {w}" for w in self.warnings]
        lines.append("verdict: " + ("not worse: may be promoted" if self.allowed else "worse: refused"))
        return "\n".join(lines)


class PromotionRefused(Exception):
    def __init__(self, comparison: Comparison) -> None:
        super().__init__("; ".join(comparison.reasons))
        self.comparison = comparison


def held_out_pairs(settings: Settings, manifests: list[dict]) -> tuple[pd.DataFrame, list[str]]:
    """Pairs neither model trained on, with a ``set`` column; and warnings about the split."""
    frames, warnings = [], []
    for name in DATASETS:
        valid = dataset_split(name, settings).valid
        if settings.compare_max_pairs and len(valid) > settings.compare_max_pairs:
            valid = valid.sample(settings.compare_max_pairs, random_state=settings.seed)
        frames.append(valid.assign(set=name))
    used: set[str] = set()
    for m in manifests:
        used.update(m.get("data_fingerprint", {}).get("editor_test_ids", []))
        trained = m.get("settings", {})
        split = (
            trained.get("split_seed", settings.seed),
            trained.get("validation_fraction", settings.validation_fraction),
        )
        if trained.get("split", "test") != "test":
            warnings.append(
                f"{m.get('version')} was trained on the archive split {trained['split']!r}: "
                "its 'held-out' archive pairs include training pairs"
            )
        elif split != (settings.seed, settings.validation_fraction):
            warnings.append(
                f"{m.get('version')} was trained with another archive split {split}: "
                "its 'held-out' archive pairs may include training pairs"
            )
    with transaction(settings) as session:
        editor = editor_pairs(session, settings)
    frames.append(editor[~editor["test_id"].astype(str).isin(used)].assign(set="editor"))
    return pd.concat(frames, ignore_index=True), warnings


def compare(settings: Settings, challenger: str, champion: str | None = None) -> Comparison:
    """Both models on the same held-out pairs (champion: the active model unless given)."""
    if champion is None:
        active = registry.active_version(settings)
        if active is None:
            raise ValueError("there is no active model to compare with")
        champion = active.version
    rows = [registry.get_version(settings, v) for v in (champion, challenger)]
    manifests = [registry.verify_model(settings, r) for r in rows]
    pairs, warnings = held_out_pairs(settings, manifests)
    y = pairs["label"].to_numpy(int)
    probs = [
        registry.load_model(settings, r).pair_proba(
            list(pairs["headline_a"]), list(pairs["headline_b"]), pair_contexts(pairs)
        )
        for r in rows
    ]
    correct = [(p > 0.5) == (y == 1) for p in probs]
    labels = [f"champion {champion}", f"challenger {challenger}"]
    metrics = pd.DataFrame([quick_metrics(p, pairs) for p in probs], index=labels)
    by_set = pd.DataFrame(
        {
            "pairs": pairs.groupby("set", sort=False).size(),
            **{
                f"{lab.split()[0]} accuracy": pd.Series(ok).groupby(pairs["set"], sort=False).mean()
                for lab, ok in zip(labels, correct)
            },
        }
    )
    test = mcnemar(*correct)
    return Comparison(champion, challenger, metrics, by_set, test, verdict(metrics, test, settings), warnings)


def verdict(metrics: pd.DataFrame, test: McNemar, settings: Settings) -> list[Check]:
    """The promotion rule (module docstring) as checks; metrics rows: champion, challenger."""
    champ, chall = metrics.iloc[0], metrics.iloc[1]
    worse = test.p_value < settings.alpha and test.champion_only > test.challenger_only
    acc_gap = chall["accuracy_significant"] - champ["accuracy_significant"]
    loss_gap = chall["log_loss"] - champ["log_loss"]
    # Figures as the tables beside them give them: percents to a tenth, counts with separators.
    return [
        Check(
            "held-out pairs",
            champ["pairs"] > 0,
            f"{int(champ['pairs']):,} pairs",
            "there were no held-out tests to compare the two on",
        ),
        Check(
            f"not significantly less accurate (McNemar, alpha {settings.alpha})",
            not worse,
            f"right on {chall['accuracy']:.1%} (candidate) vs {champ['accuracy']:.1%} (active), "
            f"p = {test.p_value:.2g}",
            "it picks the winning headline less often, by more than chance explains",
        ),
        Check(
            f"accuracy on significant pairs at most {100 * settings.promote_accuracy_margin:.1f} points lower",
            bool(np.isnan(acc_gap) or acc_gap >= -settings.promote_accuracy_margin - 1e-12),
            f"{chall['accuracy_significant']:.1%} (candidate) vs {champ['accuracy_significant']:.1%} (active) "
            f"on {int(champ['significant_pairs']):,} significant pairs",
            "it picks the winner of tests with a clear result less often "
            f"({chall['accuracy_significant']:.1%} against {champ['accuracy_significant']:.1%})",
        ),
        Check(
            f"log loss at most {settings.promote_log_loss_margin:.3f} higher",
            bool(loss_gap <= settings.promote_log_loss_margin + 1e-12),
            f"{chall['log_loss']:.4f} (candidate) vs {champ['log_loss']:.4f} (active)",
            "its win probabilities are further from what happened (a higher log loss), "
            "so its percentages deserve less trust",
        ),
    ]


def newest_candidate(settings: Settings) -> str:
    candidates = [r for r in registry.versions(settings) if r.status == "candidate"]
    if not candidates:
        raise ValueError("no candidate version; retrain first")
    return candidates[0].version


def promote(
    settings: Settings,
    version: str,
    by: str | None = None,
    override: bool = False,
    reason: str | None = None,
    comparison: Comparison | None = None,
) -> Comparison | None:
    """Make a candidate active if it is not worse than the active model; returns the comparison.

    Refused (PromotionRefused) when worse, unless ``override`` with ``by`` and ``reason``.
    ``comparison``: one already shown to the user, reused when it is of this version against the
    current active model. With no active model the candidate becomes active without a comparison.
    """
    active = registry.active_version(settings)
    if active is None:
        activation.activate(settings, version, by, "promote", reason or "first model", expected_active=None)
        return None
    if version == active.version:
        raise ValueError(f"{version} is already the active model")
    if comparison is None or (comparison.challenger, comparison.champion) != (version, active.version):
        comparison = compare(settings, version, active.version)
    if comparison.allowed:
        action = "promote"
        note = f"not worse than {active.version}: " + "; ".join(c.detail for c in comparison.checks)
        note = f"{reason.strip()}; {note}" if reason else note
    elif not override:
        raise PromotionRefused(comparison)
    elif not (by or "").strip() or not (reason or "").strip():
        raise ValueError("an override needs who (by) and why (reason)")
    else:
        action = "override"
        note = f"{reason.strip()} (refused because: {'; '.join(comparison.reasons)})"
    activation.activate(settings, version, by, action, note, expected_active=active.version)
    return comparison

"""One frozen settings object; every path derives from ``root``.

Each field can be overridden by an environment variable named ``HEADLINE_LAB_<FIELD>``
(upper case), e.g. ``HEADLINE_LAB_DATABASE_URL=postgresql://...``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]  # core/basics/settings.py -> the repository
ENV_PREFIX = "HEADLINE_LAB_"


@dataclass(frozen=True)
class Settings:
    # Root of the project; models/, data/ and var/ live below it.
    root: Path = REPO_ROOT
    # Shared real data (Upworthy + Ars Technica), read-only; empty means ../shared/data.
    shared_data: str = ""
    # SQLAlchemy URL; empty means a SQLite file under var/.
    database_url: str = ""
    # Model folder to serve; empty means the registry's active model, else models/default.
    model_dir: str = ""
    # Draft limits on the Compare page.
    min_drafts: int = 2
    max_drafts: int = 10
    # A headline longer than this many characters is refused (no real headline is longer).
    max_headline_chars: int = 300
    # Significance level used for "significant" pairs and winners.
    alpha: float = 0.05
    # Upworthy tests in this window were probably not properly randomised (archive authors).
    unrandomised_start: str = "2013-06-25"
    unrandomised_end: str = "2014-01-10"
    # Compare says "too close to call" when the leader beats the runner-up head to head with
    # less than this probability: within the model's noise.
    too_close_below: float = 0.55
    # LIME: perturbed samples per explanation and a fixed seed for reproducible highlights.
    # 250 agree with a 5,000-sample explanation at mean Spearman 0.976 and top-3 words 0.94 over
    # 50 archive headlines on the int8 path (benchmarks/results/lime-fidelity.md), at a quarter
    # of 1,000's cost.
    lime_samples: int = 250
    lime_seed: int = 0
    # Compare reruns this many milliseconds after the editor's last keystroke in a draft box.
    draft_debounce_ms: int = 100
    # Compare's run ends by waiting up to this long for the drafts' explanations, drawing each
    # as it arrives; typing again ends the wait at once. 10 drafts take about 1 s, longer
    # while a retrain shares the cores; past it the page says to change a draft to look again.
    highlight_wait_s: float = 30.0
    # Torch threads of the background thread that computes highlights; the page's own scoring
    # keeps all cores. With 2 of 2 cores it fought the page's thread for them, and a one-word
    # edit's explanation took 0.7-1.2 s in the running app instead of 0.16 s alone.
    lime_threads: int = 1
    # Random seed for splits and training.
    seed: int = 13
    # Fraction of test groups held out for validation in the split by test.
    validation_fraction: float = 0.2
    # Forward evaluation: each archive's newest share of tests (by date), held out from models
    # trained with ``--split forward``: what the product faces is tests newer than any it saw.
    forward_fraction: float = 0.15
    # Bootstrap resamples for 95% intervals in evaluation.
    bootstrap_samples: int = 1000
    # Retraining from editors' outcomes (Models page, `python -m core train --from-db --register`).
    # Warm start from the active model: it already knows the archive, so one epoch suffices.
    retrain_warm_start: bool = True
    retrain_epochs: float = 1.0
    # Archive pairs replayed in a retrain beside every editor pair (0 = all ~20,000): warm-started
    # from the active model, 3,000 keep what it learned and finish in minutes on 2 cores.
    retrain_max_train_pairs: int = 3000
    # A background retrain yields to the editors: this niceness and this many torch threads
    # (of 2 cores, 1 is left for the app's scoring and highlights).
    retrain_nice: int = 10
    retrain_threads: int = 1
    # An editor outcome is this newsroom's own audience: it counts this many archive pairs.
    retrain_editor_weight: float = 2.0
    # Learning from each outcome (core.lifecycle.learning): after an outcome is recorded, a
    # fast update of the active model's head runs in the background (about a second of fitting
    # plus encoding the recorded headlines) and is registered as a candidate, once at least
    # this many recorded headline pairs are new to the model. Off by default: in the replayed
    # newsroom year (benchmarks/results/replay.md) it did not beat the static model (Ars -1.2,
    # Upworthy -0.3 points on significant pairs, both within noise).
    learn_after_recording: bool = False
    update_min_pairs: int = 10
    # Promote such an update by itself when the champion/challenger rule says it is not worse.
    auto_promote_updates: bool = False
    # Champion vs challenger: held-out archive pairs per dataset (0 = the whole validation split).
    compare_max_pairs: int = 0
    # Promotion margins: how far a challenger may trail the champion and still be "not worse".
    promote_accuracy_margin: float = 0.01
    promote_log_loss_margin: float = 0.01

    @property
    def shared_data_dir(self) -> Path:
        return Path(self.shared_data) if self.shared_data else self.root.parent / "shared" / "data"

    @property
    def models_dir(self) -> Path:
        # Trained model versions, one folder each (ignored by git but for default/).
        return self.root / "models"

    @property
    def default_model_dir(self) -> Path:
        # The bundled model the app uses when the registry has no active model.
        return self.models_dir / "default"

    @property
    def var_dir(self) -> Path:
        return self.root / "var"

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'headline_lab.db'}"

    @property
    def upworthy_parquet(self) -> Path:
        return self.root / "data" / "upworthy_exploratory.parquet"

    @property
    def ars_csv(self) -> Path:
        return self.shared_data_dir / "arsheadlines" / "formatted_headlines.csv"


def _coerce(value: str, default: object) -> object:
    if isinstance(default, bool):
        return value.lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, Path):
        return Path(value)
    return value


def load_settings(**overrides: object) -> Settings:
    """Settings from defaults, then environment variables, then explicit overrides."""
    base = Settings()
    values: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        env = os.environ.get(ENV_PREFIX + f.name.upper())
        if env is not None:
            values[f.name] = _coerce(env, getattr(base, f.name))
    values.update(overrides)
    return dataclasses.replace(base, **values)

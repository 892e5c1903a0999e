"""Model versions for tables: a readable name and what editors need first; the engineers'
details (code, base model, seeds, raw id) apart; and how long a retrain would take."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from statistics import median_high

from core.data.datasets import archive_name
from db.schema import ModelVersion

STATUS_WORDS = {"active": "serving now", "candidate": "candidate (not serving)", "retired": "retired"}


def version_names(rows: Iterable[ModelVersion]) -> dict[str, str]:
    """ "Version 3 · 30 Nov 2026 · archive + 12 newsroom tests": numbered in the order they were
    registered here (a number never changes), dated by the day each was trained."""
    ordered = sorted(rows, key=lambda r: r.id or 0)
    return {row.version: _name(number, row) for number, row in enumerate(ordered, start=1)}


def _name(number: int, row: ModelVersion) -> str:
    editor = int((row.data_fingerprint or {}).get("editor_tests") or 0)
    data = f"archive + {editor} newsroom test{'s' if editor != 1 else ''}" if editor else "archive only"
    return f"Version {number} · {row.created_at:%-d %b %Y} · {data}"


def editor_summary(row: ModelVersion, name: str | None = None) -> dict:
    """One line of the editors' versions table: name, status, newsroom tests and accuracy per
    archive (the archive tests and log loss are in the engineers' table: the editors' fits a
    1280 px window)."""
    data, metrics = row.data_fingerprint or {}, row.metrics or {}
    summary = {
        "version": name or row.version,
        "status": STATUS_WORDS.get(row.status, row.status),
        "newsroom tests": data.get("editor_tests"),
    }
    for set_name, m in metrics.items():
        summary[f"{archive_name(set_name)} accuracy"] = m.get("accuracy")
    return summary


def version_summary(row: ModelVersion) -> dict:
    """One line for engineers (the CLI): data, code and headline metrics."""
    data, metrics = row.data_fingerprint or {}, row.metrics or {}
    summary = {
        "version": row.version,
        "status": row.status,
        "trained": row.created_at.strftime("%Y-%m-%d %H:%M"),
        "archive tests": data.get("archive_tests"),
        "editor tests": data.get("editor_tests"),
        "git commit": (row.git_commit or "")[:10] + ("+dirty" if _dirty(row) else ""),
        "base model": row.base_model,
        "seeds": _seeds(row),
    }
    for set_name, m in metrics.items():
        summary[f"{set_name} accuracy"] = m.get("accuracy")
        summary[f"{set_name} log loss"] = m.get("log_loss")
    return summary


def engineer_summary(row: ModelVersion, name: str | None = None) -> dict:
    """The engineers' columns: raw version id (also its folder under models/: the registry
    installs every version there by that name), when trained, git commit, base model, seeds,
    log loss."""
    summary = {
        "version": name or row.version,
        "raw version id": row.version,
        "trained (UTC)": row.created_at.strftime("%Y-%m-%d %H:%M"),
        "archive tests": (row.data_fingerprint or {}).get("archive_tests"),
        "git commit": (row.git_commit or "")[:10] + ("+dirty" if _dirty(row) else ""),
        "base model": row.base_model,
        "seeds": _seeds(row),
    }
    for set_name, m in (row.metrics or {}).items():
        summary[f"{set_name} log loss"] = m.get("log_loss")
    return summary


# What a retrain spends besides its training steps (loading the archives, calibrating, scoring the
# validation split, saving) when no manifest recorded it: 25 s in a walk-through's retrain of 3,010
# pairs on 2 cores (2026-12-01), whose estimate of its steps alone said "about 1 minute" for 115 s.
RETRAIN_OVERHEAD_S = 30.0


def retrain_seconds(manifests: Sequence[dict], pairs: int) -> float | None:
    """Seconds a retrain on ``pairs`` training pairs would take: its steps at the training speed the
    manifests recorded (pairs per second, or pairs × epochs ÷ seconds), plus the rest of the wait
    (a retrain's whole wait less its steps, as recorded since 2026-12-01, else RETRAIN_OVERHEAD_S);
    None without any speed."""
    speeds, overheads = [], []
    for manifest in manifests:
        training = (manifest or {}).get("training") or {}
        if training.get("pairs_per_second"):
            speeds.append(float(training["pairs_per_second"]))
        elif training.get("seconds") and (manifest.get("data_fingerprint") or {}).get("pairs"):
            epochs = float((manifest.get("settings") or {}).get("epochs") or 1.0)
            speeds.append(manifest["data_fingerprint"]["pairs"] * epochs / float(training["seconds"]))
        if training.get("job_seconds") and training.get("seconds"):
            overheads.append(max(0.0, float(training["job_seconds"]) - float(training["seconds"])))
    if not speeds or pairs <= 0:
        return None
    # The upper median, as before: with two manifests, the faster speed and the longer overhead.
    return pairs / median_high(speeds) + (median_high(overheads) if overheads else RETRAIN_OVERHEAD_S)


def retrain_pairs(
    manifest: dict | None, newsroom_pairs: int, epochs: float = 1.0, max_archive_pairs: int = 0
) -> int:
    """Training pairs a retrain would see: the archive's (as in the active model's training
    data, less its newsroom pairs when known; at most ``max_archive_pairs``, the retrain's
    sample, when set) plus the newsroom's now, times the epochs."""
    data = (manifest or {}).get("data_fingerprint") or {}
    archive = int(data.get("archive_pairs") or data.get("pairs") or 0)
    if max_archive_pairs:
        archive = min(archive, max_archive_pairs)
    return int((archive + newsroom_pairs) * epochs)


def duration_words(seconds: float | None) -> str:
    """ "about 6 minutes", "about 1 hour 20 minutes"; "unknown" without an estimate."""
    if seconds is None:
        return "unknown"
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    return f"about {hours} hour{'s' if hours != 1 else ''}" + (f" {rest} minutes" if rest else "")


def _seeds(row: ModelVersion) -> str:
    """The training seed, and a soup's further seeds: "13" or "13 + 1, 2, 3, 4"."""
    settings = row.settings or {}
    soup = settings.get("soup_seeds") or []
    seed = str(settings.get("seed", ""))
    return f"{seed} + {', '.join(map(str, soup))}" if soup else seed


def _dirty(row: ModelVersion) -> bool:
    return bool((row.settings or {}).get("registry", {}).get("git_dirty"))

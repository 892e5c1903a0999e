"""One line per model version for tables: what it was trained on, by which code, how it scored."""

from __future__ import annotations

from db.schema import ModelVersion


def version_summary(row: ModelVersion) -> dict:
    """One line of the versions table: data, code and headline metrics."""
    data, metrics = row.data_fingerprint or {}, row.metrics or {}
    summary = {
        "version": row.version,
        "status": row.status,
        "created": row.created_at.strftime("%Y-%m-%d %H:%M"),
        "archive tests": data.get("archive_tests"),
        "editor tests": data.get("editor_tests"),
        "git commit": (row.git_commit or "")[:10] + ("+dirty" if _dirty(row) else ""),
        "base model": row.base_model,
        "seeds": _seeds(row),
    }
    for name, m in metrics.items():
        summary[f"{name} accuracy"] = m.get("accuracy")
        summary[f"{name} log loss"] = m.get("log_loss")
    return summary


def _seeds(row: ModelVersion) -> str:
    """The training seed, and a soup's further seeds: "13" or "13 + 1, 2, 3, 4"."""
    settings = row.settings or {}
    soup = settings.get("soup_seeds") or []
    seed = str(settings.get("seed", ""))
    return f"{seed} + {', '.join(map(str, soup))}" if soup else seed


def _dirty(row: ModelVersion) -> bool:
    return bool((row.settings or {}).get("registry", {}).get("git_dirty"))

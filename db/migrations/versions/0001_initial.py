"""Initial tables: imports, tests, arms, predictions, outcomes, model_versions, model_events.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stored as UTC; db.schema.UtcDateTime adds the zone back when reading.
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", UTC_DATETIME, nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("tests_added", sa.Integer(), nullable=False),
        sa.Column("arms_added", sa.Integer(), nullable=False),
        sa.Column("rows_skipped", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_imports_sha256")),
    )

    op.create_table(
        "tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "source IN ('upworthy', 'ars', 'outcomes', 'editor')", name=op.f("ck_tests_source")
        ),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"], name=op.f("fk_tests_import_id_imports")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tests")),
        sa.UniqueConstraint("external_id", name=op.f("uq_tests_external_id")),
    )
    op.create_index(op.f("ix_tests_created_at"), "tests", ["created_at"])
    op.create_index(op.f("ix_tests_import_id"), "tests", ["import_id"])
    op.create_index(op.f("ix_tests_source"), "tests", ["source"])

    op.create_table(
        "arms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("headline", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True),
        sa.Column("image_id", sa.String(length=100), nullable=True),
        sa.Column("lede_id", sa.String(length=64), nullable=True),
        sa.Column("impressions", sa.Integer(), nullable=True),
        sa.Column("clicks", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.CheckConstraint("(impressions IS NULL) = (clicks IS NULL)", name=op.f("ck_arms_counts_together")),
        sa.CheckConstraint("impressions IS NULL OR impressions > 0", name=op.f("ck_arms_impressions_positive")),
        sa.CheckConstraint(
            "clicks IS NULL OR (clicks >= 0 AND clicks <= impressions)", name=op.f("ck_arms_clicks_range")
        ),
        sa.ForeignKeyConstraint(
            ["test_id"], ["tests.id"], name=op.f("fk_arms_test_id_tests"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arms")),
        sa.UniqueConstraint("test_id", "position", name=op.f("uq_arms_test_id_position")),
    )
    op.create_index(op.f("ix_arms_test_id"), "arms", ["test_id"])

    op.create_table(
        "predictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("arm_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("win_probability", sa.Float(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "win_probability >= 0 AND win_probability <= 1",
            name=op.f("ck_predictions_win_probability_range"),
        ),
        sa.ForeignKeyConstraint(
            ["arm_id"], ["arms.id"], name=op.f("fk_predictions_arm_id_arms"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["test_id"], ["tests.id"], name=op.f("fk_predictions_test_id_tests"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_predictions")),
    )
    op.create_index(op.f("ix_predictions_arm_id"), "predictions", ["arm_id"])
    op.create_index(op.f("ix_predictions_test_id"), "predictions", ["test_id"])

    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("test_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("significant", sa.Boolean(), nullable=False),
        sa.Column("winner_arm_id", sa.Integer(), nullable=True),
        sa.Column("predicted_arm_id", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(length=100), nullable=True),
        sa.Column("predicted_win_probability", sa.Float(), nullable=True),
        sa.Column("model_correct", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "p_value IS NULL OR (p_value >= 0 AND p_value <= 1)", name=op.f("ck_outcomes_p_value_range")
        ),
        sa.CheckConstraint(
            "predicted_win_probability IS NULL OR "
            "(predicted_win_probability >= 0 AND predicted_win_probability <= 1)",
            name=op.f("ck_outcomes_predicted_win_probability_range"),
        ),
        sa.ForeignKeyConstraint(
            ["predicted_arm_id"], ["arms.id"], name=op.f("fk_outcomes_predicted_arm_id_arms")
        ),
        sa.ForeignKeyConstraint(
            ["test_id"], ["tests.id"], name=op.f("fk_outcomes_test_id_tests"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["winner_arm_id"], ["arms.id"], name=op.f("fk_outcomes_winner_arm_id_arms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
    )
    op.create_index(op.f("ix_outcomes_model_version"), "outcomes", ["model_version"])
    op.create_index(op.f("ix_outcomes_recorded_at"), "outcomes", ["recorded_at"])
    op.create_index(op.f("ix_outcomes_test_id"), "outcomes", ["test_id"])

    op.create_table(
        "model_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("base_model", sa.String(length=200), nullable=False),
        sa.Column("data_fingerprint", sa.JSON(), nullable=False),
        sa.Column("git_commit", sa.String(length=40), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("promoted_at", UTC_DATETIME, nullable=True),
        sa.CheckConstraint(
            "status IN ('candidate', 'active', 'retired')", name=op.f("ck_model_versions_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_model_versions_version")),
    )
    # At most one active model, enforced by the database itself.
    op.create_index(
        "uq_model_versions_one_active",
        "model_versions",
        ["status"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )

    op.create_table(
        "model_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('register', 'promote', 'rollback', 'override')", name=op.f("ck_model_events_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_events")),
    )
    op.create_index(op.f("ix_model_events_version"), "model_events", ["version"])


def downgrade() -> None:
    for table in ("model_events", "model_versions", "outcomes", "predictions", "arms", "tests", "imports"):
        op.drop_table(table)  # drops its indexes too

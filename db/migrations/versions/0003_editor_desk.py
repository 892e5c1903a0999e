"""The editor's desk: soft-deleted tests, and outcome recordings that keep their counts and can be undone.

Revision ID: 0003_editor_desk
Revises: 0002
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_editor_desk"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Stored as UTC; db.schema.UtcDateTime adds the zone back when reading.


def upgrade() -> None:
    op.add_column("tests", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tests", sa.Column("deleted_by", sa.String(length=100), nullable=True))
    op.add_column("outcomes", sa.Column("counts", sa.JSON(), nullable=True))
    op.add_column("outcomes", sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("outcomes", sa.Column("undone_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("undone_by")
        batch.drop_column("undone_at")
        batch.drop_column("counts")
    with op.batch_alter_table("tests") as batch:
        batch.drop_column("deleted_by")
        batch.drop_column("deleted_at")

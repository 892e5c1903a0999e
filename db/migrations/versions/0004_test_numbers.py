"""Editor tests numbered among the newsroom's own (1, 2, 3, …), apart from the archive's ids.

Revision ID: 0004_test_numbers
Revises: 0003_editor_desk
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_test_numbers"
down_revision: str | None = "0003_editor_desk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tests", sa.Column("number", sa.Integer(), nullable=True))
    # Existing editor tests, deleted ones too, numbered in the order they were saved (by id).
    op.execute(
        "UPDATE tests SET number = (SELECT count(*) FROM tests AS earlier "
        "WHERE earlier.source = 'editor' AND earlier.id <= tests.id) WHERE source = 'editor'"
    )
    op.create_index("ix_tests_number", "tests", ["number"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_tests_number", table_name="tests")
    with op.batch_alter_table("tests") as batch:
        batch.drop_column("number")

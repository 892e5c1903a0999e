"""Flag predictions made only when the outcome was recorded (not forecasts).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every prediction stored before this revision was saved on Compare, before its test ran.
    op.add_column("predictions", sa.Column("at_recording", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("outcomes", sa.Column("prediction_at_recording", sa.Boolean(), nullable=True))
    outcomes = sa.table(
        "outcomes", sa.column("prediction_at_recording", sa.Boolean), sa.column("predicted_arm_id", sa.Integer)
    )
    op.execute(
        outcomes.update().where(outcomes.c.predicted_arm_id.is_not(None)).values(prediction_at_recording=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("prediction_at_recording")
    with op.batch_alter_table("predictions") as batch:
        batch.drop_column("at_recording")

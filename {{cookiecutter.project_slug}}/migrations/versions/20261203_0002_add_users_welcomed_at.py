"""Record when each user was welcomed, so the welcome job runs once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Users who signed up before this revision were welcomed already.
    op.add_column("users", sa.Column("welcomed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET welcomed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("welcomed_at")

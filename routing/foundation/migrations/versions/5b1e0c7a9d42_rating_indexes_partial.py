"""rating indexes: a QR tap writes three B-trees, not six

The touchpoint index repeated the start of ix_rating_device; the staff and
case indexes now leave out the ratings without a staff member or a case,
which are most of them.

Revision ID: 5b1e0c7a9d42
Revises: 166f4e11e047
Create Date: 2026-11-22 22:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5b1e0c7a9d42'
down_revision = '166f4e11e047'
branch_labels = None
depends_on = None


def _where(condition: str) -> dict:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_touchpoint_id')
        batch_op.drop_index('ix_rating_staff_created')
        batch_op.drop_index('ix_rating_case_id')
        batch_op.create_index('ix_rating_staff_created', ['staff_id', 'created_at'], unique=False,
                              **_where('staff_id IS NOT NULL'))
        batch_op.create_index('ix_rating_case_id', ['case_id'], unique=False, **_where('case_id IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_index('ix_rating_case_id')
        batch_op.drop_index('ix_rating_staff_created')
        batch_op.create_index('ix_rating_case_id', ['case_id'], unique=False)
        batch_op.create_index('ix_rating_staff_created', ['staff_id', 'created_at'], unique=False)
        batch_op.create_index('ix_rating_touchpoint_id', ['touchpoint_id'], unique=False)

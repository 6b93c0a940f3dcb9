"""staff session version: a copy of a session cookie ends with logout, a new
password or deactivation

Revision ID: 315e4afcf93d
Revises: 3b43c7789e0a
Create Date: 2026-12-02 11:17:14
"""
import sqlalchemy as sa
from alembic import op

revision = '315e4afcf93d'
down_revision = '3b43c7789e0a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('session_version')

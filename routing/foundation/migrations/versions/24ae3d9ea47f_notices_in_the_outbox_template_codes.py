"""notices in the outbox, template codes

The outbox keeps a notice's key, parameters and the recipient's language
instead of rendered text (body stays for free text); notice_template keeps
the code of each notice's approved template per domestic SMS provider.

Revision ID: 24ae3d9ea47f
Revises: 0febbbae9c62
Create Date: 2026-12-02 15:32:39.136163
"""
import sqlalchemy as sa
from alembic import op

import routing.foundation.db

revision = '24ae3d9ea47f'
down_revision = '0febbbae9c62'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notice_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('notice', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('updated_at', routing.foundation.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'], name=op.f('fk_notice_template_updated_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_template')),
    sa.UniqueConstraint('provider', 'notice', name='uq_notice_template')
    )
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))
        batch_op.alter_column('body',
               existing_type=sa.TEXT(),
               nullable=True)



def downgrade() -> None:
    op.execute("UPDATE outbound_message SET body = '' WHERE body IS NULL")
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.alter_column('body',
               existing_type=sa.TEXT(),
               nullable=False)
        batch_op.drop_column('locale')
        batch_op.drop_column('params')
        batch_op.drop_column('notice')

    op.drop_table('notice_template')

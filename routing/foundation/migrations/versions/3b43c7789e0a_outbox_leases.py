"""outbox leases, possibly doubled, health probe

Each outbox message is claimed under a lease (who, until when); a message
whose send may have reached the provider is "unconfirmed" until the provider
is asked. Messages that an earlier version left in "sending" forever become
unconfirmed, so the next tick asks the provider about them.

Revision ID: 3b43c7789e0a
Revises: 47df1e6555e6
Create Date: 2026-12-02 11:20:48.353203
"""
import sqlalchemy as sa
from alembic import op

import routing.foundation.db

revision = '3b43c7789e0a'
down_revision = '47df1e6555e6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('health_probe',
    sa.Column('node', sa.String(length=100), nullable=False),
    sa.Column('checked_at', routing.foundation.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('node', name=op.f('pk_health_probe'))
    )
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('lease_until', routing.foundation.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempted_at', routing.foundation.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('possibly_doubled', sa.Boolean(), server_default=sa.text('(false)'), nullable=False))
        batch_op.create_index('ix_outbound_lease', ['status', 'lease_until'], unique=False)
    op.execute("UPDATE outbound_message SET status = 'unconfirmed', lease_until = not_before, "
               "attempted_at = not_before WHERE status = 'sending'")


def downgrade() -> None:
    op.execute("UPDATE outbound_message SET status = 'sending' WHERE status = 'unconfirmed'")
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_lease')
        batch_op.drop_column('possibly_doubled')
        batch_op.drop_column('attempted_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')

    op.drop_table('health_probe')

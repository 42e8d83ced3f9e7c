"""outbox of messages to send; bookings.sequence for calendar updates

Revision ID: 0003_outbox
Revises: 0003_conversation_isolation
Create Date: 2026-12-02 05:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_outbox'
down_revision = '0003_conversation_isolation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'failed', 'skipped', 'obsolete', name='outbox_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_outbox_messages_booking_id_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff_requests.id'], name=op.f('fk_outbox_messages_handoff_id_handoff_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_handoff_id'), ['handoff_id'], unique=False)
        batch_op.create_index('ix_outbox_messages_status_due', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_status_due')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_handoff_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_booking_id'))

    op.drop_table('outbox_messages')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('sequence')

"""conversation isolation: namespaced sender ids, booking lookup failures

Every input channel now hands Rasa "<channel>:<platform id>" as the conversation id, so
that no channel can name another's conversation (issue 14). Stored sender ids of bookings
and handoff requests are rewritten into that form here (WhatsApp's were "whatsapp:+E164"
already), and the columns widened for the prefix. `booking_lookup_failures` counts wrong
reference + contact pairs for the guess limits.

Revision ID: 0003_conversation_isolation
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_conversation_isolation'
down_revision = '0002'
branch_labels = None
depends_on = None

# Channels whose stored sender ids get the prefix (input channel name = prefix).
PREFIXED = ("rest", "widget", "telegram")
ERASED = "(erased)"


def _rewrite(table: str, add: bool) -> None:
    for channel in PREFIXED:
        prefix = f"{channel}:"
        if add:
            op.execute(
                sa.text(
                    f"UPDATE {table} SET sender_id = :prefix || sender_id "
                    "WHERE channel = :channel AND sender_id IS NOT NULL "
                    "AND sender_id <> :erased AND sender_id NOT LIKE :like"
                ).bindparams(prefix=prefix, channel=channel, erased=ERASED, like=prefix + "%")
            )
        else:
            op.execute(
                sa.text(
                    f"UPDATE {table} SET sender_id = substr(sender_id, :start) "
                    "WHERE channel = :channel AND sender_id LIKE :like"
                ).bindparams(start=len(prefix) + 1, channel=channel, like=prefix + "%")
            )


def upgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('sender_id', existing_type=sa.String(length=128),
                              type_=sa.String(length=255), existing_nullable=True)
    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.alter_column('sender_id', existing_type=sa.String(length=128),
                              type_=sa.String(length=255), existing_nullable=False)
    _rewrite('bookings', add=True)
    _rewrite('handoff_requests', add=True)

    op.create_table('booking_lookup_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=True),
    sa.Column('ref', sa.String(length=16), nullable=True),
    sa.Column('contact_key', sa.String(length=64), nullable=True),
    sa.Column('address_key', sa.String(length=64), nullable=True),
    sa.Column('locked_out', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_lookup_failures'))
    )
    with op.batch_alter_table('booking_lookup_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_lookup_failures_address_key'), ['address_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_lookup_failures_contact_key'), ['contact_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_lookup_failures_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('booking_lookup_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_lookup_failures_created_at'))
        batch_op.drop_index(batch_op.f('ix_booking_lookup_failures_contact_key'))
        batch_op.drop_index(batch_op.f('ix_booking_lookup_failures_address_key'))
    op.drop_table('booking_lookup_failures')

    _rewrite('bookings', add=False)
    _rewrite('handoff_requests', add=False)
    # Ids longer than the old columns (only possible with the new prefixes) are cut back.
    for table in ('bookings', 'handoff_requests'):
        op.execute(sa.text(f"UPDATE {table} SET sender_id = substr(sender_id, 1, 128) "
                           "WHERE length(sender_id) > 128"))
    with op.batch_alter_table('handoff_requests', schema=None) as batch_op:
        batch_op.alter_column('sender_id', existing_type=sa.String(length=255),
                              type_=sa.String(length=128), existing_nullable=False)
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('sender_id', existing_type=sa.String(length=255),
                              type_=sa.String(length=128), existing_nullable=True)

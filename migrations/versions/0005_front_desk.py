"""front desk console: staff accounts, audit log, takeovers, handoff messages, knowledge loads

Revision ID: 0004_front_desk
Revises: 0003_outbox
Create Date: 2026-12-02 05:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_front_desk'
down_revision = '0003_outbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_staff_accounts_name'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=64), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index(op.f('ix_audit_log_at'), 'audit_log', ['at'], unique=False)
    op.create_table('conversation_takeovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('staff_name', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff_requests.id'], name=op.f('fk_conversation_takeovers_handoff_id_handoff_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_takeovers')),
    sa.UniqueConstraint('channel', 'sender_id', name=op.f('uq_conversation_takeovers_channel')),
    sa.UniqueConstraint('handoff_id', name=op.f('uq_conversation_takeovers_handoff_id'))
    )
    op.create_table('handoff_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('author', sa.String(length=16), nullable=False),
    sa.Column('staff_name', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff_requests.id'], name=op.f('fk_handoff_messages_handoff_id_handoff_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_messages'))
    )
    op.create_index(op.f('ix_handoff_messages_handoff_id'), 'handoff_messages', ['handoff_id'], unique=False)
    op.create_table('knowledge_loads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.Column('changed', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_loads'))
    )


def downgrade() -> None:
    op.drop_table('knowledge_loads')
    op.drop_index(op.f('ix_handoff_messages_handoff_id'), table_name='handoff_messages')
    op.drop_table('handoff_messages')
    op.drop_table('conversation_takeovers')
    op.drop_index(op.f('ix_audit_log_at'), table_name='audit_log')
    op.drop_table('audit_log')
    op.drop_table('staff_accounts')

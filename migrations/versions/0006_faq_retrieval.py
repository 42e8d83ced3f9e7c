"""FAQ topics: questions, category, booking offer, confirmation, computed facts; knowledge state

Revision ID: 0006_faq_retrieval
Revises: 0004_front_desk
Create Date: 2026-12-02 05:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_faq_retrieval'
down_revision = '0004_front_desk'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('fact', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('offer_booking', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('confirmed', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('questions', sa.JSON(), server_default='[]', nullable=False))
        batch_op.alter_column('answer', existing_type=sa.Text(), nullable=True)

    op.create_table('knowledge_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_state'))
    )


def downgrade() -> None:
    op.drop_table('knowledge_state')
    # Computed facts have no answer: they cannot live in the old table.
    op.execute("DELETE FROM topics WHERE answer IS NULL")
    with op.batch_alter_table('topics', schema=None) as batch_op:
        batch_op.alter_column('answer', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('questions')
        batch_op.drop_column('confirmed')
        batch_op.drop_column('offer_booking')
        batch_op.drop_column('fact')
        batch_op.drop_column('category')

"""staff stream for pre-moderation

Revision ID: c466e1520aa5
Revises: 51fb29575e7b
Create Date: 2026-11-22 18:58:03.363624

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c466e1520aa5'
down_revision = '51fb29575e7b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('workshop_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stream', sa.String(length=10), server_default='public', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_events_workshop_seq'), type_='unique')
        batch_op.create_unique_constraint('uq_events_workshop_stream_seq', ['workshop_id', 'stream', 'seq'])

    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_seq', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_column('staff_seq')

    with op.batch_alter_table('workshop_events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_events_workshop_stream_seq', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_events_workshop_seq'), ['workshop_id', 'seq'])
        batch_op.drop_column('stream')


"""user session tokens: cookies name a revocable token, not the user id

Revision ID: b3f1c8e92d02
Revises: a9d4e2c17b01
Create Date: 2026-12-01 15:45:00.000000

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3f1c8e92d02'
down_revision = 'a9d4e2c17b01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))

    # Each existing user gets a token of their own; cookies issued before this revision stop working.
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(32))
        )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_users_session_token', ['session_token'])


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_session_token', type_='unique')
        batch_op.drop_column('session_token')

"""facilitation: phases, timer, votes, moderation, recommendations

Revision ID: 51fb29575e7b
Revises: bf469aab8f3b
Create Date: 2026-11-22 18:44:38.544942

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '51fb29575e7b'
down_revision = 'bf469aab8f3b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recommendations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('principle', sa.String(length=120), nullable=True),
    sa.Column('priority', sa.Integer(), nullable=True),
    sa.Column('responsible', sa.String(length=200), nullable=True),
    sa.Column('partners', sa.String(length=300), nullable=True),
    sa.Column('horizon', sa.String(length=120), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('budget', sa.String(length=120), nullable=True),
    sa.Column('indicator', sa.String(length=300), nullable=True),
    sa.Column('follow_up', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], ),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendations_theme_id'), ['theme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendations_workshop_id'), ['workshop_id'], unique=False)

    op.create_table('item_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('edited_by_user_id', sa.Integer(), nullable=True),
    sa.Column('edited_by_participant_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_participant_id'], ['participants.id'], ),
    sa.ForeignKeyConstraint(['edited_by_user_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('item_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_revisions_item_id'), ['item_id'], unique=False)

    op.create_table('recommendation_items',
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('recommendation_id', 'item_id')
    )
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rapporteur_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_groups_rapporteur_id', 'participants', ['rapporteur_id'], ['id'])

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_before_merge_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('pinned', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('decision', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('decision_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('scribe_participant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('speaker_category', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('speaker_gender', sa.String(length=20), nullable=True))
        batch_op.create_foreign_key('fk_items_scribe_participant_id', 'participants', ['scribe_participant_id'], ['id'])
        batch_op.create_foreign_key('fk_items_parent_before_merge_id', 'items', ['parent_before_merge_id'], ['id'])

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_item_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdraw_client_id', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_votes_participant_client', ['participant_id', 'client_id'])
        batch_op.create_unique_constraint('uq_votes_participant_withdraw', ['participant_id', 'withdraw_client_id'])
        batch_op.create_foreign_key('fk_votes_original_item_id', 'items', ['original_item_id'], ['id'])

    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timer_ends_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('timer_remaining', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('timer_duration', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('workshops', schema=None) as batch_op:
        batch_op.drop_column('timer_duration')
        batch_op.drop_column('timer_remaining')
        batch_op.drop_column('timer_ends_at')

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_constraint('fk_votes_original_item_id', type_='foreignkey')
        batch_op.drop_constraint('uq_votes_participant_withdraw', type_='unique')
        batch_op.drop_constraint('uq_votes_participant_client', type_='unique')
        batch_op.drop_column('withdraw_client_id')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('original_item_id')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('fk_items_parent_before_merge_id', type_='foreignkey')
        batch_op.drop_constraint('fk_items_scribe_participant_id', type_='foreignkey')
        batch_op.drop_column('speaker_gender')
        batch_op.drop_column('speaker_category')
        batch_op.drop_column('scribe_participant_id')
        batch_op.drop_column('decision_reason')
        batch_op.drop_column('decision')
        batch_op.drop_column('pinned')
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('parent_before_merge_id')

    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_constraint('fk_groups_rapporteur_id', type_='foreignkey')
        batch_op.drop_column('rapporteur_id')

    op.drop_table('recommendation_items')
    with op.batch_alter_table('item_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_revisions_item_id'))

    op.drop_table('item_revisions')
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendations_workshop_id'))
        batch_op.drop_index(batch_op.f('ix_recommendations_theme_id'))

    op.drop_table('recommendations')

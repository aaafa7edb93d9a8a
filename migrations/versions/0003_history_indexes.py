"""history: index for keyset pages of the visit history

Revision ID: 0003_history_indexes
Revises: 0002_visits

The visit history orders every visit by (planned_start, id) and pages with a keyset;
without this index the first and last pages of 100,000 visits sort the whole table.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003_history_indexes'
down_revision = '0002_visits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_planned_start_id', ['planned_start', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_planned_start_id')

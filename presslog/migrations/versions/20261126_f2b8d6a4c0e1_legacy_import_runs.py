"""Legacy import runs started from the admin page

Revision ID: f2b8d6a4c0e1
Revises: e7a1c9d3f5b2
Create Date: 2026-11-26 14:15:00

One row per upload of the legacy Orders.csv and Customers.csv on /admin/import: who
started it, its options, status, progress, counts, summary and rejects files. A new
table only: nothing else changes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2b8d6a4c0e1'
down_revision = 'e7a1c9d3f5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_by', sa.String(length=40), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('create_missing_customers', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('rejects_files', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_import_runs_status_known')),
    sa.CheckConstraint('rows_read >= 0 AND rows_total >= 0 AND rejected >= 0', name=op.f('ck_import_runs_counts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index('ix_import_runs_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_import_runs_created_at')

    op.drop_table('import_runs')

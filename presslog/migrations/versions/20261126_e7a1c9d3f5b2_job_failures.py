"""Job failure log

Revision ID: e7a1c9d3f5b2
Revises: d4f6a2b8c1e7
Create Date: 2026-11-26 13:20:00

The worker records each failed run of a background job (Huey's error signal) in
``job_failures``, so the web process can count them for ``/metrics`` and
administrators can see what went wrong. A new table only: nothing else changes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a1c9d3f5b2'
down_revision = 'd4f6a2b8c1e7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_failures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('task', sa.String(length=200), nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('will_retry', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failures'))
    )
    with op.batch_alter_table('job_failures', schema=None) as batch_op:
        batch_op.create_index('ix_job_failures_failed_at', ['failed_at'], unique=False)
        batch_op.create_index('ix_job_failures_task_failed_at', ['task', 'failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('job_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_job_failures_task_failed_at')
        batch_op.drop_index('ix_job_failures_failed_at')

    op.drop_table('job_failures')

"""Accounts and notifications

Revision ID: 83e4f810e485
Revises: f2b8d6a4c0e1
Create Date: 2026-11-26 16:03:09

Users get a theme, an awaiting-approval flag (self-registration) and an invitation
stamp. New tables: notifications (unique per person and event occurrence), order
follows, notification preferences, queued digests, and sent mails (the idempotency record of the
mail job). Existing rows keep working: the new user columns have defaults.
"""
import warnings
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '83e4f810e485'
down_revision = 'f2b8d6a4c0e1'
branch_labels = None
depends_on = None


@contextmanager
def _users_batch():
    """Alter users; SQLite's copy cannot reflect the e-mail expression index (restored
    below), and says so in a warning that would pollute JSON logs."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        with op.batch_alter_table('users', schema=None) as batch_op:
            yield batch_op


def _restore_email_index():
    """SQLite's batch mode copies the users table without its expression index."""
    op.execute("CREATE UNIQUE INDEX IF NOT EXISTS ix_users_email_lower ON users (lower(email))")


def upgrade():
    op.create_table('sent_mails',
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('recipient', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sent_mails'))
    )
    with op.batch_alter_table('sent_mails', schema=None) as batch_op:
        batch_op.create_index('ix_sent_mails_sent_at', ['sent_at'], unique=False)

    op.create_table('notification_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('in_app', sa.Boolean(), nullable=False),
    sa.Column('email', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("email IN ('off', 'immediate', 'digest')", name=op.f('ck_notification_preferences_email_mode_known')),
    sa.CheckConstraint("event IN ('rush_created', 'due_tomorrow', 'overdue', 'shipped', 'status_changed', 'account_changed')", name=op.f('ck_notification_preferences_event_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'event', name=op.f('pk_notification_preferences'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('event_key', sa.String(length=160), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("event IN ('rush_created', 'due_tomorrow', 'overdue', 'shipped', 'status_changed', 'account_changed')", name=op.f('ck_notifications_event_known')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_notifications_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('user_id', 'event_key', name='uq_notifications_user_event')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_order_id', ['order_id'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('digests_queued',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('shop_date', sa.Date(), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_digests_queued_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'shop_date', name=op.f('pk_digests_queued'))
    )
    op.create_table('order_follows',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_follows_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_order_follows_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'order_id', name=op.f('pk_order_follows'))
    )
    with op.batch_alter_table('order_follows', schema=None) as batch_op:
        batch_op.create_index('ix_order_follows_order_id', ['order_id'], unique=False)

    with _users_batch() as batch_op:
        batch_op.add_column(sa.Column('theme', sa.String(length=10), server_default='system', nullable=False))
        batch_op.add_column(sa.Column('awaiting_approval', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_users_theme_known'), "theme IN ('system', 'light', 'dark')"
        )
    _restore_email_index()



def downgrade():
    with _users_batch() as batch_op:
        batch_op.drop_constraint(op.f('ck_users_theme_known'), type_='check')
        batch_op.drop_column('invited_at')
        batch_op.drop_column('awaiting_approval')
        batch_op.drop_column('theme')
    _restore_email_index()

    with op.batch_alter_table('order_follows', schema=None) as batch_op:
        batch_op.drop_index('ix_order_follows_order_id')

    op.drop_table('order_follows')
    op.drop_table('digests_queued')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index('ix_notifications_order_id')

    op.drop_table('notifications')
    op.drop_table('notification_preferences')
    with op.batch_alter_table('sent_mails', schema=None) as batch_op:
        batch_op.drop_index('ix_sent_mails_sent_at')

    op.drop_table('sent_mails')

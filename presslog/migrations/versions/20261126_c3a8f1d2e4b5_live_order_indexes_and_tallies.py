"""Partial indexes for live orders, and order tallies kept by triggers

Revision ID: c3a8f1d2e4b5
Revises: b7d4e2a91c3f
Create Date: 2026-11-26 09:30:00

Lists page through live orders in the order of a date: (date, id) indexes restricted
to live rows answer a page, however deep, from the index alone. ``order_tallies``
holds the number of orders per (in the trash?, status, job type); triggers on
``orders`` keep it exact, so a list's total needs no count over a million rows.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a8f1d2e4b5'
down_revision = 'b7d4e2a91c3f'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')
DELETED = sa.text('deleted_at IS NOT NULL')

SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER order_tallies_insert AFTER INSERT ON orders BEGIN
        INSERT INTO order_tallies (deleted, status, job_type, orders)
        VALUES (new.deleted_at IS NOT NULL, new.status, new.job_type, 1)
        ON CONFLICT (deleted, status, job_type) DO UPDATE SET orders = orders + 1;
    END
    """,
    """
    CREATE TRIGGER order_tallies_delete AFTER DELETE ON orders BEGIN
        UPDATE order_tallies SET orders = orders - 1
        WHERE deleted = (old.deleted_at IS NOT NULL)
          AND status = old.status AND job_type = old.job_type;
    END
    """,
    """
    CREATE TRIGGER order_tallies_update AFTER UPDATE OF status, job_type, deleted_at ON orders
    WHEN old.status IS NOT new.status OR old.job_type IS NOT new.job_type
      OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL)
    BEGIN
        UPDATE order_tallies SET orders = orders - 1
        WHERE deleted = (old.deleted_at IS NOT NULL)
          AND status = old.status AND job_type = old.job_type;
        INSERT INTO order_tallies (deleted, status, job_type, orders)
        VALUES (new.deleted_at IS NOT NULL, new.status, new.job_type, 1)
        ON CONFLICT (deleted, status, job_type) DO UPDATE SET orders = orders + 1;
    END
    """,
)

# One statement-level function for the three events. An update writes only the tallies
# whose number really changed (a title edit touches none), and rows are written in key
# order, so two transactions lock tally rows in the same order and cannot deadlock.
PG_FUNCTION = """
CREATE FUNCTION order_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO order_tallies AS t (deleted, status, job_type, orders)
            SELECT deleted_at IS NOT NULL, status, job_type, count(*) FROM new_rows
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (deleted, status, job_type) DO UPDATE SET orders = t.orders + excluded.orders;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE order_tallies AS t SET orders = t.orders - gone.n
        FROM (SELECT deleted_at IS NOT NULL AS deleted, status, job_type, count(*) AS n
              FROM old_rows GROUP BY 1, 2, 3) AS gone
        WHERE (t.deleted, t.status, t.job_type) = (gone.deleted, gone.status, gone.job_type);
    ELSE
        INSERT INTO order_tallies AS t (deleted, status, job_type, orders)
            SELECT deleted, status, job_type, sum(n) FROM (
                SELECT deleted_at IS NOT NULL AS deleted, status, job_type, 1 AS n FROM new_rows
                UNION ALL
                SELECT deleted_at IS NOT NULL, status, job_type, -1 FROM old_rows
            ) AS moves
            GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (deleted, status, job_type) DO UPDATE SET orders = t.orders + excluded.orders;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_received_on')
        batch_op.drop_index('ix_orders_due_on')
        batch_op.drop_index('ix_orders_shipped_on')
        batch_op.drop_index('ix_orders_status')
        batch_op.create_index('ix_orders_live_received_on', ['received_on', 'id'], unique=False,
                              sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('ix_orders_live_due_on', ['due_on', 'id'], unique=False,
                              sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('ix_orders_live_shipped_on', ['shipped_on', 'id'], unique=False,
                              sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('ix_orders_trash', ['deleted_at'], unique=False,
                              sqlite_where=DELETED, postgresql_where=DELETED)
        batch_op.create_index('ix_orders_status_due_on', ['status', 'due_on'], unique=False)

    op.create_table('order_tallies',
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('job_type', sa.String(length=3), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('deleted', 'status', 'job_type', name=op.f('pk_order_tallies'))
    )
    op.execute(
        "INSERT INTO order_tallies (deleted, status, job_type, orders) "
        "SELECT deleted_at IS NOT NULL, status, job_type, count(*) FROM orders "
        "GROUP BY deleted_at IS NOT NULL, status, job_type"
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER order_tallies_insert AFTER INSERT ON orders "
            "REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION order_tallies_apply()"
        )
        op.execute(
            "CREATE TRIGGER order_tallies_update AFTER UPDATE ON orders "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION order_tallies_apply()"
        )
        op.execute(
            "CREATE TRIGGER order_tallies_delete AFTER DELETE ON orders "
            "REFERENCING OLD TABLE AS old_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION order_tallies_apply()"
        )
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS order_tallies_{event} ON orders')
        op.execute('DROP FUNCTION IF EXISTS order_tallies_apply()')
    else:
        for event in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS order_tallies_{event}')
    op.drop_table('order_tallies')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_status_due_on')
        batch_op.drop_index('ix_orders_trash')
        batch_op.drop_index('ix_orders_live_shipped_on')
        batch_op.drop_index('ix_orders_live_due_on')
        batch_op.drop_index('ix_orders_live_received_on')
        batch_op.create_index('ix_orders_status', ['status'], unique=False)
        batch_op.create_index('ix_orders_shipped_on', ['shipped_on'], unique=False)
        batch_op.create_index('ix_orders_received_on', ['received_on'], unique=False)
        batch_op.create_index('ix_orders_due_on', ['due_on'], unique=False)

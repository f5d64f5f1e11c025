"""PostgreSQL: orders keep their search text, lowercased, to test rows fast

Revision ID: d4f6a2b8c1e7
Revises: c3a8f1d2e4b5
Create Date: 2026-11-26 13:20:00

A search for a common word finds its first page by walking the live orders newest
first and testing each row, rather than gathering every match through the trigram
index (see ``orders.repository._probe``). On PostgreSQL that walk was slow: each row
was read from the table and its search text built and lowercased again for ILIKE.

Here the order's search text (LOG, customer PO, art log, title) is stored once,
lowercased, in a generated column ``search_text``; the trigram GIN index moves onto
it (queried with LIKE on a lowercased pattern: the same rows ILIKE gave); and an index
of live orders by (received_on, id) also carries the customer id and the search text,
so the walk reads the index alone. SQLite is unchanged: its FTS5 tables serve the
search, and rows are tested in place cheaply.

Adding the column rewrites the orders table (about 30 s per million orders).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4f6a2b8c1e7'
down_revision = 'c3a8f1d2e4b5'
branch_labels = None
depends_on = None

ORDER_TEXT = (
    "log || ' ' || coalesce(customer_po, '') || ' ' || coalesce(art_log, '') || ' ' || title"
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_orders_search_trgm')
    op.execute(
        f"ALTER TABLE orders ADD COLUMN search_text text "
        f"GENERATED ALWAYS AS (lower({ORDER_TEXT})) STORED"
    )
    op.execute(
        'CREATE INDEX ix_orders_search_trgm ON orders USING gin (search_text gin_trgm_ops)'
    )
    op.execute(
        'CREATE INDEX ix_orders_live_received_walk ON orders (received_on, id) '
        'INCLUDE (customer_id, search_text) WHERE deleted_at IS NULL'
    )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX IF EXISTS ix_orders_live_received_walk')
    op.execute('DROP INDEX IF EXISTS ix_orders_search_trgm')
    op.execute('ALTER TABLE orders DROP COLUMN IF EXISTS search_text')
    op.execute(
        f"CREATE INDEX ix_orders_search_trgm ON orders USING gin (({ORDER_TEXT}) gin_trgm_ops)"
    )

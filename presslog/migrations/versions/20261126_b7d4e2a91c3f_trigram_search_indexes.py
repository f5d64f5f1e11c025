"""Trigram search indexes for orders and customers

Revision ID: b7d4e2a91c3f
Revises: 5e91f7c88500
Create Date: 2026-11-26 09:40:00

Each order and customer gets a search text: a few fields joined by spaces (for an
order: LOG, customer PO, art log and title; for a customer: code and name). SQLite
keeps it in an FTS5 table with the trigram tokenizer (rowid = the record's id),
filled here and kept in step by triggers; the order's table also holds its customer's
search text, so one lookup answers words about the job and about its customer.
PostgreSQL gets a pg_trgm GIN index on the same expressions.

The SQL is written out here rather than imported, so this revision never changes; the
expressions must stay identical to ORDER_TEXT / CUSTOMER_TEXT in the repositories.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7d4e2a91c3f'
down_revision = '5e91f7c88500'
branch_labels = None
depends_on = None


def order_text(row):
    return (
        f"{row}.log || ' ' || coalesce({row}.customer_po, '') || ' ' || "
        f"coalesce({row}.art_log, '') || ' ' || {row}.title"
    )


def customer_text(row):
    return f"{row}.code || ' ' || {row}.name"


SQLITE = (
    "CREATE VIRTUAL TABLE order_search USING fts5("
    "order_text, customer_text, tokenize='trigram')",
    "CREATE VIRTUAL TABLE customer_search USING fts5(customer_text, tokenize='trigram')",
    # orders
    f"""CREATE TRIGGER order_search_insert AFTER INSERT ON orders BEGIN
        INSERT INTO order_search (rowid, order_text, customer_text)
        SELECT new.id, {order_text('new')}, {customer_text('c')}
        FROM customers AS c WHERE c.id = new.customer_id;
    END""",
    """CREATE TRIGGER order_search_delete AFTER DELETE ON orders BEGIN
        DELETE FROM order_search WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER order_search_update
    AFTER UPDATE OF log, customer_po, art_log, title, customer_id ON orders BEGIN
        UPDATE order_search SET order_text = {order_text('new')},
            customer_text = (SELECT {customer_text('c')} FROM customers AS c
                             WHERE c.id = new.customer_id)
        WHERE rowid = new.id;
    END""",
    # customers
    f"""CREATE TRIGGER customer_search_insert AFTER INSERT ON customers BEGIN
        INSERT INTO customer_search (rowid, customer_text) VALUES (new.id, {customer_text('new')});
    END""",
    """CREATE TRIGGER customer_search_delete AFTER DELETE ON customers BEGIN
        DELETE FROM customer_search WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER customer_search_update AFTER UPDATE OF code, name ON customers BEGIN
        UPDATE customer_search SET customer_text = {customer_text('new')} WHERE rowid = new.id;
        UPDATE order_search SET customer_text = {customer_text('new')}
        WHERE rowid IN (SELECT id FROM orders WHERE customer_id = new.id);
    END""",
    # what is already there
    f"""INSERT INTO customer_search (rowid, customer_text)
        SELECT id, {customer_text('customers')} FROM customers""",
    f"""INSERT INTO order_search (rowid, order_text, customer_text)
        SELECT o.id, {order_text('o')}, {customer_text('c')}
        FROM orders AS o JOIN customers AS c ON c.id = o.customer_id""",
)

SQLITE_TRIGGERS = (
    'order_search_insert', 'order_search_delete', 'order_search_update',
    'customer_search_insert', 'customer_search_delete', 'customer_search_update',
)


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm is a trusted extension: the database owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute(
            f"CREATE INDEX ix_orders_search_trgm ON orders "
            f"USING gin (({order_text('orders')}) gin_trgm_ops)"
        )
        op.execute(
            f"CREATE INDEX ix_customers_search_trgm ON customers "
            f"USING gin (({customer_text('customers')}) gin_trgm_ops)"
        )
    else:
        for statement in SQLITE:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_orders_search_trgm')
        op.execute('DROP INDEX IF EXISTS ix_customers_search_trgm')
        # The pg_trgm extension stays: other objects of the database may use it.
    else:
        for trigger in SQLITE_TRIGGERS:
            op.execute(f'DROP TRIGGER IF EXISTS {trigger}')
        op.execute('DROP TABLE IF EXISTS order_search')
        op.execute('DROP TABLE IF EXISTS customer_search')

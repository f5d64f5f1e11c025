"""docs/schema.md is generated from the models and kept in step with them."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from presslog.schema_doc import DEFAULT_PATH, models_metadata, render

ROOT = Path(__file__).resolve().parents[2]


def _shop_metadata(*, extra_column: bool = False, link: bool = False) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "presses",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
    )
    columns = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ink", sa.String(20), nullable=False),
        sa.Column("cost", sa.Numeric(12, 2)),
    ]
    if extra_column:
        columns.append(sa.Column("pantone", sa.String(12)))
    if link:
        columns.append(sa.Column("press_id", sa.ForeignKey("presses.id"), nullable=True))
    sa.Table("inks", metadata, *columns)
    return metadata


def test_committed_schema_document_matches_the_models() -> None:
    assert DEFAULT_PATH == ROOT / "docs" / "schema.md"
    committed = DEFAULT_PATH.read_text(encoding="utf-8")
    assert committed == render(models_metadata()), (
        "docs/schema.md is out of date: run `presslog schema-doc` and commit the result"
    )


def test_document_covers_every_table_with_keys_and_relationships() -> None:
    metadata = models_metadata()
    text = render(metadata)
    assert "```mermaid\nerDiagram\n" in text
    for table in metadata.tables:
        assert f"    {table} {{\n" in text
        assert f"### {table}\n" in text
    assert "        integer id PK\n" in text
    assert '    customers ||--o{ orders : "customer_id"\n' in text
    assert '    orders ||--o| shipments : "order_id"\n' in text  # one shipment per order
    assert "| `code` | varchar(5) | no | UK |  |" in text  # customers.code is unique


def test_output_is_deterministic() -> None:
    assert render(_shop_metadata(link=True)) == render(_shop_metadata(link=True))


def test_a_model_change_changes_the_diagram() -> None:
    before = render(_shop_metadata())
    with_column = render(_shop_metadata(extra_column=True))
    with_link = render(_shop_metadata(link=True))

    assert before != with_column
    assert "        varchar(12) pantone\n" in with_column
    assert "| `pantone` | varchar(12) | yes |  |  |" in with_column
    assert "pantone" not in before

    assert '    presses |o--o{ inks : "press_id"\n' in with_link
    assert "        integer press_id FK\n" in with_link
    assert "--" not in before.split("```mermaid")[1].split("```")[0]
    # Mermaid types take no comma: numeric(12,2) is shortened in the diagram only.
    assert "        numeric cost\n" in before
    assert "| `cost` | numeric(12,2) | yes |  |  |" in before


def test_check_command_fails_on_a_stale_file_and_passes_after_writing(
    app: Flask, tmp_path: Path
) -> None:
    target = tmp_path / "schema.md"
    runner = app.test_cli_runner()

    missing = runner.invoke(args=["schema-doc", "--check", "--path", str(target)])
    assert missing.exit_code == 1
    assert "is missing" in missing.output

    target.write_text("# stale\n", encoding="utf-8")
    stale = runner.invoke(args=["schema-doc", "--check", "--path", str(target)])
    assert stale.exit_code == 1
    assert stale.output.strip().count("\n") == 0
    assert "does not match the models: run 'presslog schema-doc'" in stale.output

    written = runner.invoke(args=["schema-doc", "--path", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_text(encoding="utf-8") == render(models_metadata())

    fresh = runner.invoke(args=["schema-doc", "--check", "--path", str(target)])
    assert fresh.exit_code == 0, fresh.output
    assert "matches the models" in fresh.output

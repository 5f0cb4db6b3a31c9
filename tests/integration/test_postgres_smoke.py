"""The PostgreSQL the test scripts start is version 15 and keeps what is written to it."""

from __future__ import annotations

import psycopg


def test_server_is_postgresql_15(fresh_postgres_url: str) -> None:
    with psycopg.connect(fresh_postgres_url) as connection:
        row = connection.execute("SELECT version()").fetchone()
    assert row is not None
    assert "PostgreSQL 15" in row[0]


def test_committed_rows_are_read_back_by_a_new_connection(fresh_postgres_url: str) -> None:
    with psycopg.connect(fresh_postgres_url) as connection:
        connection.execute("CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL)")
        connection.execute(
            "INSERT INTO notes (id, body) VALUES (%s, %s), (%s, %s)",
            (1, "delivered", 2, "bounced: 550 mailbox unavailable"),
        )

    with psycopg.connect(fresh_postgres_url) as connection:
        rows = connection.execute("SELECT id, body FROM notes ORDER BY id").fetchall()

    assert rows == [(1, "delivered"), (2, "bounced: 550 mailbox unavailable")]


def test_fresh_database_is_empty_and_separate_from_the_main_one(
    postgres_url: str, fresh_postgres_url: str
) -> None:
    with psycopg.connect(fresh_postgres_url) as connection:
        name_row = connection.execute("SELECT current_database()").fetchone()
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    with psycopg.connect(postgres_url) as connection:
        main_row = connection.execute("SELECT current_database()").fetchone()

    assert name_row is not None
    assert main_row is not None
    assert name_row[0] != main_row[0]
    assert tables == (0,)

"""bench/pg_plans.py's translation of a statement as SQLAlchemy hands it to psycopg into the SQL psycopg
prepares on the server (the text pg_prepared_statements shows, and PREPARE takes)."""

from __future__ import annotations

from bench.pg_plans import positional


def test_named_parameters_become_numbered_once_each_in_order_of_first_use():
    sql = "SELECT a FROM t WHERE b = %(rank)s AND (c > %(rank)s OR d = %(id)s) LIMIT %(limit)s"
    values = {"limit": 50, "id": "cust1", "rank": 2}
    assert positional(sql, values) == (
        "SELECT a FROM t WHERE b = $1 AND (c > $1 OR d = $2) LIMIT $3",
        [2, "cust1", 50],
    )


def test_positional_parameters_are_numbered_and_a_literal_percent_kept():
    sql = "SELECT a FROM t WHERE b LIKE 'x%%' AND c = %s AND d = %s"
    assert positional(sql, ("k", 3)) == (
        "SELECT a FROM t WHERE b LIKE 'x%' AND c = $1 AND d = $2",
        ["k", 3],
    )

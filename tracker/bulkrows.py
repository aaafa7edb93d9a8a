"""Many rows in one statement on PostgreSQL: each column's values go as one array parameter
and unnest() turns them back into rows (e.g. UPDATE ... FROM unnest(...) AS v(...)).

Why: the PostgreSQL driver runs an executemany as one statement execution per row, and a
multi-row VALUES statement is compiled anew for every batch size. With arrays the statement
has one parameter per column, whatever the number of rows. (Measured for the dispatcher's
500 outcomes: about 55 ms, against about 130 ms for a conditional UPDATE then an
executemany.) SQLite's executemany is a loop inside the driver already; callers keep it.
"""

from sqlalchemy import Table
from sqlalchemy.engine import Dialect


def unnest_from(table: Table, names: tuple[str, ...], rows: list[dict], dialect: Dialect,
                alias: str = "v") -> tuple[str, dict]:
    """`unnest(CAST(:v_0 AS type[]), ...) AS alias(names...)` and its parameters: the rows'
    values for each column, bind-processed by the column's type (naive UTC datetimes, JSON)."""
    items, params = [], {}
    for n, name in enumerate(names):
        column = table.c[name]
        process = column.type._cached_bind_processor(dialect)
        values = [row[name] for row in rows]
        params[f"{alias}_{n}"] = [process(v) for v in values] if process else values
        items.append(f"CAST(:{alias}_{n} AS {column.type.compile(dialect=dialect)}[])")
    return f"unnest({', '.join(items)}) AS {alias}({', '.join(names)})", params

"""The index of the inbox entries' message times that each durable store keeps.

Folding every inbox entry's time into memory (moment.py's `MessageTimes`) cost a
process's first as-of ask seconds on a long log, and a CLI process asks only once.
The stores keep an index of each entry's time instead: a partial index on an
expression of the entry's state, created on open if missing (existing stores build it
once), kept by the store on every insert with no code of the writers'. The cut is
then found by a few queries on it (`indexed_cut.py`).

Times are compared as integers of microseconds (SQLite: from the ISO text, whatever its
zone and fraction; PostgreSQL: `timestamptz`). States that are not JSON text (compressed,
encrypted) have no time in the index; those stores keep the in-memory path
(`MessageTimes` is told whether states are plain JSON).
"""

from __future__ import annotations

APPLIED_TOPICS = (
    "services.inbox:AppliedMessage.Applied",
    "services.inbox:RefusedMessage.CorrectionApplied",
)
REFUSED_TOPICS = ("services.inbox:RefusedMessage.Refused", "services.inbox:RefusedMessage.RefusedAgain")
NAMED = 20  # messages named in an answer at most (with how many there are)


def in_list(topics: tuple[str, ...]) -> str:
    return "(" + ",".join(f"'{topic}'" for topic in topics) + ")"


def _sqlite_time(path: str) -> str:
    """Microseconds since 1970 of the state's time at `path`; NULL if none (or the state is not JSON).

    The zone is what follows the seconds and their fraction; SQLite reads the seconds with the
    zone, the fraction's digits are added as microseconds (its own date functions keep
    milliseconds only).
    """
    state = "CAST(state AS TEXT)"
    x = f"(CASE WHEN json_valid({state}) THEN json_extract({state}, '{path}') END)"
    zone = f"ltrim(substr({x}, 20), '.0123456789')"
    digits = f"substr({x}, 21, max(0, length({x}) - 20 - length({zone})))"
    return (
        f"(CAST(strftime('%s', substr({x}, 1, 19) || {zone}) AS INTEGER) * 1000000"
        f" + CAST(substr({digits} || '000000', 1, 6) AS INTEGER))"
    )


SQLITE_APPLIED_AT = _sqlite_time("$.content.occurred_at")
SQLITE_REFUSED_AT = _sqlite_time("$.occurred_at")


def sqlite_statements(table: str) -> list[str]:
    """The indexes a SQLite store keeps (IF NOT EXISTS: run on every open, built once)."""
    return [
        f"CREATE INDEX IF NOT EXISTS {table}_applied_at ON {table} ({SQLITE_APPLIED_AT})"
        f" WHERE topic IN {in_list(APPLIED_TOPICS)}",
        f"CREATE INDEX IF NOT EXISTS {table}_refused_at ON {table} ({SQLITE_REFUSED_AT})"
        f" WHERE topic IN {in_list(REFUSED_TOPICS)}",
    ]


# PostgreSQL: an index expression must be immutable; reading a time with its zone from
# JSON is, though `convert_from` and the cast are declared stable (they depend on settings
# only for texts without a zone). A state that is not JSON, or a time not readable, is NULL
# (its exception block is a subtransaction: not parallel safe).
POSTGRES_FUNCTION = """CREATE OR REPLACE FUNCTION {schema}.antrian_message_time(state bytea, path text[])
RETURNS timestamptz LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN (convert_from(state, 'UTF8')::jsonb #>> path)::timestamptz;
EXCEPTION WHEN OTHERS THEN
  RETURN NULL;
END $$"""
POSTGRES_APPLIED_AT = "{schema}.antrian_message_time(state, ARRAY['content', 'occurred_at'])"
POSTGRES_REFUSED_AT = "{schema}.antrian_message_time(state, ARRAY['occurred_at'])"


def postgres_statements(schema: str, table: str) -> list[str]:
    """The function and indexes a PostgreSQL store keeps (identifiers quoted by the caller)."""
    return [
        POSTGRES_FUNCTION.format(schema=schema),
        f"CREATE INDEX IF NOT EXISTS {index_name(table, 'applied_at')} ON {schema}.{table}"
        f" ({POSTGRES_APPLIED_AT.format(schema=schema)}) WHERE topic IN {in_list(APPLIED_TOPICS)}",
        f"CREATE INDEX IF NOT EXISTS {index_name(table, 'refused_at')} ON {schema}.{table}"
        f" ({POSTGRES_REFUSED_AT.format(schema=schema)}) WHERE topic IN {in_list(REFUSED_TOPICS)}",
    ]


def index_name(table: str, suffix: str) -> str:
    """`"stored_events"` and `applied_at` -> `"stored_events_applied_at"`."""
    return f'"{table.strip(chr(34))}_{suffix}"'

"""Copy the bench catalog from its Postgres database into an SQLite file that `ai-tracker
migrate` has made, so the same queries can be served by the embedded default (run.sh --sqlite).

    python3 bench/lib/to_sqlite.py PG_DATABASE SQLITE_FILE

Every table both databases have is copied whole, rows in id order, in the stored forms the
service writes on SQLite: booleans as 0/1, timestamps as RFC 3339 text, JSON as its text.
The generator writes Postgres's COPY format only, so this is its SQLite side; standard library
only, psql for the reading (PGHOST/PGPORT/PGUSER as run.sh sets them).
"""
import csv
import io
import sqlite3
import subprocess
import sys
from datetime import datetime

NULL = "\\N"


def psql(db, sql):
    return subprocess.run(["psql", "-X", "-q", "-d", db, "-c", sql], check=True, capture_output=True, text=True).stdout


def column_types(db, table):
    out = psql(db, f"COPY (SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' "
               f"AND table_name = '{table}' ORDER BY ordinal_position) TO STDOUT")
    return [tuple(line.split("\t")) for line in out.splitlines()]


def convert(value, data_type):
    if value == NULL:
        return None
    if data_type == "boolean":
        return 1 if value == "t" else 0
    if data_type == "timestamp with time zone":
        # Postgres writes "2026-01-02 03:04:05.123456+00"; the service's SQLite text is RFC 3339.
        text = value + ":00" if value[-3] in "+-" else value
        return datetime.fromisoformat(text).isoformat()
    if data_type in ("integer", "bigint"):
        return int(value)
    if data_type == "double precision":
        return float(value)
    return value


def main(pg_db, sqlite_file):
    target = sqlite3.connect(sqlite_file)
    target.execute("PRAGMA foreign_keys = OFF")
    tables = [r[0] for r in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
              if r[0] not in ("seaql_migrations", "sqlite_sequence")]
    for table in tables:
        types = column_types(pg_db, table)
        if not types:
            continue
        names = [name for name, _ in types]
        order = "ORDER BY id" if "id" in names else ""
        out = psql(pg_db, f"COPY (SELECT {', '.join(names)} FROM {table} {order}) TO STDOUT WITH (FORMAT csv, NULL '{NULL}')")
        rows = [[convert(v, t) for v, (_, t) in zip(row, types)] for row in csv.reader(io.StringIO(out))]
        target.execute(f"DELETE FROM {table}")
        target.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", rows)
        print(f"{table}: {len(rows)} rows", file=sys.stderr)
    target.commit()
    target.execute("ANALYZE")
    target.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

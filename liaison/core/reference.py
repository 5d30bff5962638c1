"""Reference data kept in each web process while it stands unchanged.

Submitting a concern reads the same reference data every time: the organisation it is about with its
ICB's clock policy, the Code of Conduct in force there, the ICB's routing rules, and who responds for
an organisation (its members and its who's-who contacts, with their users and notification
preferences). Read through the ORM that
was most of a submission's work, though the data changes a few times a day at most.

So those reads are kept in the process, keyed by a **generation token** that the database itself
changes on every write to the tables they come from: a trigger on each table (``COVERED``) sets
a new random token in ``liaison_reference_generation`` in the same transaction as the write. A
reader reads the token first (one primary-key read), then uses what it kept under that token or reads
afresh and keeps it. So:

- a change is seen by every process as soon as it commits, whoever made it: a service, the admin, an
  import, a data fix in ``psql`` (no code path can forget to say that it changed something);
- what is kept under a token was read when the token was current or later, never earlier, so
  nothing older than the token is ever served;
- with no token row (a fresh or flushed database) nothing is kept and everything is read afresh.

The triggers are (re)made after every ``migrate`` (``install_triggers``, from ``CoreConfig``):
SQLite drops a table's triggers when a migration rebuilds the table, so a trigger made once by a
migration could silently go. ``liaison/core/tests/test_reference.py`` writes every covered table
and checks that the token moves, on both databases. Clinical safety: H-10 (a concern is misrouted).
"""

import threading
import uuid
from collections.abc import Callable, Hashable

from django.db import DEFAULT_DB_ALIAS, connections

TABLE = "liaison_reference_generation"
ROUTING = "routing"

# What routing and submission keep: {table: columns whose change matters, or None for any column}.
# accounts_user: not last_login or password, which change on every sign-in.
COVERED: dict[str, tuple[str, ...] | None] = {
    "directory_organisation": None,
    "directory_place": None,
    "directory_specialty": None,
    "directory_organisationservice": None,
    "directory_contact": None,
    "standards_standard": None,
    "standards_standardtimelimit": None,
    "standards_codeofconduct": None,
    "standards_codeofconductversion": None,
    "standards_codestandard": None,
    "routing_routingrule": None,
    "routing_clockpolicy": None,
    "accounts_membership": None,
    "accounts_user": ("username", "first_name", "last_name", "email", "is_active", "job_title"),
    "notifications_notificationpreference": None,
}


def token(name: str = ROUTING, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The current generation token, or None when there is none (then keep nothing)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE name = %s", [name])  # noqa: S608 (a constant)
        row = cursor.fetchone()
    return row[0] if row else None


_MISSING = object()


class Kept:
    """Values read from reference data, kept in this process under the token they were read at.

    Entries are keyed by (token, key), so an entry kept under an older token is never returned, even
    by a thread that kept it late; when ``limit`` entries are held they are all dropped. Keep
    finished objects only (related objects already fetched): callers share them and must not change
    them.
    """

    def __init__(self, limit: int = 4096):
        self.limit = limit
        self._entries: dict[tuple[str, Hashable], object] = {}
        self._token: str | None = None  # the token of the entries held (older ones are dropped)
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], object], *, token: str | None):
        if token is None:
            return load()
        value = self._entries.get((token, key), _MISSING)
        if value is _MISSING:
            value = load()
            with self._lock:
                if token != self._token or len(self._entries) >= self.limit:
                    self._entries.clear()
                    self._token = token
                self._entries[(token, key)] = value
        return value


# --- The triggers ----------------------------------------------------------------------------------


def _postgresql_statements(name: str, tables: list[str]) -> list[str]:
    statements = [
        f"""
        CREATE OR REPLACE FUNCTION liaison_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {TABLE} (name, token)
            VALUES (TG_ARGV[0], replace(gen_random_uuid()::text, '-', ''))
            ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
            RETURN NULL;
        END $$
        """  # noqa: S608 (constants only)
    ]
    for table in tables:
        columns = COVERED[table]
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        statements += [
            f"DROP TRIGGER IF EXISTS liaison_reference_changed ON {table}",
            f"CREATE TRIGGER liaison_reference_changed AFTER INSERT OR {update} OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION liaison_reference_changed('{name}')",
        ]
    return statements


def _sqlite_statements(name: str, tables: list[str]) -> list[str]:
    change = (  # constants only
        f"INSERT INTO {TABLE} (name, token) VALUES ('{name}', lower(hex(randomblob(16)))) "  # noqa: S608
        "ON CONFLICT (name) DO UPDATE SET token = excluded.token"
    )
    statements = []
    for table in tables:
        columns = COVERED[table]
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        for suffix, event in (("insert", "INSERT"), ("update", update), ("delete", "DELETE")):
            trigger = f"liaison_reference_{table}_{suffix}"
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger}",
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW BEGIN {change}; END",
            ]
    return statements


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> None:
    """Make (or remake) every covered table's trigger, and a first token. Idempotent.

    Runs after every ``migrate`` and ``flush``. The first token is random too: a flushed database
    must never come back with a token that a process kept other data under.
    """
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if TABLE not in existing:
        return  # migrated back before the table: nothing to keep, nothing to trigger
    tables = [table for table in COVERED if table in existing]
    if connection.vendor == "postgresql":
        statements = _postgresql_statements(ROUTING, tables)
    elif connection.vendor == "sqlite":
        statements = _sqlite_statements(ROUTING, tables)
    else:
        raise NotImplementedError(f"Liaison runs on PostgreSQL or SQLite, not {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(
            f"INSERT INTO {TABLE} (name, token) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",  # noqa: S608
            [ROUTING, uuid.uuid4().hex],
        )


def triggers_named(prefix: str, using: str = DEFAULT_DB_ALIAS) -> set[tuple[str, str]]:
    """The (trigger, table) pairs whose trigger's name starts with ``prefix``, on either database."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT trigger_name, event_object_table FROM information_schema.triggers "
                "WHERE starts_with(trigger_name, %s)",
                [prefix],
            )
        else:
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, %s) = %s",
                [len(prefix), prefix],
            )
        return {(name, table) for name, table in cursor.fetchall()}


def installed_everywhere(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The covered tables that have no trigger (empty when all is well): for tests and checks."""
    found = {table for _, table in triggers_named("liaison_reference_", using)}
    return sorted(set(COVERED) - found)

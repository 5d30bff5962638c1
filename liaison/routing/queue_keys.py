"""Each assignment carries its concern's place in the queues, kept by the database.

An inbox is the active assignments of an organisation (or a person), overdue first, then the soonest
due, then the oldest. Those keys live on the concern (open or closed, when reported) and on its clock
(overdue, due date). Reading them through the concern and the clock costs two index probes for every
concern in the queue, about 35 ms for a trust with ten thousand open concerns, before one row is shown.

So every assignment row holds a copy (``Assignment.queue_open``, ``queue_overdue``, ``queue_due_on``,
``queue_submitted_at``) and the index ``assignment_queue_by_org`` keeps an organisation's active
assignments in list order: a page is a short index range, a count an index-only scan.

The copies are written only by the triggers below, never by Liaison's code, so no write path can
leave them stale: not a service, not a bulk ``update()``, not a data fix in ``psql``.

- an assignment being stored or changed takes its keys from its concern and the concern's clock
  (whatever the statement itself wrote to them is replaced);
- a change to a concern's status or time reported, or to its clock (inserted, changed, deleted),
  re-derives the keys of that concern's assignments.

They are (re)made after every ``migrate`` and ``flush`` (``post_migrate``), as SQLite drops a table's
triggers when a migration rebuilds it. ``liaison.routing.tests.test_queue_keys`` checks every path
on both databases, and that the queues read through these keys list exactly what the concerns and
clocks say.
"""

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from liaison.concerns.models import OPEN_STATUSES

ASSIGNMENT, CONCERN, CLOCK = "routing_assignment", "concerns_concern", "routing_concernclock"
OPEN_SQL = ", ".join(f"'{status.value}'" for status in OPEN_STATUSES)  # constants only


def _derived(concern_id: str, *, true: str, false: str) -> dict[str, str]:
    """The four keys of an assignment of concern ``concern_id`` (an SQL expression), as SQL."""
    return {
        "queue_open": (
            f"COALESCE((SELECT c.status IN ({OPEN_SQL}) FROM {CONCERN} c WHERE c.id = {concern_id}), {true})"
        ),
        "queue_submitted_at": f"(SELECT c.submitted_at FROM {CONCERN} c WHERE c.id = {concern_id})",
        "queue_overdue": (
            f"COALESCE((SELECT k.queue_overdue FROM {CLOCK} k WHERE k.concern_id = {concern_id}), {false})"
        ),
        "queue_due_on": f"(SELECT k.queue_due_on FROM {CLOCK} k WHERE k.concern_id = {concern_id})",
    }


TRIGGERS = {
    "postgresql": [
        "liaison_queue_keys_assignment",
        "liaison_queue_keys_concern",
        "liaison_queue_keys_clock",
        "liaison_queue_keys_clock_update",
    ],
    "sqlite": [
        "liaison_queue_keys_assignment_insert",
        "liaison_queue_keys_assignment_update",
        "liaison_queue_keys_concern",
        "liaison_queue_keys_clock_insert",
        "liaison_queue_keys_clock_update",
        "liaison_queue_keys_clock_delete",
    ],
}


def _postgresql_statements() -> list[str]:
    touch = f"UPDATE {ASSIGNMENT} SET queue_open = queue_open WHERE concern_id = %s"  # re-derived on update
    return [
        # One read of the concern and one of its clock (none yet: not overdue, no due date).
        f"""
        CREATE OR REPLACE FUNCTION liaison_queue_keys_fill() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            is_open boolean;
            reported timestamptz;
            overdue boolean;
            due date;
        BEGIN
            SELECT c.status IN ({OPEN_SQL}), c.submitted_at INTO is_open, reported
                FROM {CONCERN} c WHERE c.id = NEW.concern_id;
            SELECT k.queue_overdue, k.queue_due_on INTO overdue, due
                FROM {CLOCK} k WHERE k.concern_id = NEW.concern_id;
            NEW.queue_open := COALESCE(is_open, true);
            NEW.queue_submitted_at := reported;
            NEW.queue_overdue := COALESCE(overdue, false);
            NEW.queue_due_on := due;
            RETURN NEW;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION liaison_queue_keys_touch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = '{CONCERN}' THEN
                {touch % "NEW.id"};
            ELSIF TG_OP = 'DELETE' THEN
                {touch % "OLD.concern_id"};
            ELSE
                {touch % "NEW.concern_id"};
                IF TG_OP = 'UPDATE' AND OLD.concern_id <> NEW.concern_id THEN
                    {touch % "OLD.concern_id"};
                END IF;
            END IF;
            RETURN NULL;
        END $$
        """,
        f"DROP TRIGGER IF EXISTS liaison_queue_keys_assignment ON {ASSIGNMENT}",
        f"CREATE TRIGGER liaison_queue_keys_assignment BEFORE INSERT OR UPDATE ON {ASSIGNMENT} "
        "FOR EACH ROW EXECUTE FUNCTION liaison_queue_keys_fill()",
        f"DROP TRIGGER IF EXISTS liaison_queue_keys_concern ON {CONCERN}",
        f"CREATE TRIGGER liaison_queue_keys_concern AFTER UPDATE OF status, submitted_at ON {CONCERN} "
        "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.submitted_at IS DISTINCT FROM "
        "NEW.submitted_at) EXECUTE FUNCTION liaison_queue_keys_touch()",
        f"DROP TRIGGER IF EXISTS liaison_queue_keys_clock ON {CLOCK}",
        f"CREATE TRIGGER liaison_queue_keys_clock AFTER INSERT OR DELETE ON {CLOCK} "
        "FOR EACH ROW EXECUTE FUNCTION liaison_queue_keys_touch()",
        f"DROP TRIGGER IF EXISTS liaison_queue_keys_clock_update ON {CLOCK}",
        # The clock's keys are generated columns: a column list cannot name them, the condition can.
        f"CREATE TRIGGER liaison_queue_keys_clock_update AFTER UPDATE ON {CLOCK} FOR EACH ROW "
        "WHEN (OLD.queue_overdue IS DISTINCT FROM NEW.queue_overdue OR OLD.queue_due_on IS DISTINCT FROM "
        "NEW.queue_due_on OR OLD.concern_id IS DISTINCT FROM NEW.concern_id) "
        "EXECUTE FUNCTION liaison_queue_keys_touch()",
    ]


def _sqlite_statements() -> list[str]:
    def set_keys(concern_id: str) -> str:
        keys = _derived(concern_id, true="1", false="0")
        return ", ".join(f"{name} = {value}" for name, value in keys.items())

    own = f"UPDATE {ASSIGNMENT} SET {set_keys('NEW.concern_id')} WHERE id = NEW.id"
    of_concern = f"UPDATE {ASSIGNMENT} SET {set_keys('{concern}')} WHERE concern_id = {{concern}}"
    definitions = {
        # SQLite runs no trigger from within itself (recursive_triggers is off), so the assignment's
        # own update of its keys does not set it off again.
        "liaison_queue_keys_assignment_insert": (f"AFTER INSERT ON {ASSIGNMENT}", own),
        "liaison_queue_keys_assignment_update": (f"AFTER UPDATE ON {ASSIGNMENT}", own),
        "liaison_queue_keys_concern": (
            f"AFTER UPDATE OF status, submitted_at ON {CONCERN}",
            of_concern.format(concern="NEW.id"),
        ),
        "liaison_queue_keys_clock_insert": (
            f"AFTER INSERT ON {CLOCK}",
            of_concern.format(concern="NEW.concern_id"),
        ),
        "liaison_queue_keys_clock_update": (
            f"AFTER UPDATE ON {CLOCK}",
            f"{of_concern.format(concern='NEW.concern_id')}; {of_concern.format(concern='OLD.concern_id')}",
        ),
        "liaison_queue_keys_clock_delete": (
            f"AFTER DELETE ON {CLOCK}",
            of_concern.format(concern="OLD.concern_id"),
        ),
    }
    statements = []
    for name, (event, body) in definitions.items():
        statements += [
            f"DROP TRIGGER IF EXISTS {name}",
            f"CREATE TRIGGER {name} {event} FOR EACH ROW BEGIN {body}; END",
        ]
    return statements


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> None:
    """Make (or remake) the triggers that keep the assignments' queue keys. Idempotent."""
    connection = connections[using]
    existing = set(connection.introspection.table_names())
    if not {ASSIGNMENT, CONCERN, CLOCK} <= existing:
        return
    with connection.cursor() as cursor:
        columns = {
            column.name for column in connection.introspection.get_table_description(cursor, ASSIGNMENT)
        }
    if connection.vendor not in TRIGGERS:
        raise NotImplementedError(f"Liaison runs on PostgreSQL or SQLite, not {connection.vendor}")
    if "queue_open" not in columns:
        # Migrated back before the keys: triggers left behind would write to columns that are gone.
        statements = _drop_statements(connection.vendor)
    elif connection.vendor == "postgresql":
        statements = _postgresql_statements()
    else:
        statements = _sqlite_statements()
    # All or nothing, so that no write slips between a trigger's drop and its making again.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _drop_statements(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS[vendor]]
    tables = {"assignment": ASSIGNMENT, "concern": CONCERN, "clock": CLOCK, "clock_update": CLOCK}
    return [
        f"DROP TRIGGER IF EXISTS {name} ON {tables[name.removeprefix('liaison_queue_keys_')]}"
        for name in TRIGGERS[vendor]
    ] + [
        "DROP FUNCTION IF EXISTS liaison_queue_keys_fill()",
        "DROP FUNCTION IF EXISTS liaison_queue_keys_touch()",
    ]


def refill(using: str = DEFAULT_DB_ALIAS) -> int:
    """Derive every assignment's keys afresh (after a load made with triggers off); the number of
    assignments whose keys were wrong. One statement: it takes a few seconds a million rows."""
    connection = connections[using]
    true, false = ("true", "false") if connection.vendor == "postgresql" else ("1", "0")
    keys = _derived(f"{ASSIGNMENT}.concern_id", true=true, false=false)
    current = ", ".join(keys)
    derived = ", ".join(keys.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ASSIGNMENT} SET ({current}) = ({derived}) WHERE ({current}) IS NOT ({derived})"
            if connection.vendor == "sqlite"
            else f"UPDATE {ASSIGNMENT} SET ({current}) = ROW({derived}) "
            f"WHERE ({current}) IS DISTINCT FROM ({derived})"
        )
        return cursor.rowcount


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The queue-key triggers that are not there (empty when all is well): for tests and checks."""
    from liaison.core.reference import triggers_named

    found = {name for name, _ in triggers_named("liaison_queue_keys_", using)}
    return sorted(set(TRIGGERS[connections[using].vendor]) - found)

"""New rows of one model in one INSERT, with its SQL text built once per process.

Why: submitting a concern makes about ten INSERTs (the concern, its standards and first occurrence,
events, the routing decision and its rules, assignments, the clock, audit events, notifications and
queued tasks). Through ``Model.objects.create()`` or ``bulk_create()`` Django builds each INSERT's
SQL afresh: measured on PostgreSQL in one transaction, a one-row ``bulk_create`` of a ``Concern``
costs 0.160 ms of Python CPU, and the same INSERT with its SQL built once and its parameters
prepared by each field's own ``get_db_prep_save()`` costs 0.101 ms. The submit benchmark
(bench/submit.py) counts every fraction of a millisecond.

What ``insert_new(objs, using=...)`` does: stores new (unsaved) instances of ONE model in one INSERT,
as ``Model.objects.bulk_create(objs)`` would: the same columns (every concrete field except an
auto-increment primary key and ``GeneratedField``s; a non-auto primary key such as a UUID is
inserted, filled from its default first), the same values (``field.pre_save(obj, True)``, so
``auto_now``/``auto_now_add`` are filled as Django fills them, then
``field.get_db_prep_save(value, connection)``), ``RETURNING`` the model's
``_meta.db_returning_fields`` (the auto pk and generated columns) converted with the converters
Django's compiler applies, set on the instances in ``VALUES`` order, and ``_state.adding = False``,
``_state.db = using``. The SQL text is kept per (database alias, model, number of rows), so it is
built once for each row count actually used; at most ``MAX_ROWS`` rows go through the kept SQL.

What it does not do, and what happens instead:

- It sends no signals (no ``pre_save``/``post_save``), exactly like ``bulk_create``, and it does
  not call ``save()``; a model's own ``save()`` override is not run.
- It refuses (``ValueError`` naming the problem) instances of more than one model, instances
  already saved (loaded from the database, or stored before), rows of which only some bring an
  auto primary key (all or none may: an id taken beforehand with ``next_id_later``), and a value
  that is an expression (``F()``, ``Now()``, ``DatabaseDefault``...): use ``bulk_create`` (or
  ``save()``) for those. Like ``bulk_create`` it refuses multi-table inherited models and an
  unsaved related instance, and links a related instance saved after it was assigned.
- It hands the rows to ``bulk_create`` unchanged when the backend cannot return rows from a bulk
  insert, when there are more rows than ``MAX_ROWS`` or than the backend takes in one statement,
  for a composite primary key, a model with no column to insert, or a field with its own
  placeholder SQL (``get_placeholder``, such as geometry fields).
- No ``ON CONFLICT`` options and no ``batch_size``.
- The SQL text is not Django's for several rows on PostgreSQL (Django 5.2 sends
  ``INSERT ... SELECT * FROM UNNEST(...)``; this sends ``VALUES (...), (...)``, one statement per
  row count); the rows stored and the values returned are the same.
- Returned values go through the converters every call only where the backend has any for a
  returned column (SQLite's date and boolean converters for a clock's generated columns); on
  PostgreSQL none of Liaison's models needs one.

Like ``bulk_create``, a failed INSERT inside ``transaction.atomic()`` marks that block for rollback.
The kept SQL lives in a plain dict: two threads building the same entry at once is harmless.
"""

import datetime
import decimal
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import AutoField, CompositePrimaryKey, Model

__all__ = ["insert_new", "next_id_later", "pipelined", "MAX_ROWS"]

# More rows than this go through bulk_create: the kept SQL stays small, and so does the cache.
MAX_ROWS = 100

# Types no expression can be: a value of one of these needs no resolve_expression check.
_PLAIN_TYPES = frozenset(
    {
        str,
        int,
        bool,
        float,
        type(None),
        datetime.datetime,
        datetime.date,
        datetime.time,
        datetime.timedelta,
        uuid.UUID,
        decimal.Decimal,
        dict,
        list,
    }
)


class _Plan:
    """What an INSERT of ``rows`` rows of one model into one database needs, built once."""

    __slots__ = (
        "sql",
        "fields",
        "returning",
        "returning_attnames",
        "cols",
        "converts",
        "passes",
        "auto_pk",
        "pk_attname",
        "pk",
    )


# (alias, model, rows) -> _Plan, or None for "hand these to bulk_create".
_plans: dict[tuple[str, type, int, bool], "_Plan | None"] = {}


def insert_new(
    objs: Sequence[Model], *, using: str = DEFAULT_DB_ALIAS, returning: bool = True
) -> list[Model]:
    """Store new instances of one model in one INSERT, as ``bulk_create`` would; return them as a list.

    The instances get their primary key and generated fields from the database, ``_state.adding``
    False and ``_state.db`` ``using``. No signals are sent. See the module docstring for what is
    refused and what is handed to ``bulk_create``.

    ``returning=False``: for rows the caller will not touch again (an event, an audit row). The
    INSERT asks for nothing back, so nothing waits for it: inside ``pipelined()`` it travels to
    PostgreSQL with the statements around it. The instances are left as they were: an auto primary
    key stays None, and they must not be saved again.
    """
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    rows = len(objs)
    # An auto primary key is either left to the database for every row or given for every row (an
    # id taken from the sequence beforehand: next_id_later()).
    given = objs[0].pk is not None
    key = (using, model, rows, returning, given)
    plan = _plans.get(key, False) if rows <= MAX_ROWS else None
    if plan is False:
        plan = _plans[key] = _build_plan(using, model, objs, returning, given)
    if plan is None:
        _refuse_mixed(model, objs)
        for obj in objs:
            if not obj._state.adding:
                _refuse_saved(model, obj)
        return model._default_manager.db_manager(using).bulk_create(objs)

    connection = connections[using]
    fields = plan.fields
    auto_pk = plan.auto_pk
    pk_attname = plan.pk_attname
    plain = _PLAIN_TYPES
    params = []
    append = params.append
    for obj in objs:
        if type(obj) is not model:
            _refuse_mixed(model, objs)
        state = obj._state
        if not state.adding:
            _refuse_saved(model, obj)
        if auto_pk and (getattr(obj, pk_attname) is not None) is not given:
            raise ValueError(
                f"insert_new() stores {model.__name__} rows whose ids are all given or all left to the "
                "database, not some of each: call it once for each kind."
            )
        if not auto_pk and getattr(obj, pk_attname) is None:
            setattr(obj, pk_attname, plan.pk.get_pk_value_on_save(obj))
        if state.fields_cache:
            # A related instance is cached: check it is saved and copy its pk, as bulk_create does.
            obj._prepare_related_fields_for_save(operation_name="insert_new")
        for field, passes in zip(fields, plan.passes, strict=True):
            value = field.pre_save(obj, True)
            if type(value) in passes:
                append(value)  # what get_db_prep_save would give back unchanged
                continue
            if type(value) not in plain and hasattr(value, "resolve_expression"):
                raise ValueError(
                    f"insert_new() cannot store the expression {value!r} in {model.__name__}.{field.name}: "
                    "use bulk_create() for rows with expressions or database defaults."
                )
            append(field.get_db_prep_save(value, connection))

    held = getattr(connection, _HELD, None)
    if held is not None and not plan.returning:
        # Inside pipelined(): nothing comes back, so the INSERT waits to go with the next statement.
        held.append((plan.sql, params))
        returned = None
    else:
        returned = _execute(connection, plan, params)

    if not returning:
        return objs
    if returned is not None:
        if plan.converts:
            returned = _convert(returned, plan.cols, connection)
        attnames = plan.returning_attnames
        for obj, values in zip(objs, returned, strict=True):
            for attname, value in zip(attnames, values, strict=True):
                setattr(obj, attname, value)
    for obj in objs:
        state = obj._state
        state.adding = False
        state.db = using
    return objs


def _execute(connection, plan: "_Plan", params: list) -> list | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            return cursor.fetchall() if plan.returning else None
    except Exception:
        # bulk_create runs its insert in atomic(savepoint=False): a failure marks the enclosing
        # block for rollback, so a caller cannot carry on in a broken transaction by mistake.
        if connection.in_atomic_block:
            connection.needs_rollback = True
        raise


def next_id_later(model: type[Model], using: str = DEFAULT_DB_ALIAS):
    """Inside ``pipelined()``: ask PostgreSQL now for the next id of ``model``'s auto primary key,
    without waiting for the answer. Returns a function that gives the id; call it after the next
    statement whose answer is read (a RETURNING insert), which brings this answer with its own, so
    the id costs no round trip of its own. A row stored with that id (``insert_new`` with the id
    set) then asks for nothing back and goes with the rest of the change. Outside ``pipelined()``
    (SQLite, or no transaction) it asks nothing and returns None: store the row without an id.

    The id comes from the same sequence the database would use, so ids stay unique whichever way a
    row was stored; an id taken by a change that then fails is skipped, as any rolled-back insert's.
    """
    connection = connections[using]
    if getattr(connection, _HELD, None) is None:
        return None
    opts = model._meta
    if not isinstance(opts.pk, AutoField):
        raise ValueError(f"next_id_later() is for auto primary keys; {model.__name__} has {opts.pk!r}")
    cursor = connection.cursor()
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [opts.db_table, opts.pk.column])

    def read() -> int:
        try:
            return cursor.fetchone()[0]
        finally:
            cursor.close()

    return read


@contextmanager
def pipelined(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Inside a transaction on PostgreSQL, send statements without waiting for each answer.

    psycopg's pipeline mode: a statement whose result nobody reads (``insert_new(...,
    returning=False)``) is queued and travels with the next one that is read, or when the block
    ends, so a submission's dozen INSERTs take a few round trips instead of one each (measured in
    one process: 0.79 ms of waiting for six INSERTs became 0.53 ms, and less CPU on both sides).

    Such an INSERT is not even handed to psycopg at once: it is held until the next statement of
    any kind is about to run on the connection (a Django execute wrapper sends the held ones first,
    in order), or until the block ends. The statements therefore reach PostgreSQL in the order the
    code made them, but in bursts, so the server wakes once per burst instead of once per INSERT,
    while Python builds the next rows. (Each wake-up is a context switch and a socket read: ``perf``
    on a backend serving submissions put about 40 % of its CPU in the kernel's socket reads, sends
    and context switches, and ``strace`` counted 15.6 waits per submission before, 4 after.)

    An error in any of them is raised by the next read or when the block ends, and the enclosing
    ``transaction.atomic()`` rolls everything back as it would have. Elsewhere (SQLite, or outside
    a transaction) it does nothing, and every INSERT runs at once.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or not connection.in_atomic_block or hasattr(connection, _HELD):
        yield
        return
    connection.ensure_connection()
    held = _Held(connection)
    setattr(connection, _HELD, held)
    try:
        # An error read when the pipeline ends comes from psycopg itself: translate it into Django's
        # (IntegrityError and the rest), as every other statement's error is.
        with (
            connection.wrap_database_errors,
            connection.connection.pipeline(),
            connection.execute_wrapper(held.send_first),
        ):
            yield
            held.send()
    finally:
        delattr(connection, _HELD)


# The attribute of a connection (a DatabaseWrapper, one per thread) holding pipelined()'s INSERTs.
_HELD = "_liaison_held_inserts"


class _Held(list):
    """INSERTs (sql, params) waiting to go to PostgreSQL with the next statement."""

    def __init__(self, connection):
        super().__init__()
        self.connection = connection
        self.sending = False

    def send(self) -> None:
        if not self or self.sending:
            return
        waiting = list(self)
        self.clear()
        self.sending = True
        try:
            with self.connection.cursor() as cursor:
                for sql, params in waiting:
                    cursor.execute(sql, params)
        except Exception:
            if self.connection.in_atomic_block:
                self.connection.needs_rollback = True
            raise
        finally:
            self.sending = False

    def send_first(self, execute, sql, params, many, context):
        """Django execute wrapper: the held INSERTs go before any other statement."""
        self.send()
        return execute(sql, params, many, context)


def _refuse_mixed(model: type, objs: list) -> None:
    others = sorted({type(obj).__name__ for obj in objs if type(obj) is not model})
    if others:
        raise ValueError(
            f"insert_new() stores instances of one model at a time: got {model.__name__} and "
            f"{', '.join(others)}. Call it once per model."
        )


def _refuse_saved(model: type, obj) -> None:
    raise ValueError(
        f"insert_new() stores new rows only: {model.__name__} {obj.pk!r} is already saved "
        "(it was loaded from the database or stored before); save() it or use update()."
    )


def _build_plan(
    using: str, model: type, objs: list, returning_wanted: bool = True, given_pk: bool = False
) -> "_Plan | None":
    """The SQL and fields for ``len(objs)`` rows of ``model``; None when bulk_create must do it."""
    opts = model._meta
    for parent in opts.all_parents:
        if parent._meta.concrete_model is not opts.concrete_model:
            raise ValueError(
                f"insert_new() cannot store {model.__name__}: a multi-table inherited model needs "
                "a row in each table (save() each instance)."
            )
    connection = connections[using]
    ops = connection.ops
    pk = opts.pk
    auto_pk = isinstance(pk, AutoField)
    # An auto primary key goes in the INSERT only when the rows bring their own ids.
    sends_pk = not auto_pk or given_pk
    fields = [f for f in opts.concrete_fields if not f.generated and (sends_pk or f is not pk)]
    if (
        not connection.features.can_return_rows_from_bulk_insert
        or isinstance(pk, CompositePrimaryKey)
        or not fields
        or any(hasattr(f, "get_placeholder") for f in fields)
        or ops.bulk_batch_size(fields, objs) < len(objs)
    ):
        return None
    returning = list(opts.db_returning_fields) if returning_wanted else []
    if sends_pk:
        # bulk_create sets every returned field but the primary key it sent.
        returning = [f for f in returning if f is not pk]
    returning_sql, returning_params = ops.return_insert_columns(returning) or ("", ())
    if returning and (not returning_sql or returning_params):
        return None
    qn = ops.quote_name
    row = ["%s"] * len(fields)
    columns = ", ".join(qn(f.column) for f in fields)
    values = ops.bulk_insert_sql(fields, [row] * len(objs))
    sql = f"{ops.insert_statement(on_conflict=None)} {qn(opts.db_table)} ({columns}) {values}"
    if returning:
        sql = f"{sql} {returning_sql}"
    plan = _Plan()
    plan.sql = sql
    plan.fields = tuple(fields)
    plan.returning = tuple(returning)
    plan.returning_attnames = tuple(f.attname for f in returning)
    plan.cols = tuple(f.get_col(opts.db_table) for f in returning)
    # Whether any returned column needs converting (e.g. SQLite's 0/1 for a generated boolean). The
    # converters themselves are looked up per call, from the calling thread's connection.
    plan.converts = any(_converters(col, connection) for col in plan.cols)
    plan.passes = tuple(_passes_unchanged(field) for field in fields)
    plan.auto_pk = auto_pk
    plan.pk_attname = pk.attname
    plan.pk = pk
    return plan


# Value types that each of these exact field classes' get_db_prep_save() gives back unchanged on
# every backend (str for text, int for integers, bool for booleans, None for all): such values skip
# Django's per-field preparation, which was a quarter of an insert's cost. Subclasses, which may
# prepare values their own way, always go through get_db_prep_save().
_TEXT = (models.CharField, models.TextField, models.SlugField, models.EmailField)
_INTEGER = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.AutoField,
    models.BigAutoField,
)


def _passes_unchanged(field) -> frozenset:
    kind = type(field)
    if kind is models.ForeignKey and type(field.target_field) in _INTEGER:
        return frozenset({int, type(None)})
    if kind in _TEXT:
        return frozenset({str, type(None)})
    if kind in _INTEGER:
        return frozenset({int, type(None)})
    if kind is models.BooleanField:
        return frozenset({bool, type(None)})
    return frozenset()


def _converters(col, connection) -> list:
    """The converters Django's compiler applies to ``col`` read back (SQLCompiler.get_converters)."""
    return connection.ops.get_db_converters(col) + col.get_db_converters(connection)


def _convert(rows, cols, connection) -> list[list]:
    converters = [(i, convs, col) for i, col in enumerate(cols) if (convs := _converters(col, connection))]
    converted = []
    for row in rows:
        row = list(row)
        for i, convs, col in converters:
            value = row[i]
            for converter in convs:
                value = converter(value, col, connection)
            row[i] = value
        converted.append(row)
    return converted

"""Queueing background tasks together with the change that asks for them."""

import logging
import threading
from contextlib import contextmanager

from django.db import connection, router, transaction

logger = logging.getLogger(__name__)


def queue_in_this_database(task) -> bool:
    """Is ``task``'s queue a table in Liaison's own database (the django-tasks database backend)?

    Then a task can be written in the caller's transaction, with the rows it works on: it commits
    with them or not at all, and costs no commit of its own. A queue elsewhere (a broker, or a
    backend that runs tasks at once) must be asked only after the commit, so a rolled-back change
    never reaches it.
    """
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    return (
        isinstance(task.get_backend(), DatabaseBackend)
        and router.db_for_write(DBTaskResult) == connection.alias
    )


def enqueue_with_change(task, *args, **kwargs) -> None:
    """Queue ``task`` as part of the current change: in its transaction when the queue is in this
    database, otherwise once it has committed. A queue that cannot take the task after the commit is
    logged, not raised: the change itself has already been stored."""
    if queue_in_this_database(task):
        enqueue_in_this_database(task, *args, **kwargs)
        return

    def after_commit():
        try:
            task.enqueue(*args, **kwargs)
        except Exception:
            logger.exception("Could not queue %s after commit", getattr(task, "name", task))

    transaction.on_commit(after_commit, robust=True)


# --- Several tasks of one change, written in one insert ------------------------------------------

_batches = threading.local()


@contextmanager
def tasks_written_together():
    """Within this block, tasks queued in this database (through ``enqueue_in_this_database``) are
    kept and written in one insert when the block ends, in the caller's transaction.

    A change that asks for two tasks (a new concern: the notification delivery and the theme
    placement) then makes one round trip to the database for them instead of two. Use it inside
    the change's ``transaction.atomic()``: the rows commit with the change or not at all. If the
    block raises, nothing is written.
    """
    outer = getattr(_batches, "pending", None)
    pending: list = []
    _batches.pending = pending
    try:
        yield
    finally:
        _batches.pending = outer
    if outer is not None:
        outer.extend(pending)  # a nested block writes with the outermost one
    elif pending:
        _write_tasks(pending)


def enqueue_in_this_database(task, *args, **kwargs) -> None:
    """Queue ``task`` (whose queue is in this database) now, or with the other tasks of the
    enclosing ``tasks_written_together`` block."""
    pending = getattr(_batches, "pending", None)
    if pending is None:
        task.enqueue(*args, **kwargs)
    else:
        task.get_backend().validate_task(task)
        pending.append((task, args, kwargs))


def _write_tasks(pending: list) -> None:
    """The rows the database backend's ``enqueue`` writes, one per task, in one insert.

    ``bulk_create`` sends no ``pre_save`` signal, so the "no run-after" date the backend's signal
    handler fills in is filled in here; ``task_enqueued`` is sent for each, as ``enqueue`` does.
    """
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult, get_date_max

    from liaison.core.inserts import insert_new

    rows, backends = [], []
    for task, args, kwargs in pending:
        backend = task.get_backend()
        backends.append(type(backend))
        rows.append(
            DBTaskResult(
                id=backend._get_id(),
                args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after or get_date_max(),
                backend_name=backend.alias,
            )
        )
    insert_new(rows)
    for backend, row in zip(backends, rows, strict=True):
        task_enqueued.send(backend, task_result=row.task_result)

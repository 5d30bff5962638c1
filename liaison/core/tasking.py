"""Queueing background tasks together with the change that asks for them."""

import logging

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
        task.enqueue(*args, **kwargs)
        return

    def after_commit():
        try:
            task.enqueue(*args, **kwargs)
        except Exception:
            logger.exception("Could not queue %s after commit", getattr(task, "name", task))

    transaction.on_commit(after_commit, robust=True)

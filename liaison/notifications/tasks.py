"""Background work for notifications, run by the task worker (``liaison db_worker``)."""

from django_tasks import task


@task()
def deliver_notifications(notification_ids: list[int] | None = None) -> dict:
    """Send these outbox rows (every due row when None). Enqueued on commit by ``notify``."""
    from liaison.notifications.services import notifications_deliver

    return notifications_deliver(ids=notification_ids).as_dict()

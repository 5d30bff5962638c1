"""Background work for notifications, run by the task worker (``liaison db_worker``)."""

from django_tasks import task


@task()
def deliver_notifications(
    notification_ids: list[int] | None = None, delivery_keys: list[str] | None = None
) -> dict:
    """Send these outbox rows, named by id or by delivery key (every due row when neither is given).
    Queued by ``notify`` with the change that wrote them."""
    from liaison.notifications.services import notifications_deliver

    return notifications_deliver(ids=notification_ids, keys=delivery_keys).as_dict()

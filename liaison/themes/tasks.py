"""Background work for themes, run by the task worker (``liaison db_worker``)."""

from django_tasks import task


@task()
def assign_concern_to_theme(concern_id: int) -> dict:
    """Place a newly submitted concern in the nearest theme of its ICB (enqueued when it commits)."""
    from liaison.themes.services import theme_assign_concern

    membership = theme_assign_concern(concern_id=concern_id)
    return {"concern": concern_id, "theme": membership.theme_id if membership else None}


@task()
def rebuild_themes(build_id: int) -> dict:
    """Run a recorded full rebuild of one ICB's themes (``liaison rebuild_themes --enqueue``)."""
    from liaison.themes.services import theme_build_run

    return theme_build_run(build_id=build_id).result

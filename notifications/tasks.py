"""Background tasks, through the django-tasks API (``settings.TASKS`` picks the backend:
django-tasks-db with ``manage.py db_worker`` by default, RQ on Redis for scale-out)."""

from django_tasks import task


@task()
def send_delivery(delivery_id):
    from notifications.delivery import deliver

    return deliver(delivery_id)

import pytest
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from notifications.models import Position, RecipientSettings
from tests.notifications.smtp import SMTPServer


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, settings):
    """The in-process SMTP server as Django's e-mail backend; its sink, emptied."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.NOTIFICATION_RETRY_DELAYS = [0, 0]
    settings.SITE_URL = "https://kvalitet.kommun.example"
    smtp_server.sink.reset()
    return smtp_server.sink


def run_tasks():
    """What ``manage.py db_worker --batch`` does, inside the test's transaction: run every
    ready task (including those a task enqueues) and return how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Do something, let it commit (events, enqueueing), then run the worker."""

    class Deliver:
        def __call__(self, fn, *args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                result = fn(*args, **kwargs)
            run_tasks()
            return result

    return Deliver()


@pytest.fixture
def chair_and_chief(org, django_user_model):
    """The board chair and the socialchef, configured as positions of Socialnämnden."""
    chair = django_user_model.objects.create_user(
        username="chair", email="chair@kommun.example", first_name="Ordförande", last_name="Nämndsson"
    )
    chief = django_user_model.objects.create_user(
        username="chief", email="chief@kommun.example", first_name="Social", last_name="Chefsson"
    )
    Position.objects.create(code="namnd_chair", name="Ordförande", unit=org.sn, user=chair)
    Position.objects.create(code="social_chief", name="Socialchef", unit=org.sn, user=chief)
    RecipientSettings.objects.create(user=chief, language="en")
    return chair, chief


@pytest.fixture(autouse=True)
def _task_waiting_only_where_it_is_tested(request):
    """``task.waiting`` (issue 17) follows every filing and every step that waits for a role; the
    tests here count the notifications of the rule each is about, so it is switched off for them.
    tests/notifications/test_step_holders.py covers it (and the browser journey sees it)."""
    if request.module.__name__.endswith("test_step_holders"):
        return
    if not {"db", "transactional_db"} & set(request.fixturenames):
        return
    from notifications.models import NotificationRule

    NotificationRule.objects.filter(event="task.waiting").update(is_active=False)

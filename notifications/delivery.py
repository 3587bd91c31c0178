"""E-mail: deliveries enqueued on commit, sent at most once, retried with backoff.

A ``Delivery`` row is created with a unique key (one per notification or per digest); the
task that sends it first claims the row with a conditional update (pending/retry → sending),
so a task run twice, or two workers, send one message. Temporary SMTP failures (4xx, refused
or dropped connections) are retried after ``NOTIFICATION_RETRY_DELAYS``; a permanent refusal
(5xx) fails the delivery, and a refused recipient address is recorded for administrators.

Every attempt carries the delivery's own Message-ID. A worker lost while sending leaves the
row "sending"; after ``NOTIFICATION_SENDING_LEASE`` seconds ``recover_stuck`` (the scheduler
job ``notifications.jobs.recover_deliveries``) queues it again, at most
``NOTIFICATION_SENDING_LEASE_RETRIES`` times, then fails it (docs/notifications.md, "Delivery
guarantees", for what that costs when the worker was lost after the server had the message).
"""

import datetime
import logging
import smtplib
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.messages import context_for
from notifications.models import Delivery, FailedAddress, RecipientSettings
from notifications.selectors import still_to_send

logger = logging.getLogger(__name__)

PERMANENT_CODES = range(500, 600)
LOST_WORKER = "worker lost while sending"  # how last_error starts when recover_stuck handled the row


def language_of(user):
    if user is None:
        return settings.NOTIFICATION_DEFAULT_LANGUAGE
    language = RecipientSettings.objects.filter(user=user).values_list("language", flat=True).first()
    return language or settings.NOTIFICATION_DEFAULT_LANGUAGE


def schedule_email(notification):
    """A delivery for one notification, enqueued when the current transaction commits."""
    address = notification.address or (notification.user.email if notification.user_id else "")
    if not address:
        return None
    return create_delivery(
        key=f"n{notification.pk}",
        notification=notification,
        user=notification.user,
        address=address,
        template="message",
    )


def create_delivery(
    *, key, address, user=None, notification=None, template="message", payload=None, language=None
):
    delivery, created = Delivery.objects.get_or_create(
        key=key,
        defaults={
            "notification": notification,
            "user": user,
            "address": address,
            "template": template,
            "payload": payload or {},
            "language": language or language_of(user),
        },
    )
    if created:
        transaction.on_commit(lambda: enqueue(delivery.pk))
    return delivery if created else None


def enqueue(delivery_id, run_after=None):
    from notifications.tasks import send_delivery

    task = send_delivery.using(queue_name=settings.NOTIFICATION_TASK_QUEUE, run_after=run_after)
    return task.enqueue(delivery_id)


def site_link(path=""):
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def build_message(delivery):
    with translation.override(delivery.language):
        context = context_for(delivery)
        subject = " ".join(
            render_to_string(f"notifications/email/{delivery.template}_subject.txt", context).split()
        )
        text = render_to_string(f"notifications/email/{delivery.template}.txt", context)
        html = render_to_string(f"notifications/email/{delivery.template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[delivery.address],
        connection=get_connection(),
        headers={
            "Auto-Submitted": "auto-generated",
            "Content-Language": delivery.language,
            "Message-ID": delivery.message_id,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def claim(delivery_id):
    """Take the delivery for sending; False when it is sent, failed or being sent elsewhere."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status__in=[Delivery.Status.PENDING, Delivery.Status.RETRY]
        ).update(status=Delivery.Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    )


def deliver(delivery_id):
    """Send one delivery; the outcome as a word (the task's return value)."""
    if not claim(delivery_id):
        return "skipped"
    delivery = Delivery.objects.select_related("user", "notification__report").get(pk=delivery_id)
    if not still_to_send(delivery):
        return _withhold(delivery)
    refused = FailedAddress.objects.filter(address__iexact=delivery.address).first()
    if refused:
        return _fail(delivery, refused.code, "the address was refused before", permanent=True)
    try:
        build_message(delivery).send()
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = next(iter(error.recipients.values()))
        return _smtp_error(delivery, code, reply, recipient=True)
    except smtplib.SMTPResponseException as error:
        return _smtp_error(delivery, error.smtp_code, error.smtp_error)
    except (smtplib.SMTPException, OSError) as error:
        return _retry(delivery, f"{type(error).__name__}: {error}")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def _smtp_error(delivery, code, reply, recipient=False):
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    if code in PERMANENT_CODES:
        if recipient:
            FailedAddress.objects.update_or_create(
                address=delivery.address.lower(), defaults={"code": code, "error": text[:300]}
            )
        return _fail(delivery, code, text, permanent=True)
    return _retry(delivery, f"SMTP {code}: {text}")


def _withhold(delivery):
    logger.info("E-mail delivery %s withheld: its recipient may no longer see the case", delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.WITHHELD)
    return "withheld"


def _fail(delivery, code, text, permanent):
    logger.warning("E-mail delivery %s failed permanently (SMTP %s)", delivery.pk, code)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, permanent_failure=permanent, last_error=f"SMTP {code}: {text}"[:300]
    )
    return "failed"


def _retry(delivery, error):
    delays = settings.NOTIFICATION_RETRY_DELAYS
    if delivery.attempts > len(delays):
        logger.warning("E-mail delivery %s gave up after %s attempts", delivery.pk, delivery.attempts)
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, last_error=error[:300])
        return "failed"
    run_after = timezone.now() + datetime.timedelta(seconds=delays[delivery.attempts - 1])
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.RETRY, next_attempt_at=run_after, last_error=error[:300]
    )
    logger.info("E-mail delivery %s will be retried at %s", delivery.pk, run_after.isoformat())
    enqueue(delivery.pk, run_after=run_after)
    return "retry"


def recover_stuck(now):
    """Deliveries left "sending" longer than the lease: their worker was lost (killed, out of
    memory, the machine stopped). Queue each again, up to ``NOTIFICATION_SENDING_LEASE_RETRIES``
    times; after that, fail it so that an administrator sees it. Deliveries still pending that
    long were never queued: queued now. Returns how many it handled.

    A live worker cannot hold the row that long: each SMTP socket operation is bounded by
    ``EMAIL_TIMEOUT``, and the lease must be well above the few of them one send takes. The
    update is conditional on the row still being "sending" since the same moment, so a worker
    that finishes meanwhile, or a second scheduler, wins the row and this one skips it."""
    expired = now - datetime.timedelta(seconds=settings.NOTIFICATION_SENDING_LEASE)
    handled = _requeue_never_queued(now, expired)
    stuck = list(
        Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=expired).values_list(
            "pk", "claimed_at", "lease_requeues"
        )
    )
    for pk, claimed_at, requeues in stuck:
        row = Delivery.objects.filter(pk=pk, status=Delivery.Status.SENDING, claimed_at=claimed_at)
        since = claimed_at.isoformat(timespec="seconds")
        if requeues < settings.NOTIFICATION_SENDING_LEASE_RETRIES:
            with transaction.atomic():
                if row.update(
                    status=Delivery.Status.RETRY,
                    lease_requeues=F("lease_requeues") + 1,
                    next_attempt_at=now,
                    last_error=f"{LOST_WORKER} (since {since})",
                ):
                    logger.warning("E-mail delivery %s was left being sent since %s: queued again", pk, since)
                    transaction.on_commit(lambda pk=pk: enqueue(pk))
                    handled += 1
        elif row.update(
            status=Delivery.Status.FAILED,
            last_error=f"{LOST_WORKER}, {requeues + 1} times (last since {since})",
        ):
            logger.warning("E-mail delivery %s was left being sent %s times: failed", pk, requeues + 1)
            handled += 1
    return handled


def _requeue_never_queued(now, expired):
    """Deliveries still pending a lease after they were written (or last queued here): their
    task was never queued, because the database went away between the commit of the row and the
    enqueueing after it. Queued again, at most once per lease; a task that was only slow to come
    finds the row claimed and sends nothing twice."""
    waiting = Delivery.objects.filter(status=Delivery.Status.PENDING, created_at__lt=expired).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=expired)
    )
    handled = 0
    for pk in list(waiting.values_list("pk", flat=True)):
        with transaction.atomic():
            if Delivery.objects.filter(pk=pk, status=Delivery.Status.PENDING).update(next_attempt_at=now):
                logger.warning("E-mail delivery %s was never queued: queued now", pk)
                transaction.on_commit(lambda pk=pk: enqueue(pk))
                handled += 1
    return handled


def requeue(delivery):
    """An administrator's retry of a failed or stuck delivery."""
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.RETRY, next_attempt_at=None)
    transaction.on_commit(lambda: enqueue(delivery.pk))

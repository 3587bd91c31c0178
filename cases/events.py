"""How the domain floor tells the apps above it what happened, without importing them
(docs/architecture.md, "Hooks"). Two kinds:

**Hooks, inside the transaction.** Work that must commit or roll back with the change: the
monthly counts follow every change of a case, the workflow's tasks move with the case's state,
a notification's document is built and frozen when it is sent, the summary under review is
drafted. The floor calls ``HOOK.call(...)``; the app that does the work registers its one
handler at start-up (``AppConfig.ready``). A hook without a handler raises
``HookNotRegistered`` when called, and the system check ``cases.E020`` (``check_hooks``) fails
``manage.py check`` and every test run first, so a missing registration is never a change
that silently skips its counts or its tasks.

**Events, after the commit.** ``emit`` writes an ``OutboxEvent`` row beside the change;
``cases.outbox`` hands it to the receivers of ``case_event`` once the change has committed (at
once, and again from the scheduler until every receiver has succeeded), so an event is
delivered at least once and never dropped, and a failing e-mail cannot undo a decision. A
receiver must therefore be idempotent: the notifications of one event are keyed by the event.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.dispatch import Signal

if TYPE_CHECKING:
    from django.apps import AppConfig
    from django.db.models import Model

    from cases.models import RegulatorNotification, Report, Supplement


# kwargs: name (e.g. "report.filed", "report.decide"), report_id, actor_id, data (dict), event_id
case_event = Signal()


def emit(name: str, *, report: Report, actor: Any = None, **data: Any) -> None:
    """An event for the receivers of ``case_event``, delivered after the change commits."""
    from cases import outbox

    # The data as the stored row gives it back, so that the fast path and a retry send the same.
    data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    event = outbox.write(name, report_id=report.pk, actor_id=getattr(actor, "pk", None), data=data)
    transaction.on_commit(lambda: outbox.deliver_now(event))


class HookNotRegistered(ImproperlyConfigured):
    """A hook was called, or checked, with no handler registered by the app that owns it."""


F = TypeVar("F", bound=Callable[..., Any])


class Hook(Generic[F]):
    """One call from the floor to an app above it, made inside the change's transaction. Its
    type parameter is the handler's signature; ``call`` is that handler."""

    def __init__(self, name: str, *, owner: str, doc: str) -> None:
        self.name = name
        self.owner = owner
        self.doc = doc
        self._handler: F | None = None
        if name in HOOKS:
            raise ImproperlyConfigured(f"Hook {name!r} is declared twice.")
        HOOKS[name] = self

    def __repr__(self) -> str:
        return f"<Hook {self.name} ({self.owner})>"

    def register(self, handler: F) -> F:
        """The one handler, registered once at start-up; registering it again is harmless,
        another one is a configuration error."""
        if self._handler is not None and self._handler is not handler:
            raise ImproperlyConfigured(f"Hook {self.name!r} already has a handler: {self._handler!r}.")
        self._handler = handler
        return handler

    @property
    def registered(self) -> bool:
        return self._handler is not None

    @property
    def call(self) -> F:
        if self._handler is None:
            raise HookNotRegistered(
                f"Hook {self.name!r} has no handler: {self.owner} registers it in its AppConfig.ready()."
            )
        return self._handler


HOOKS: dict[str, Hook[Any]] = {}


# The signatures of the handlers.


class CaseChanged(Protocol):
    def __call__(self, report_id: int) -> None: ...


class WorkflowStart(Protocol):
    def __call__(self, report: Report) -> None: ...


class WorkflowAfterTransition(Protocol):
    def __call__(self, report: Report, name: str, *, actor: Any) -> None: ...


class WorkflowAfterNotificationDecided(Protocol):
    def __call__(self, report: Report, notification: RegulatorNotification, *, actor: Any) -> None: ...


class WorkflowAfterNotificationTransition(Protocol):
    def __call__(
        self, report: Report, notification: RegulatorNotification, name: str, *, actor: Any
    ) -> None: ...


class WorkflowCorrected(Protocol):
    def __call__(self, report: Report, *, actor: Any) -> None: ...


class ReleaseTasks(Protocol):
    def __call__(self, user: Any, *, acting_user: Any, reason: str) -> int: ...


class BuildRegulatorDocument(Protocol):
    def __call__(
        self, report: Report, regulator: str, *, notification: RegulatorNotification
    ) -> dict[str, Any]: ...


class BuildSupplementDocument(Protocol):
    def __call__(self, notification: RegulatorNotification, supplement: Supplement) -> dict[str, Any]: ...


class FreezeDocument(Protocol):
    def __call__(
        self,
        notification: RegulatorNotification,
        *,
        acting_user: Any,
        document: dict[str, Any] | None,
        supplement: Supplement | None = None,
    ) -> Model: ...  # reporting's RegulatorDocument, a model the floor does not import


class SummaryDraft(Protocol):
    """What the review of a summary needs of the automatic anonymisation."""

    summary: str
    decision: str
    digest: str


class DraftSummary(Protocol):
    def __call__(self, report: Report) -> SummaryDraft: ...


# The hooks. Owners: "workflows" registers in workflows/apps.py; the reporting code
# (compilations and documents) in reporting/handlers.py, loaded by reporting/apps.py.

case_changed: Hook[CaseChanged] = Hook(
    "case.changed",
    owner="reporting",
    doc="A case's change row was written (audit.record): its pre-aggregated monthly counts follow.",
)
workflow_start: Hook[WorkflowStart] = Hook(
    "workflow.start", owner="workflows", doc="A case was filed: its process and first task start."
)
workflow_after_transition: Hook[WorkflowAfterTransition] = Hook(
    "workflow.after_transition",
    owner="workflows",
    doc="A lifecycle transition of the case was performed: its step is completed.",
)
workflow_after_notification_decided: Hook[WorkflowAfterNotificationDecided] = Hook(
    "workflow.after_notification_decided",
    owner="workflows",
    doc="A notification to a regulator was decided before the case's decision: its track opens.",
)
workflow_after_notification_transition: Hook[WorkflowAfterNotificationTransition] = Hook(
    "workflow.after_notification_transition",
    owner="workflows",
    doc="A notification to a regulator moved: its step is completed.",
)
workflow_cancel: Hook[WorkflowCorrected] = Hook(
    "workflow.cancel",
    owner="workflows",
    doc="A case was withdrawn or merged into another: its open tasks are cancelled and its process ends.",
)
workflow_reopen: Hook[WorkflowCorrected] = Hook(
    "workflow.reopen",
    owner="workflows",
    doc="A closed case was reopened: its process runs again with its closing step open.",
)
release_tasks: Hook[ReleaseTasks] = Hook(
    "workflow.release_tasks",
    owner="workflows",
    doc="A person lost a role or their account: the tasks they may no longer take go back to the queue.",
)
regulator_document: Hook[BuildRegulatorDocument] = Hook(
    "documents.regulator_document",
    owner="reporting",
    doc="The minimised document a notification sends to IVO or IMY, built from the case.",
)
supplement_document: Hook[BuildSupplementDocument] = Hook(
    "documents.supplement_document",
    owner="reporting",
    doc="The document of a supplement to a notification.",
)
freeze_document: Hook[FreezeDocument] = Hook(
    "documents.freeze",
    owner="reporting",
    doc="A notification (or supplement) was sent: its document is frozen as JSON and PDF.",
)
summary_draft: Hook[DraftSummary] = Hook(
    "compilations.summary_draft",
    owner="reporting",
    doc="The automatic anonymisation of a closed lex Sarah case's summary, for the SAS's review.",
)


def check_hooks(app_configs: Iterable[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """System check: every hook has its handler (``manage.py check``, every test run)."""
    return [
        checks.Error(
            f"Hook {hook.name!r} has no handler.",
            hint=f"{hook.owner} registers it in its AppConfig.ready() (docs/architecture.md, Hooks).",
            obj=hook,
            id="cases.E020",
        )
        for hook in HOOKS.values()
        if not hook.registered
    ]

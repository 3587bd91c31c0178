"""The human steps of a case's workflow.

A step is a viewflow ``View`` task that is never completed through a viewflow form: it is
completed by ``workflows.bridge`` inside the ``cases.services`` call that performs the
domain transition it stands for, so the case's state and its open tasks change together.

Each step declares the transitions that complete it, the roles on the case's unit whose
holders may take it (``investigator`` for the case's named investigator), the clocks whose
deadline it has, and, as viewflow requires, an explicit permission: the permission of its
first role, on the case's unit.
"""

from django.utils.translation import pgettext_lazy
from viewflow.workflow import flow
from viewflow.workflow.base import Edge
from viewflow.workflow.nodes.view import ViewActivation

from cases.access import INVESTIGATOR


def _case_unit(process):
    return process.report.unit


def named_investigator(activation):
    """The case's named person: a complaint's handler, else a named investigator (or None)."""
    from cases.models.lifecycles import named_grants

    report = activation.process.report
    if report.handler_id:
        return report.handler
    named = named_grants(report)
    return named[0] if named else None


class StepActivation(ViewActivation):
    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        activation = super().create(flow_task, prev_activation, token, data=data, seed=seed)
        from workflows import services

        if activation.task.owner_id:
            services.task_assigned(activation.task, actor=None)
        else:
            services.task_waiting(activation.task, after=prev_activation)
        return activation


class Step(flow.View):
    """A human task completed by a ``cases.services`` transition."""

    activation_class = StepActivation
    #: ``"report"`` for the case's lifecycle; a regulator code for a notification's.
    track = "report"

    def __init__(self, *transitions, roles, label, clocks=(), named=False, regulator=None):
        super().__init__(view=None)
        self.transitions = frozenset(transitions)
        self.roles = frozenset(roles)
        self.clocks = tuple(clocks)
        self.regulator = regulator
        primary = next(role for role in roles if role != INVESTIGATOR)
        self.Permission(f"cases.role_{primary}", obj=_case_unit)
        self.Annotation(title=label)
        if named:
            self.Assign(named_investigator)

    @property
    def label(self):
        return self.task_title

    def may_take(self, user, report):
        """Whether ``user`` may hold this task: a role on the case's unit, or named on the case."""
        from cases.access import allowed_roles

        if not user.is_authenticated or not user.is_active:
            return False
        return bool(allowed_roles(user, report, self.roles))

    # viewflow's own checks, for anything that asks the node directly.
    def can_assign(self, user, task):
        return task.owner_id is None and self.may_take(user, task.process.coerced.report)

    def can_execute(self, user, task):
        return task.owner_id is not None and task.owner_id == getattr(user, "pk", None)


class NotificationStep(Step):
    """A step of the notification to a regulator, completed by ``do_notification_transition``."""

    def __init__(self, *transitions, regulator, **kwargs):
        super().__init__(*transitions, regulator=regulator, **kwargs)
        self.track = regulator


class Decision(flow.If):
    """viewflow's ``If`` with its two outgoing edges labelled through gettext (``ja``/``nej`` in
    the Swedish diagrams) instead of the literal ``yes``/``no`` it draws."""

    def _outgoing(self):
        yield Edge(src=self, dst=self._on_true, edge_class="cond_true", label=pgettext_lazy("diagram", "yes"))
        yield Edge(
            src=self, dst=self._on_false, edge_class="cond_false", label=pgettext_lazy("diagram", "no")
        )

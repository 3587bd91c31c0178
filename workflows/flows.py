"""One viewflow flow per report type, mirroring its django-fsm lifecycle (docs/lifecycles.md).

Every human step is a ``Step`` completed by the ``cases.services`` transition it names; the
gateways read the case's own state, so the flow goes where the case went. The notification
to IVO (lex Sarah) or IMY (breach) is a parallel branch: it waits (a ``Handle``) for the
decision whether to notify, then follows the notification's own lifecycle, and joins the
investigation before the case can be closed.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from cases.access import INVESTIGATOR, NOTIFICATION_ROLES
from cases.models import Regulator, ReportType, Role
from workflows.models import CaseProcess
from workflows.nodes import Decision, NotificationStep, Step

UM, SAS, DM, DSO, REG, MAS = (
    Role.UNIT_MANAGER,
    Role.SAS,
    Role.DECISION_MAKER,
    Role.DSO,
    Role.REGISTRAR,
    Role.MAS,
)


def notification_roles(report_type):
    """Who takes the notification steps of a case of this type (cases.access), the SAS first:
    a step's viewflow permission is its first role's."""
    return sorted(NOTIFICATION_ROLES[report_type], key=lambda role: (role != SAS, role))


def notification_of(process, regulator):
    return process.report.regulator_notifications.filter(regulator=regulator).first()


def notification_in(regulator, *states):
    def condition(activation):
        notification = notification_of(activation.process, regulator)
        return notification is not None and notification.state in states

    return condition


def has_notification(regulator):
    return lambda activation: notification_of(activation.process, regulator) is not None


def state_is(*states):
    return lambda activation: activation.process.report.state in states


class CaseFlow(flow.Flow):
    process_class = CaseProcess
    lock_impl = lock.select_for_update_lock
    report_type = None

    def start_case(self, activation, report):
        activation.process.report = report
        activation.process.save()
        return activation.process

    def open_notification_track(self, activation, regulator):
        """The branch follows this notification from now on: noted on the process."""
        notification = notification_of(activation.process, regulator)
        activation.process.data = {**activation.process.data, regulator: notification.pk}
        activation.process.save(update_fields=["data"])


class DeviationFlow(CaseFlow):
    """Avvikelse"""

    report_type = ReportType.DEVIATION
    process_title = _("Deviation")

    start = flow.StartHandle(this.start_case).Annotation(title=_("Report filed")).Next(this.assess)
    assess = Step(
        "assess", roles=[UM, SAS], clocks=["deviation-assessment"], label=_("Assess the deviation")
    ).Next(this.complete_investigation)
    complete_investigation = Step(
        "complete_investigation",
        roles=[UM, SAS, INVESTIGATOR],
        clocks=["deviation-investigation"],
        named=True,
        label=_("Investigate the deviation"),
    ).Next(this.record_actions)
    record_actions = Step(
        "record_actions", roles=[UM, SAS, INVESTIGATOR], named=True, label=_("Record the actions")
    ).Next(this.follow_up)
    follow_up = Step(
        "follow_up", roles=[UM, SAS, INVESTIGATOR], named=True, label=_("Follow up the actions")
    ).Next(this.close)
    close = Step("close", roles=[UM, SAS], label=_("Close the case")).Next(this.end)
    end = flow.End().Annotation(title=_("Case closed"))


class ComplaintFlow(CaseFlow):
    """Klagomål och synpunkter"""

    report_type = ReportType.COMPLAINT
    process_title = _("Complaint or feedback")

    start = flow.StartHandle(this.start_case).Annotation(title=_("Report filed")).Next(this.register)
    register = Step(
        "register",
        roles=[REG, UM, SAS],
        clocks=["complaint-acknowledgement", "complaint-handler-named"],
        label=_("Register and name a handler"),
    ).Next(this.investigate)
    investigate = Step(
        "investigate",
        roles=[UM, SAS, INVESTIGATOR],
        clocks=["complaint-answer"],
        named=True,
        label=_("Investigate the complaint"),
    ).Next(this.answer)
    answer = Step(
        "answer",
        roles=[UM, SAS, INVESTIGATOR],
        clocks=["complaint-answer"],
        named=True,
        label=_("Answer the complaint"),
    ).Next(this.close)
    close = Step("close", roles=[UM, SAS], label=_("Close the case")).Next(this.end)
    end = flow.End().Annotation(title=_("Case closed"))


class LexSarahFlow(CaseFlow):
    """Lex Sarah"""

    report_type = ReportType.LEX_SARAH
    process_title = _("Lex Sarah")

    start = (
        flow.StartHandle(this.start_case)
        .Annotation(title=_("Report filed"))
        .Next(this.record_immediate_measures)
    )
    record_immediate_measures = Step(
        "record_immediate_measures",
        roles=[UM, SAS],
        clocks=["lex-sarah-registration"],
        label=_("Record the immediate measures"),
    ).Next(this.register)
    register = Step(
        "register", roles=[SAS], clocks=["lex-sarah-registration"], label=_("Register the report")
    ).Next(this.split)
    split = (
        flow.Split()
        .Annotation(title=_("In parallel"))
        .Next(this.first_assessment)
        .Next(this.await_ivo_decision)
    )

    # The investigation.
    first_assessment = Step(
        "start_investigation",
        "close_outside_scope",
        roles=[SAS, INVESTIGATOR],
        clocks=["lex-sarah-investigation-start"],
        named=True,
        label=_("Start the investigation or close as outside lex Sarah"),
    ).Next(this.scope)
    scope = (
        flow.Switch()
        .Annotation(title=_("Within lex Sarah?"))
        .Case(this.assess, state_is("investigating"))
        .Default(this.join)
    )
    assess = Step(
        "assess",
        roles=[SAS, INVESTIGATOR],
        clocks=["lex-sarah-investigation-target"],
        named=True,
        label=_("Investigate and assess"),
    ).Next(this.decide)
    decide = Step(
        "decide",
        roles=[DM],
        clocks=["lex-sarah-investigation-target"],
        label=_("Decide whether to notify IVO"),
    ).Next(this.join)

    # The notification to IVO, beside the investigation.
    await_ivo_decision = (
        flow.Handle().Annotation(title=_("Decision whether to notify IVO")).Next(this.ivo_decided)
    )
    ivo_decided = (
        Decision(has_notification(Regulator.IVO))
        .Annotation(title=_("IVO to be notified?"))
        .Then(this.open_ivo_track)
        .Else(this.join)
    )
    open_ivo_track = (
        flow.Function(this.open_ivo)
        .Permission(f"cases.role_{SAS}")
        .Annotation(title=_("Open the IVO notification"))
        .Next(this.ivo_route)
    )
    ivo_route = (
        flow.Switch()
        .Annotation(title=_("Where is the notification?"))
        .Case(this.submit_ivo, notification_in(Regulator.IVO, "decided"))
        .Case(this.record_ivo_outcome, notification_in(Regulator.IVO, "submitted", "supplemented"))
        .Case(this.complete_ivo, notification_in(Regulator.IVO, "regulator_decided"))
        .Default(this.join)
    )
    submit_ivo = NotificationStep(
        "submit",
        regulator=Regulator.IVO,
        roles=notification_roles(ReportType.LEX_SARAH),
        clocks=["lex-sarah-ivo-notification"],
        label=_("Send the notification to IVO"),
    ).Next(this.ivo_route)
    record_ivo_outcome = NotificationStep(
        "record_outcome",
        "supplement",
        regulator=Regulator.IVO,
        roles=notification_roles(ReportType.LEX_SARAH),
        clocks=["lex-sarah-investigation-to-ivo"],
        label=_("Send the investigation to IVO and record IVO's decision"),
    ).Next(this.ivo_route)
    complete_ivo = NotificationStep(
        "complete",
        "supplement",
        regulator=Regulator.IVO,
        roles=notification_roles(ReportType.LEX_SARAH),
        label=_("Complete the IVO notification"),
    ).Next(this.ivo_route)

    join = flow.Join().Annotation(title=_("Both branches done")).Next(this.closing)
    closing = (
        flow.Switch().Annotation(title=_("Decided?")).Case(this.close, state_is("decided")).Default(this.end)
    )
    close = Step("close", roles=[SAS], label=_("Close the case")).Next(this.end)
    end = flow.End().Annotation(title=_("Case closed"))

    def open_ivo(self, activation):
        self.open_notification_track(activation, Regulator.IVO)


class DataBreachFlow(CaseFlow):
    """Personuppgiftsincident"""

    report_type = ReportType.DATA_BREACH
    process_title = _("Personal data breach")

    start = flow.StartHandle(this.start_case).Annotation(title=_("Report filed")).Next(this.split)
    split = flow.Split().Annotation(title=_("In parallel")).Next(this.assess).Next(this.await_imy_decision)

    assess = Step(
        "assess", roles=[DSO], clocks=["breach-imy-notification"], label=_("Assess the breach")
    ).Next(this.decide)
    decide = Step(
        "decide",
        roles=[DSO],
        clocks=["breach-imy-notification", "breach-data-subjects"],
        label=_("Decide whether to notify IMY"),
    ).Next(this.join)

    # The notification to IMY, beside the assessment.
    await_imy_decision = (
        flow.Handle().Annotation(title=_("Decision whether to notify IMY")).Next(this.imy_decided)
    )
    imy_decided = (
        Decision(has_notification(Regulator.IMY))
        .Annotation(title=_("IMY to be notified?"))
        .Then(this.open_imy_track)
        .Else(this.join)
    )
    open_imy_track = (
        flow.Function(this.open_imy)
        .Permission(f"cases.role_{DSO}")
        .Annotation(title=_("Open the IMY notification"))
        .Next(this.imy_route)
    )
    imy_route = (
        flow.Switch()
        .Annotation(title=_("Where is the notification?"))
        .Case(this.submit_imy, notification_in(Regulator.IMY, "decided"))
        .Default(this.join)
    )
    submit_imy = NotificationStep(
        "submit",
        regulator=Regulator.IMY,
        roles=notification_roles(ReportType.DATA_BREACH),
        clocks=["breach-imy-notification"],
        label=_("Send the notification to IMY"),
    ).Next(this.imy_route)

    join = flow.Join().Annotation(title=_("Both branches done")).Next(this.close)
    close = Step("close", roles=[DSO], label=_("Close the case")).Next(this.end)
    end = flow.End().Annotation(title=_("Case closed"))

    def open_imy(self, activation):
        self.open_notification_track(activation, Regulator.IMY)


class LexMariaFlow(CaseFlow):
    """Lex Maria"""

    report_type = ReportType.LEX_MARIA
    process_title = _("Lex Maria")

    start = flow.StartHandle(this.start_case).Annotation(title=_("Report filed")).Next(this.register)
    register = Step(
        "register", roles=[MAS], clocks=["lex-maria-registration"], label=_("Register the lex Maria report")
    ).Next(this.split)
    split = (
        flow.Split()
        .Annotation(title=_("In parallel"))
        .Next(this.first_assessment)
        .Next(this.await_ivo_decision)
    )

    # The investigation (patientsäkerhetslagen 3 kap. 3 §).
    first_assessment = Step(
        "start_investigation",
        "close_outside_scope",
        roles=[MAS, INVESTIGATOR],
        clocks=["lex-maria-investigation-target"],
        named=True,
        label=_("Start the investigation or close: no vårdskada"),
    ).Next(this.scope)
    scope = (
        flow.Switch()
        .Annotation(title=_("A vårdskada to investigate?"))
        .Case(this.assess, state_is("investigating"))
        .Default(this.join)
    )
    assess = Step(
        "assess",
        roles=[MAS, INVESTIGATOR],
        clocks=["lex-maria-investigation-target"],
        named=True,
        label=_("Investigate and assess the injury"),
    ).Next(this.decide)
    decide = Step(
        "decide",
        roles=[MAS],
        clocks=["lex-maria-ivo-notification"],
        label=_("Decide whether to notify IVO"),
    ).Next(this.join)

    # The notification to IVO, beside the investigation (3 kap. 5 §: snarast).
    await_ivo_decision = (
        flow.Handle().Annotation(title=_("Decision whether to notify IVO")).Next(this.ivo_decided)
    )
    ivo_decided = (
        Decision(has_notification(Regulator.IVO))
        .Annotation(title=_("IVO to be notified?"))
        .Then(this.open_ivo_track)
        .Else(this.join)
    )
    open_ivo_track = (
        flow.Function(this.open_ivo)
        .Permission(f"cases.role_{MAS}")
        .Annotation(title=_("Open the IVO notification"))
        .Next(this.ivo_route)
    )
    ivo_route = (
        flow.Switch()
        .Annotation(title=_("Where is the notification?"))
        .Case(this.submit_ivo, notification_in(Regulator.IVO, "decided"))
        .Case(this.record_ivo_outcome, notification_in(Regulator.IVO, "submitted", "supplemented"))
        .Case(this.complete_ivo, notification_in(Regulator.IVO, "regulator_decided"))
        .Default(this.join)
    )
    submit_ivo = NotificationStep(
        "submit",
        regulator=Regulator.IVO,
        roles=notification_roles(ReportType.LEX_MARIA),
        clocks=["lex-maria-ivo-notification"],
        label=_("Send the lex Maria notification to IVO"),
    ).Next(this.ivo_route)
    record_ivo_outcome = NotificationStep(
        "record_outcome",
        "supplement",
        regulator=Regulator.IVO,
        roles=notification_roles(ReportType.LEX_MARIA),
        clocks=["lex-maria-investigation-to-ivo"],
        label=_("Send the investigation to IVO and record IVO's decision"),
    ).Next(this.ivo_route)
    complete_ivo = NotificationStep(
        "complete",
        "supplement",
        regulator=Regulator.IVO,
        roles=notification_roles(ReportType.LEX_MARIA),
        label=_("Complete the IVO notification"),
    ).Next(this.ivo_route)

    join = flow.Join().Annotation(title=_("Both branches done")).Next(this.closing)
    closing = (
        flow.Switch().Annotation(title=_("Decided?")).Case(this.close, state_is("decided")).Default(this.end)
    )
    close = Step("close", roles=[MAS], label=_("Close the case")).Next(this.end)
    end = flow.End().Annotation(title=_("Case closed"))

    def open_ivo(self, activation):
        self.open_notification_track(activation, Regulator.IVO)


FLOWS = {
    flow_class.report_type: flow_class
    for flow_class in (DeviationFlow, ComplaintFlow, LexSarahFlow, DataBreachFlow, LexMariaFlow)
}


def steps(flow_class=None):
    """Every human step, of one flow or of all."""
    classes = [flow_class] if flow_class else FLOWS.values()
    return [node for cls in classes for node in cls.instance.nodes() if isinstance(node, Step)]

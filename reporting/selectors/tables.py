"""The tables of the nämnd compilation and of the kvalitetsberättelse chapter.

Each builder takes a ``Scope`` (the cases of a board or of the municipality, and the
period) and returns a ``Table`` from a few aggregate queries. Which cases count where:

* lex Sarah per year, per tertial × verksamhet, categories; lex Maria per tertial × verksamhet
  and categories; individuals, complaints,
  deviations, risks, actions and breaches: cases *reported* in the period;
* IVO notifications (lex Sarah, lex Maria apart): those *decided* in the period; delegation decisions: *taken* in it;
* summaries: lex Sarah investigations *closed* in the period (public: as the SAS approved them).
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.models import (
    Action,
    DelegationDecision,
    OrgUnit,
    Regulator,
    RegulatorNotification,
    Report,
    ReportType,
    RiskBand,
    Term,
)
from lib import periods
from lib.table import Table, with_totals
from reporting.selectors import reviews
from reporting.services.aggregates import Dimension, counted

TOTAL = _("Total")
NOT_STATED = _("Not stated")
PRIVATE_PROVIDERS = _("Private providers (not in the total)")


# Which cases a scope counts: all, the board's own provision, or the private providers'
# (units marked ``is_private_provider``, and every unit below one), which the tables show
# beside the board's total rather than inside it.
ALL, OWN, PRIVATE = "all", "own", "private"


@dataclass
class Scope:
    unit: OrgUnit  # a board, or the municipality for the kvalitetsberättelse
    start: object  # date
    end: object  # date
    public: bool
    provision: str = ALL

    @property
    def reports(self):
        return selectors.compilation_reports(self.unit).filter(self._provision_q())

    @property
    def where(self):
        return selectors.compilation_scope(self.unit) & self._provision_q()

    def units(self):
        """{id: unit} of every node under the compiled board or municipality, whatever the provision."""
        if not hasattr(self, "_units"):
            self._units = {u.pk: u for u in OrgUnit.objects.filter(path__startswith=self.unit.path)}
        return self._units

    def private_units(self):
        """{id: the private provider} for every unit provided privately: a unit marked as a
        private provider, or one below such a unit (the provider is the highest marked node)."""
        units = self.units()
        providers = sorted((u for u in units.values() if u.is_private_provider), key=lambda u: len(u.path))
        result = {}
        for unit in units.values():
            provider = next((p for p in providers if unit.path.startswith(p.path)), None)
            if provider is not None:
                result[unit.pk] = provider
        return result

    def existed(self, unit):
        """Whether the unit existed at some time in the period (``OrgUnit.active_from/until``)."""
        return unit.existed_between(self.start, self.end)

    def has_private_provision(self):
        """Whether the compiled boards had a private provider at some time in the period, or
        cases of the period filed on one (recorded as closed or not)."""
        units = self.units()
        private = self.private_units()
        if any(self.existed(units[pk]) for pk in private):
            return True
        return bool(private) and self.with_provision(PRIVATE).in_period().exists()

    def in_provision(self, unit_id):
        if self.provision == ALL:
            return True
        return (unit_id in self.private_units()) == (self.provision == PRIVATE)

    def _provision_q(self):
        if self.provision == ALL:
            return Q()
        private = sorted(self.private_units())
        return Q(unit__in=private) if self.provision == PRIVATE else ~Q(unit__in=private)

    def with_provision(self, provision):
        scope = Scope(unit=self.unit, start=self.start, end=self.end, public=self.public, provision=provision)
        scope._units = self.units()
        return scope

    def count(self, dimension, by, start=None, end=None, **filters):
        """Counter {tuple of ``by``: n} from the monthly cells of the board's cases reported in
        the period (or from ``start`` to ``end``), counted exactly where months are partial."""
        return counted(self.where, dimension, start or self.start, end or self.end, by, **filters)

    @property
    def bounds(self):
        return periods.local_range(self.start, self.end)

    def in_period(self, field="reported_at"):
        low, high = self.bounds
        return self.reports.filter(**{f"{field}__gte": low, f"{field}__lt": high})

    def boards(self):
        if self.unit.kind == OrgUnit.Kind.BOARD:
            return [self.unit]
        return list(
            OrgUnit.objects.filter(kind=OrgUnit.Kind.BOARD, path__startswith=self.unit.path).order_by("name")
        )


def _terms(vocabulary, scope):
    """The vocabulary's terms valid in the period, each sub-term right after its parent: the
    shared ones and those of the boards compiled, never another board's own."""
    terms = (
        Term.objects.filter(vocabulary=vocabulary)
        .filter(
            Q(valid_from__lte=scope.end),
            Q(valid_to__isnull=True) | Q(valid_to__gte=scope.start),
            Q(board__isnull=True) | Q(board__path__startswith=scope.unit.path),
        )
        .select_related("parent")
    )

    def place(term):
        head = term.parent if term.parent_id else term
        return (head.order, head.name, term.parent_id is not None, term.order, term.name)

    return sorted(terms, key=place)


def cross_table(key, title, stub, column_labels, row_labels, matrix, footnotes=()):
    """A count table with a total column and a total row: every row and column adds up."""
    width = len(column_labels)
    return Table(
        key=key,
        title=title,
        columns=[stub, *column_labels, TOTAL],
        rows=with_totals(row_labels, matrix, width=width, total_label=TOTAL),
        counts=list(range(1, width + 2)),
        total_row=True,
        total_column=width + 1,
        row_parts=list(range(1, width + 1)),
        footnotes=list(footnotes),
    )


def count_list(key, title, stub, heading, labelled, *, total_label=TOTAL, footnotes=()):
    """One count per row, then their total: ``labelled`` is [(label, count)]."""
    rows = [[label, count] for label, count in labelled]
    rows.append([total_label, sum(count for _label, count in labelled)])
    return Table(
        key=key,
        title=title,
        columns=[stub, heading],
        rows=rows,
        counts=[1],
        total_row=True,
        footnotes=list(footnotes),
    )


def _id(key):
    """A cell's key as the id it holds, or None for cases that state no value."""
    return int(key) if key else None


def _keyed_rows(keys_labels, counts, extra_key=None, extra_label=NOT_STATED):
    """(labels, values) for every key, plus a row for cases without a value if there are any."""
    labels, values = [], []
    for key, label in keys_labels:
        labels.append(label)
        values.append(counts.get(key, 0))
    if counts.get(extra_key):
        labels.append(extra_label)
        values.append(counts[extra_key])
    return labels, values


def lex_sarah_per_year(scope):
    year = scope.end.year
    years = [year - 2, year - 1, year]
    counts = Counter()
    for (namnd_id, month), n in scope.count(
        Dimension.REPORTS,
        ("namnd", "month"),
        datetime.date(years[0], 1, 1),
        datetime.date(year, 12, 31),
        type=ReportType.LEX_SARAH,
    ).items():
        counts[(namnd_id, month.year)] += n
    # The compiled board is its row; of a municipality, a board is a row when it existed in one
    # of the three years, or has reports in them.
    first, last = datetime.date(years[0], 1, 1), datetime.date(year, 12, 31)
    boards = [
        board
        for board in scope.boards()
        if board == scope.unit
        or board.existed_between(first, last)
        or any(counts.get((board.pk, y)) for y in years)
    ]
    matrix = [[counts.get((board.pk, y), 0) for y in years] for board in boards]
    many = len(boards) > 1
    return Table(
        key="lex_sarah_per_year",
        title=_("Lex Sarah reports per year"),
        columns=[_("Board"), *[str(y) for y in years]],
        rows=with_totals(
            [b.name for b in boards],
            matrix,
            width=len(years),
            total_label=TOTAL,
            totals_column=False,
            totals_row=many,
        ),
        counts=[1, 2, 3],
        total_row=many,
        footnotes=[_("Reports received in each whole calendar year, by the board responsible.")],
    )


def verksamhet(unit, units_by_id):
    """The department (avdelning) a unit belongs to, or the unit itself when it has none."""
    for pk in reversed([int(p) for p in unit.path.strip("/").split("/")]):
        node = units_by_id.get(pk)
        if node is not None and node.kind == OrgUnit.Kind.DEPARTMENT:
            return node
    return unit


def row_unit(unit, scope):
    """The row a unit's cases count in: its verksamhet, or for privately provided care the
    private provider."""
    if scope.provision == PRIVATE:
        return scope.private_units()[unit.pk]
    return verksamhet(unit, scope.units())


def lex_sarah_per_tertial(scope):
    return _per_tertial(
        scope,
        ReportType.LEX_SARAH,
        "lex_sarah_per_tertial",
        _("Lex Sarah reports per tertial and verksamhet"),
    )


def lex_maria_per_tertial(scope):
    return _per_tertial(
        scope,
        ReportType.LEX_MARIA,
        "lex_maria_per_tertial",
        _("Lex Maria reports per tertial and verksamhet"),
    )


def _per_tertial(scope, report_type, table_key, title):
    """Every verksamhet of the compiled boards that existed in the period is a row, with zeros
    when it had no reports: the avdelningar, and the units that belong to none (for the private
    providers: each provider). A unit closed before the period, or opened after it, is no row
    (unless reports of the period are filed on it)."""
    tertials = periods.buckets("tertial", scope.start, scope.end)
    rows = scope.count(Dimension.REPORTS, ("unit", "month"), type=report_type)
    units = scope.units()
    counts = defaultdict(Counter)
    for unit in units.values():
        if (
            unit.kind in (OrgUnit.Kind.DEPARTMENT, OrgUnit.Kind.UNIT)
            and scope.in_provision(unit.pk)
            and scope.existed(unit)
        ):
            counts.setdefault(row_unit(unit, scope).pk, Counter())
    for (unit_id, month), n in rows.items():
        department = row_unit(units[unit_id], scope)
        key, _label = periods.bucket("tertial", month.year, month.month)
        counts[department.pk][key] += n
    departments = sorted((units[pk] for pk in counts), key=lambda u: (u.name, u.pk))
    matrix = [[counts[d.pk][key] for key, _label in tertials] for d in departments]
    return cross_table(
        table_key,
        title,
        _("Verksamhet"),
        [label for _key, label in tertials],
        [d.name for d in departments],
        matrix,
        footnotes=[
            _(
                "T1 is January–April, T2 May–August, T3 September–December; only the part of a tertial "
                "inside the period is counted."
            )
        ],
    )


def lex_sarah_categories(scope):
    return _categories(
        scope,
        ReportType.LEX_SARAH,
        Term.Vocabulary.LEX_SARAH_CATEGORY,
        "lex_sarah_categories",
        _("Lex Sarah reports per category"),
    )


def lex_maria_categories(scope):
    return _categories(
        scope,
        ReportType.LEX_MARIA,
        Term.Vocabulary.LEX_MARIA_CATEGORY,
        "lex_maria_categories",
        _("Lex Maria reports per category"),
    )


def _categories(scope, report_type, vocabulary, table_key, title):
    marks = {int(key): n for (key,), n in scope.count(Dimension.MARK, ("key",), type=report_type).items()}
    terms = [t for t in _terms(vocabulary, scope)]
    known = {t.pk for t in terms}
    terms += list(Term.objects.filter(pk__in=set(marks) - known))
    labels, values = _keyed_rows([(t.pk, str(t)) for t in terms], marks)
    report_count = sum(scope.count(Dimension.REPORTS, ("type",), type=report_type).values())
    return count_list(
        table_key,
        title,
        _("Category"),
        _("Reports"),
        list(zip(labels, values, strict=True)),
        total_label=_("Total category marks"),
        footnotes=[
            _(
                "A report counts once in each of its categories, so the total of category marks can exceed "
                "the number of reports (%(reports)s)."
            )
            % {"reports": _count_text(report_count, scope)}
        ],
    )


def _count_text(value, scope):
    threshold = scope_threshold(scope)
    if scope.public and 0 < value < threshold:
        return str(_("fewer than %(threshold)d") % {"threshold": threshold})
    return str(value)


def scope_threshold(scope):
    from reporting.models import SuppressionRule

    return SuppressionRule.threshold_on(scope.end)


def individuals(scope):
    per_type = {t: n for (t,), n in scope.count(Dimension.REPORTS, ("type",)).items()}
    persons = {t: n for (t,), n in scope.count(Dimension.PERSONS, ("type",)).items()}
    types = list(ReportType)
    rows = [[t.label, per_type.get(t.value, 0), persons.get(t.value, 0)] for t in types]
    rows.append([TOTAL, sum(r[1] for r in rows), sum(r[2] for r in rows)])
    return Table(
        key="individuals",
        title=_("Individuals concerned"),
        columns=[_("Type"), _("Reports"), _("Individuals concerned")],
        rows=rows,
        counts=[1, 2],
        total_row=True,
        footnotes=[
            _(
                "A report can concern several individuals; an individual concerned by several reports is "
                "counted in each."
            )
        ],
    )


def ivo_notifications(scope):
    return _ivo_outcomes(
        scope, ReportType.LEX_SARAH, "ivo_notifications", _("Notifications to IVO and their outcome")
    )


def lex_maria_ivo_notifications(scope):
    return _ivo_outcomes(
        scope,
        ReportType.LEX_MARIA,
        "lex_maria_ivo_notifications",
        _("Lex Maria notifications to IVO and their outcome"),
    )


def _ivo_outcomes(scope, report_type, table_key, title):
    low, high = scope.bounds
    outcomes = dict(
        RegulatorNotification.objects.filter(
            report__in=scope.reports.filter(type=report_type),
            regulator=Regulator.IVO,
            decided_at__gte=low,
            decided_at__lt=high,
        )
        .values("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    labelled = [
        (_("Awaiting the regulator's decision"), outcomes.get("", 0)),
        *[(label, outcomes.get(value, 0)) for value, label in RegulatorNotification.Outcome.choices],
    ]
    return count_list(
        table_key,
        title,
        _("Outcome"),
        _("Notifications"),
        labelled,
        footnotes=[_("Notifications decided in the period, by IVO's decision so far.")],
    )


def complaints(scope):
    counts = {
        (_id(area), _id(kind)): n
        for (area, kind), n in scope.count(
            Dimension.COMPLAINT, ("key", "key2"), type=ReportType.COMPLAINT
        ).items()
    }
    kinds = _terms(Term.Vocabulary.COMPLAINT_KIND, scope)
    areas = _terms(Term.Vocabulary.SUBJECT_AREA, scope)
    kinds += list(Term.objects.filter(pk__in={k for _a, k in counts if k} - {t.pk for t in kinds}))
    areas += list(Term.objects.filter(pk__in={a for a, _k in counts if a} - {t.pk for t in areas}))
    area_keys = [(a.pk, str(a)) for a in areas]
    if any(a is None for a, _k in counts):
        area_keys.append((None, NOT_STATED))
    kind_keys = [(k.pk, str(k)) for k in kinds]
    if any(k is None for _a, k in counts):
        kind_keys.append((None, NOT_STATED))
    matrix = [[counts.get((a, k), 0) for k, _l in kind_keys] for a, _label in area_keys]
    return cross_table(
        "complaints",
        _("Complaints and feedback per kind and subject area"),
        _("Subject area"),
        [label for _k, label in kind_keys],
        [label for _a, label in area_keys],
        matrix,
    )


def deviations(scope):
    numbers = {
        _id(key): n
        for (key,), n in scope.count(Dimension.CATEGORY, ("key",), type=ReportType.DEVIATION).items()
    }
    acted = {
        _id(key): n for (key,), n in scope.count(Dimension.ACTED, ("key",), type=ReportType.DEVIATION).items()
    }
    counts = {key: (n, acted.get(key, 0)) for key, n in numbers.items()}
    terms = _terms(Term.Vocabulary.DEVIATION_CATEGORY, scope)
    terms += list(Term.objects.filter(pk__in={k for k in counts if k} - {t.pk for t in terms}))
    keys = [(t.pk, str(t)) for t in terms]
    if None in counts:
        keys.append((None, _("Not categorised")))
    total = sum(n for n, _a in counts.values())
    table_rows = []
    for key, label in keys:
        n, acted_n = counts.get(key, (0, 0))
        table_rows.append([label, n, round(100 * n / total, 1) if total else 0.0, acted_n])
    table_rows.append([TOTAL, total, 100.0 if total else 0.0, sum(a for _n, a in counts.values())])
    return Table(
        key="deviations",
        title=_("Deviations per type"),
        columns=[_("Type of deviation"), _("Number"), _("Share"), _("Led to documented actions")],
        rows=table_rows,
        counts=[1, 3],
        derived={2: 1},
        percent=[2],
        total_row=True,
        footnotes=[_("A deviation led to documented actions when at least one action is recorded on it.")],
    )


def risks(scope):
    counts = {
        (_id(band), type_): n for (band, type_), n in scope.count(Dimension.RISK, ("key", "type")).items()
    }
    bands = list(
        RiskBand.objects.filter(
            Q(valid_from__lte=scope.end), Q(valid_to__isnull=True) | Q(valid_to__gte=scope.start)
        ).order_by("min_score")
    )
    keys = [(b.pk, str(b)) for b in bands]
    if any(b is None for b, _t in counts):
        keys.append((None, _("Not assessed")))
    types = list(ReportType)
    matrix = [[counts.get((band, t.value), 0) for t in types] for band, _label in keys]
    return cross_table(
        "risks",
        _("Reports per risk level"),
        _("Risk level"),
        [t.label for t in types],
        [label for _b, label in keys],
        matrix,
    )


def actions(scope):
    counts = dict(scope.count(Dimension.ACTION, ("type", "key")))
    types, statuses = list(ReportType), list(Action.Status)
    matrix = [[counts.get((t.value, s.value), 0) for s in statuses] for t in types]
    return cross_table(
        "actions",
        _("Actions by origin and status"),
        _("Origin"),
        [s.label for s in statuses],
        [t.label for t in types],
        matrix,
        footnotes=[_("Actions on the reports received in the period, by the type of report they came from.")],
    )


def breaches(scope):
    # Each breach counts under ``aggregates.breach_outcome``: notified to IMY (with IMY's
    # outcome, or awaiting it), documented only (a decision not to notify), or undecided.
    counts = {
        key: n for (key,), n in scope.count(Dimension.BREACH, ("key",), type=ReportType.DATA_BREACH).items()
    }
    labels = [
        ("not_notified", _("Not notified to IMY (documented only)")),
        ("awaiting", _("Notified to IMY, awaiting IMY's decision")),
        *[
            (value, _("Notified to IMY: %(outcome)s") % {"outcome": label})
            for value, label in RegulatorNotification.Outcome.choices
        ],
        ("undecided", _("Not yet decided")),
    ]
    return count_list(
        "breaches",
        _("Personal data breaches and notifications to IMY"),
        _("Outcome"),
        _("Breaches"),
        [(label, counts.get(key, 0)) for key, label in labels],
        total_label=_("Breaches reported"),
    )


def summaries(scope):
    """The closed lex Sarah investigations, anonymised (``reporting.selectors.reviews``). The
    public version shows only the summaries the SAS has approved, as approved; the others are
    listed (their verksamhet, categories and assessment) as awaiting review and counted in a
    footnote. The internal version shows the approved text or the automatic anonymisation,
    with the state of the review: only it needs the automatic texts, which are stored
    (``reporting.services.drafts``) rather than made here for every case."""
    low, high = scope.bounds
    units = scope.units()
    drafts = reviews.drafts(
        reviews.closed_lex_sarah(scope.reports, low, high), units, anonymised=not scope.public
    )
    assessments = dict(Report.LexSarahAssessment.choices)
    awaiting = _("Awaiting review")
    rows = []
    for draft in drafts:
        if draft.approved:
            decision, summary = draft.published_decision, draft.published_summary
        elif scope.public:
            decision, summary = awaiting, awaiting
        else:
            decision, summary = draft.decision, draft.summary
        row = [
            verksamhet(units[draft.unit_id], units).name,
            ", ".join(draft.categories),
            assessments.get(draft.assessment, ""),
            decision,
            summary,
        ]
        if not scope.public:
            row.insert(0, draft.case_number)
            row.append(_("Approved") if draft.approved else awaiting)
        rows.append(row)
    columns = [_("Verksamhet"), _("Categories"), _("Assessment"), _("Decision"), _("Summary")]
    if not scope.public:
        columns.insert(0, _("Case number"))
        columns.append(_("Review"))
    footnotes = [
        _(
            "Summaries are shortened and anonymised: names, personal identity numbers, contact details, "
            "addresses and dates of birth are removed, and the SAS reviews each summary before it is "
            "published."
        )
    ]
    pending = sum(1 for draft in drafts if not draft.approved)
    if pending:
        note = (
            _("%(pending)d of %(total)d summaries are awaiting the SAS's review and are not published yet.")
            if scope.public
            else _("%(pending)d of %(total)d summaries are awaiting the SAS's review.")
        )
        footnotes.append(note % {"pending": pending, "total": len(drafts)})
    return Table(
        key="summaries",
        title=_("Closed lex Sarah investigations"),
        columns=columns,
        rows=rows,
        stub=len(columns),
        footnotes=footnotes,
    )


def delegation_decisions(scope):
    low, high = scope.bounds
    decisions = (
        DelegationDecision.objects.filter(report__in=scope.reports, decided_at__gte=low, decided_at__lt=high)
        .order_by("decided_at", "id")
        .values_list(
            "decided_at",
            "report__case_number",
            "kind",
            "delegate_title",
            "delegate_name",
            "legal_reference__citation",
        )
    )
    kinds = dict(DelegationDecision.Kind.choices)
    rows = []
    for decided_at, number, kind, title, name, citation in decisions:
        row = [
            timezone.localtime(decided_at).date().isoformat(),
            kinds.get(kind, kind),
            title or name,
            citation,
        ]
        if not scope.public:
            row.insert(1, number)
        rows.append(row)
    columns = [_("Date"), _("Decision"), _("Delegate"), _("Legal basis")]
    if not scope.public:
        columns.insert(1, _("Case number"))
    return Table(
        key="delegation_decisions",
        title=_("Delegation decisions"),
        columns=columns,
        rows=rows,
        stub=len(columns),
    )


# Tables that list cases rather than count them: not split by provision (the verksamhet
# column names the provider).
LISTS = {"summaries", "delegation_decisions"}
# The table whose rows are units: each private provider gets a row of its own beside the total.
UNIT_ROWS = {"lex_sarah_per_tertial", "lex_maria_per_tertial"}


# Tables of the rooms above ``cases`` (records: the loggkontroll's questioned reads), added by
# their AppConfig.ready() through ``register``, after the floor's own; the floor never imports them.
REGISTERED = []


def register(builder, *, split=False):
    """Add a table builder ``builder(scope) -> Table`` to every compilation, once. Unless
    ``split``, it is not made per provision (a list, or counts that are not by unit). A builder
    is named as the key of the table it makes (``LISTS`` holds both)."""
    if builder not in REGISTERED:
        REGISTERED.append(builder)
        if not split:
            LISTS.add(builder.__name__)
    return builder


def builders():
    return [*BUILDERS, *REGISTERED]


def beside_the_total(own, private):
    """``own`` (the table of the board's own provision, suppressed if public) with the private
    providers' counts in rows after its total, not inside it: each provider for the table by
    unit, else the private providers' total. ``private`` is the same table built for the
    private providers alone and suppressed on its own; a value derived from a count (a share)
    is left empty there, since it would be a share of the private providers' own total."""
    if own.key in UNIT_ROWS:
        picked = [
            (r, _("%(provider)s (private provider)") % {"provider": private.rows[r][0]})
            for r in range(len(private.rows) - 1)
        ]
    elif private.total_row or len(private.rows) == 1:
        picked = [(len(private.rows) - 1, PRIVATE_PROVIDERS)]
    else:
        picked = []
    explained = bool(own.suppressed)
    for r, label in picked:
        row = [label, *private.rows[r][1:]]
        for c in own.derived:
            row[c] = None
        own.rows.append(row)
        for c in range(1, len(row)):
            if (r, c) in private.suppressed and c not in own.derived:
                own.suppressed.add((len(own.rows) - 1, c))
    own.footnotes.append(
        _(
            "Private providers (enskild verksamhet, utförare i privat regi) are shown beside the total "
            "and are not counted in it."
        )
    )
    if private.suppressed and not explained:
        # The footnote that explains ``*`` (suppression adds it last).
        own.footnotes.append(private.footnotes[-1])
    return own


BUILDERS = [
    lex_sarah_per_year,
    lex_sarah_per_tertial,
    lex_sarah_categories,
    individuals,
    ivo_notifications,
    lex_maria_per_tertial,
    lex_maria_categories,
    lex_maria_ivo_notifications,
    complaints,
    deviations,
    risks,
    actions,
    breaches,
    summaries,
    delegation_decisions,
]

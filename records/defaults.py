"""The example retention rules every board starts with (docs/records.md, "The defaults").

Typical values from municipal document-management plans, marked ``is_example``: each board
replaces them with its own plan's decisions. Lex Sarah and lex Maria cases and breaches notified to IMY are
kept (bevaras); avvikelser are disposed of 5 years after closure (plans say 2–5), klagomål and
synpunkter after 2 years, breaches not notified to IMY after 5 years.
"""

import datetime

EXAMPLE_FROM = datetime.date(2000, 1, 1)

# (case type, outcome, disposition, years, basis)
EXAMPLES = [
    (
        "deviation",
        "",
        "dispose",
        5,
        "Exempel: avvikelserapporter, gallras 5 år efter avslut (planer anger 2–5 år)",
    ),
    ("complaint", "", "dispose", 2, "Exempel: klagomål och synpunkter, gallras 2 år efter avslut"),
    ("lex_sarah", "", "keep", None, "Exempel: lex Sarah-rapporter och utredningar, bevaras"),
    ("lex_maria", "", "keep", None, "Exempel: lex Maria-anmälningar och utredningar, bevaras"),
    ("data_breach", "notified", "keep", None, "Exempel: personuppgiftsincidenter anmälda till IMY, bevaras"),
    (
        "data_breach",
        "not_notified",
        "dispose",
        5,
        "Exempel: personuppgiftsincidenter ej anmälda till IMY, gallras 5 år efter avslut",
    ),
]


def seed_example_rules(board, rule_model):
    """Give ``board`` the example rules unless it has rules already; ``rule_model`` is the
    model class (the historical one in a migration)."""
    if rule_model.objects.filter(board_id=board.pk).exists():
        return 0
    rule_model.objects.bulk_create(
        [
            rule_model(
                board_id=board.pk,
                report_type=report_type,
                outcome=outcome,
                disposition=disposition,
                years=years,
                basis=basis,
                is_example=True,
                valid_from=EXAMPLE_FROM,
            )
            for report_type, outcome, disposition, years, basis in EXAMPLES
        ]
    )
    return len(EXAMPLES)

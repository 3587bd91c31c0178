"""The records room: gallring by the board's document-management plan and review of the read log."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = _("Records management")

    def ready(self):
        from cases import inbox_extras
        from notifications.selectors import register_template
        from records.compilation import questioned_reads
        from records.inbox import records_items
        from records.reminders import TEMPLATE, still_to_send
        from reporting.selectors import tables

        inbox_extras.register(records_items)
        tables.register(questioned_reads)
        register_template(TEMPLATE, still_to_send)

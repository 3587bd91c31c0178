"""The records room: gallring by the board's document-management plan and review of the read log."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    label = "records"
    verbose_name = _("Records management")

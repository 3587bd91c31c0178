"""The API's JSON parser: DRF's, refusing text that is not Unicode.

JSON can spell a lone surrogate (``"\\ud800"``), which Python reads into a ``str`` that no
database can store, since UTF-8 has no encoding for it. Every body is checked here, once, so
that such text is refused as unreadable (400) before any endpoint sees it, instead of failing
(500) wherever it would be saved or looked up. It is the default parser
(``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``); a view that names its own parsers (DRF's token
view does) names this one.
"""

import json

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ParseError(
                _(
                    "JSON parse error - the text holds a lone surrogate (\\ud800–\\udfff), "
                    "which is not a character."
                )
            ) from None
        return data

"""eark-validator, offline (docs/archive.md, "Validation").

eark-validator 1.1.3 reads four DILCIS vocabularies with ``urlopen`` from earkcsip.dilcis.eu when
``eark_validator.ipxml.schematron`` is imported; the very same files ship inside the package
(``eark_validator/ipxml/resources/vocabs``). While it is imported, an opener answers those
https addresses from the shipped files, and nothing else: no network is used.
"""

import email.message
import importlib.resources
import io
import json
import shutil
import tempfile
import urllib.request
import urllib.response
import zipfile
from pathlib import Path

VOCABULARIES = "https://earkcsip.dilcis.eu/schema/"


class _Shipped(urllib.request.BaseHandler):
    handler_order = 100  # before the default https handler

    def __init__(self, folder):
        self.folder = folder

    def https_open(self, request):
        if not request.full_url.startswith(VOCABULARIES):
            raise urllib.error.URLError(f"eark-validator offline: {request.full_url}")
        data = (self.folder / request.full_url.rsplit("/", 1)[1]).read_bytes()
        response = urllib.response.addinfourl(
            io.BytesIO(data), email.message.Message(), request.full_url, 200
        )
        response.msg = "OK"
        return response


def _validator():
    folder = Path(str(importlib.resources.files("eark_validator.ipxml.resources.vocabs")))
    previous = urllib.request._opener  # noqa: SLF001 (restored below)
    urllib.request.install_opener(urllib.request.build_opener(_Shipped(folder)))
    try:
        from eark_validator.packages import PackageValidator
    finally:
        urllib.request._opener = previous  # noqa: SLF001
    return PackageValidator


def validate(data):
    """eark-validator's report of the zipped package ``data`` (E-ARK 2.1.0) as a dict."""
    PackageValidator = _validator()
    folder = Path(tempfile.mkdtemp())
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(folder)
        (root,) = folder.iterdir()
        return json.loads(PackageValidator(root).validation_report.model_dump_json())
    finally:
        shutil.rmtree(folder)


def errors(report):
    """The rule ids of the report's errors (structure, schema and schematron)."""
    found = [m["rule_id"] for m in report["structure"]["messages"] if m["severity"] == "Error"]
    for part in ("schema_results", "schematron_results"):
        found += [m["rule_id"] for m in report["metadata"][part]["messages"] if m["severity"] == "Error"]
    return sorted(found)

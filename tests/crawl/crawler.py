"""A bounded crawler over Django's test client: every same-origin link and GET form of every
HTML page it reaches, breadth first, as one signed-in user in one language.

Bounded by *variant*, not by URL: a URL's variant is its URL pattern, its arguments that are
not ids (the part of a case, the step's name), the names of its query parameters, and, for a
case's pages, the case's type and state. Each variant is visited once and each pattern at most
``PATTERN_CAP`` times, so a list of 500 cases costs one visit per kind of case, while a new
page, a new part or a new state of a case is reached without anyone listing it.
"""

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from django.urls import Resolver404, resolve

# Arguments that pick one object among many of a kind: not part of a variant.
ID_ARGUMENTS = {
    "report_id",
    "task_id",
    "action_id",
    "notification_id",
    "job_id",
    "pk",
    "object_id",
    "uidb64",
    "token",
    "content_type_id",
}
# Arguments that name a case's own object, for the scope check.
CASE_ARGUMENTS = ("report_id", "task_id", "job_id")
PATTERN_CAP = 40
# The admin's pages are Django's own, the same for every model: a few variants of each (the
# list, a filter, a sort) are enough, where every filter × sort combination would be hundreds.
ADMIN_PATTERN_CAP = 3
# Never followed: what signs out, changes the language, or is a static file.
SKIPPED_PREFIXES = ("/static/", "/media", "/accounts/logout/", "/admin/logout/", "/i18n/")


@dataclass
class Visit:
    url: str
    status: int
    view_name: str
    kwargs: dict
    source: str
    error: str = ""
    raw: list = field(default_factory=list)


# What a person must never read on a page: a model's default name ("InvestigationEntry object
# (69)"), a time as the machine writes it (2026-12-07T22:36:56), an event or audit code
# (task.assigned, clock.overdue), a choice's stored value (pataglig_risk_for_allvarligt_…).
RAW_CODES = [
    re.compile(r"\b[A-Z][A-Za-z]+ object \(\d+\)"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
    re.compile(r"\b(?:task|clock|report|action|notification|complaint|person|entry|user)\.[a-z_]+\b"),
    re.compile(r"(?<![@\w.-])[a-z]+_[a-z]+(?:_[a-z]+)+\b(?![@\w.-])"),
]


class _Text(HTMLParser):
    """The text a person reads on a page: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def raw_codes(html):
    """The raw codes a page shows its reader (RAW_CODES), each once."""
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    found = []
    for pattern in RAW_CODES:
        for match in pattern.findall(text):
            if match not in found:
                found.append(match)
    return found


@dataclass
class Result:
    visits: list = field(default_factory=list)

    def failures(self):
        return [v for v in self.visits if v.status >= 500]

    def raw(self):
        return [v for v in self.visits if v.raw]

    def view_names(self):
        return {v.view_name for v in self.visits if v.view_name}


class _Page(HTMLParser):
    """The links and GET forms of one page (a form as the URL it sends with its defaults)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("a", "area") and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form" and (attrs.get("method") or "get").lower() == "get":
            self._form = {"action": attrs.get("action") or "", "fields": []}
        elif self._form is not None and tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._form["fields"].append(
                (attrs["name"], attrs.get("value") or ("on" if kind == "checkbox" else ""))
            )
        elif self._form is not None and tag == "select" and attrs.get("name"):
            self._select = {"name": attrs["name"], "first": None, "selected": None}
        elif self._select is not None and tag == "option":
            value = attrs.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attrs:
                self._select["selected"] = value
        elif self._form is not None and tag == "textarea" and attrs.get("name"):
            self._textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = (
                self._select["selected"] if self._select["selected"] is not None else self._select["first"]
            )
            self._form["fields"].append((self._select["name"], chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["fields"].append(tuple(self._textarea))
            self._textarea = None
        elif tag == "form" and self._form is not None:
            action = self._form["action"]
            query = urlencode(self._form["fields"])
            self.links.append(f"{action.split('?')[0]}?{query}" if query else action or "?")
            self._form = None


def same_origin_path(base, href):
    """The path and query of ``href`` seen from ``base``, or None when it leaves the site."""
    if href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin("http://testserver" + base, href))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIPPED_PREFIXES):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def links_of(base, html):
    page = _Page()
    page.feed(html)
    found = []
    for href in page.links:
        path = same_origin_path(base, href)
        if path is not None:
            found.append(path)
    return found


class Crawler:
    def __init__(self, client, describe_case, check_text=False):
        """``describe_case(view_name, kwargs)``: what kind of case the URL's arguments name;
        ``check_text``: look for raw codes in the text of every page of the site (not the
        admin's, which is Django's own and shows codes to the administrators on purpose)."""
        self.client = client
        self.describe_case = describe_case
        self.check_text = check_text
        self.seen_variants = set()
        self.per_pattern = Counter()

    def variant(self, path, match):
        query_keys = tuple(
            sorted({key for key, _value in parse_qsl(urlsplit(path).query, keep_blank_values=True)})
        )
        arguments = tuple(sorted((k, v) for k, v in match.kwargs.items() if k not in ID_ARGUMENTS))
        return match.view_name, arguments, self.describe_case(match.view_name, match.kwargs), query_keys

    def admit(self, path):
        """(whether to visit ``path``: its variant is new and its pattern below the cap, its match)."""
        try:
            match = resolve(urlsplit(path).path)
        except Resolver404:
            match = None
        key = self.variant(path, match) if match else ("unresolved", urlsplit(path).path)
        cap = ADMIN_PATTERN_CAP if key[0].startswith("admin:") else PATTERN_CAP
        if key in self.seen_variants or self.per_pattern[key[0]] >= cap:
            return False, match
        self.seen_variants.add(key)
        self.per_pattern[key[0]] += 1
        return True, match

    def run(self, seeds):
        result = Result()
        queue = deque((seed, "seed") for seed in seeds)
        while queue:
            path, source = queue.popleft()
            admitted, match = self.admit(path)
            if not admitted:
                continue
            response = self.client.get(path)
            exc_info = getattr(response, "exc_info", None)
            result.visits.append(
                Visit(
                    path,
                    response.status_code,
                    match.view_name if match else "",
                    dict(match.kwargs) if match else {},
                    source,
                    f"{exc_info[0].__name__}: {exc_info[1]}" if exc_info else "",
                )
            )
            if response.status_code in (301, 302, 303, 307, 308):
                target = same_origin_path(path, response["Location"])
                if target:
                    queue.append((target, path))
            elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                html = response.content.decode()
                if self.check_text and not path.startswith("/admin/"):
                    result.visits[-1].raw = raw_codes(html)
                for link in links_of(path, html):
                    queue.append((link, path))
        return result

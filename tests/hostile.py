"""Hostile input for the property-based tests (Hypothesis): text a careless or malicious
sender can put in a form, a request or a file.

``FUZZ_MAX_EXAMPLES`` (default 10) is the fuzzing's budget (docs/testing.md): schemathesis's
examples per operation and user; a property here, one request per example and no coverage
phase, is tried with five times as many. Raise it to fuzz longer locally.
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ_MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))

# Each example is rolled back by the test itself, so the function-scoped database fixtures are
# safe to share between examples; a request takes longer than Hypothesis's default deadline.
FUZZ_SETTINGS = settings(
    max_examples=5 * FUZZ_MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

ONE_MB = "Å" * (512 * 1024)  # 1 MiB in UTF-8

SAMPLES = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><b>fet</b>",
    "{{ request }} {% debug %}",
    "&amp; &lt;b&gt; &#0;",
    "javascript:alert(1)",
    "a\x00b",
    "\x00",
    "\u202eabc\u202c مرحبا שלום",  # right-to-left override, Arabic, Hebrew
    "\u200b\u200c\u200d\u2060\ufeff",  # zero-width characters
    "e\u0301\u0301\u0301 Z\u0336\u0335",  # combining marks
    "👩‍👩‍👧‍👦 🇸🇪 𝕏",
    "\r\n\r\n\t  ",
    "Robert'); DROP TABLE cases_report;--",
    "%s %(x)s {0} \\N{BULLET}",
    "\u2028\u2029\x85",
    "\ufffd\uffff",
]

# Any text a browser can send (every code point but lone surrogates, which UTF-8 cannot carry),
# the samples above, mixtures of both, and a 1 MB string.
hostile_text = st.one_of(
    st.text(),
    st.sampled_from(SAMPLES),
    st.lists(st.one_of(st.sampled_from(SAMPLES), st.text(max_size=8)), min_size=1, max_size=6).map("".join),
    st.just(ONE_MB),
)

# Bytes that are not UTF-8, alone or inside text: what a client can put in a request body or
# a file even though no browser would.
invalid_utf8 = st.one_of(
    st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x80abc"]),
    st.binary(min_size=1, max_size=16).filter(lambda raw: not _is_utf8(raw)),
)


def _is_utf8(raw):
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def text_with_invalid_bytes(draw):
    """UTF-8 text with bytes that are not UTF-8 somewhere in it."""
    before = draw(st.sampled_from(SAMPLES + ["Brukaren föll"])).encode()
    return before + draw(invalid_utf8) + draw(st.text(max_size=8)).encode()

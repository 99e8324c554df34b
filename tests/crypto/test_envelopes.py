"""Envelopes: the readers take what WSO2 and Java write, and the flat reader agrees with json."""

from __future__ import annotations

import base64
import json
import os

from hypothesis import given, settings
from hypothesis import strategies as st

from vault.crypto.envelopes import flat_json_object
from vault.crypto.ring import KeyRing


def test_envelope_readers_accept_any_order_escapes_and_unknown_fields(ring: KeyRing) -> None:
    envelope = json.loads(base64.b64decode(ring.encrypt("ordered")))
    text = json.dumps(
        {
            "extra": 1,
            "tpd": envelope["tpd"],
            "tp": envelope["tp"].lower(),
            "t": envelope["t"],
            "c": envelope["c"],
        }
    )
    text = text.replace("=", "\\u003d")  # Gson's escaping, as WSO2 writes it
    assert ring.decrypt(base64.b64encode(text.encode()).decode()).reveal() == "ordered"


_JSONISH = st.text(alphabet='{}":,\\ abc\x00\x7fé', max_size=40)


@settings(max_examples=int(os.environ.get("VAULT_FUZZ_EXAMPLES", "500")), deadline=None)
@given(
    st.one_of(
        _JSONISH,
        _JSONISH.map(lambda t: '{"' + t + '"}'),
        st.dictionaries(_JSONISH, _JSONISH).map(lambda d: json.dumps(d, separators=(",", ":"))),
    )
)
def test_the_flat_envelope_reader_agrees_with_json(text: str) -> None:
    fast = flat_json_object(text.encode("utf-8"))
    try:
        value = json.loads(text)
    except ValueError:
        assert fast is None
        return
    if fast is not None:
        assert fast == value
    # Every compact object of plain strings is read without json (strings holding
    # ',' or ':' may not be: envelopes have none).
    compact = isinstance(value, dict) and json.dumps(value, separators=(",", ":")) == text
    if compact and all(isinstance(v, str) for v in value.values()):
        plain = not any(c in text[1:-1].replace('","', "").replace('":"', "") for c in ",:")
        if value and plain and text.isprintable() and "\\" not in text:
            assert fast is not None


def test_the_flat_envelope_reader_reads_what_encrypt_writes(ring: KeyRing) -> None:
    for value in ("short", "h" * 400):
        raw = base64.b64decode(ring.encrypt(value))
        assert flat_json_object(raw) == json.loads(raw)
    assert flat_json_object(b'{"a":"b","a":"c"}') is None
    assert flat_json_object(b'{"a": "b"}') is None
    assert flat_json_object(b'{"a":"\\u0062"}') is None

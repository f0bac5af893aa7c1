"""Our X-Twilio-Signature check accepts exactly what Twilio's own validator accepts (it computes one HMAC where
Twilio's computes two): the URL with or without its default port, any form, tampered or foreign signatures."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from integrations.twilio.signing import is_valid, sign

TOKEN = "12345678901234567890123456789012"
URLS = ["https://bot.example.com/webhooks/twilio/whatsapp", "https://bot.example.com:443/webhooks/twilio/whatsapp",
        "http://localhost:5000/webhooks/twilio/status?outbox=12", "http://bot.example.com/webhooks/twilio/status",
        "http://bot.example.com:80/webhooks/twilio/status?outbox=1&x=%20y", "https://bot.example.com:8443/hook"]
FORM = {"MessageSid": "SM" + "a" * 32, "From": "whatsapp:+447700900123", "To": "whatsapp:+14155238886",
        "Body": "hi ✅", "ProfileName": "Asha"}


def twilio_says(url: str, params: dict[str, str], signature: str) -> bool:
    return bool(RequestValidator(TOKEN).validate(url, params, signature))


@pytest.mark.parametrize("signed_url", URLS)
@pytest.mark.parametrize("checked_url", URLS)
def test_every_url_variant_is_judged_as_twilio_judges_it(signed_url, checked_url):
    signature = sign(TOKEN, signed_url, FORM)
    assert is_valid(TOKEN, checked_url, FORM, signature) == twilio_says(checked_url, FORM, signature)
    if signed_url == checked_url:
        assert is_valid(TOKEN, checked_url, FORM, signature)


@pytest.mark.parametrize("signature", ["", " ", "bm90IGEgc2lnbmF0dXJl", "é" * 28, None])
def test_forged_tampered_or_padded_signatures_are_refused(signature):
    url = URLS[0]
    good = sign(TOKEN, url, FORM)
    for candidate in ([sign(TOKEN, url, {**FORM, "Body": "x"}), sign("another-token", url, FORM), good + " ",
                       " " + good, good.lower()] if signature is None else [signature]):
        assert not is_valid(TOKEN, url, FORM, candidate)
        assert not twilio_says(url, FORM, candidate)


@settings(max_examples=200, deadline=None)
@given(params=st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=30), max_size=8),
       url=st.sampled_from(URLS), signed_with_port=st.booleans(), tamper=st.booleans())
def test_any_form_is_judged_as_twilio_judges_it(params, url, signed_with_port, tamper):
    signed_url = url.replace("example.com/", "example.com:443/") if signed_with_port else url
    signature = sign(TOKEN, signed_url, params)
    if tamper:
        params = {**params, "Body": params.get("Body", "") + "!"}
    assert is_valid(TOKEN, url, params, signature) == twilio_says(url, params, signature)

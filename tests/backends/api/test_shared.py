"""What the API backends share, tested without an SDK: statuses, Retry-After, backoff, masking."""

from __future__ import annotations

import pytest

from mentalbench.backends.api.retry import (
    Failure,
    backoff_delay,
    retry_after_seconds,
    status_failure,
)

KEY = "sk-test-0123456789abcdef"


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_stops_everything(status):
    failure = status_failure(status, f"HTTP {status}: no", 5.0, "gpt-4o")
    assert failure == Failure(f"the server refused the API key (HTTP {status}: no)", retry=False,
                              fatal=True)


def test_an_unknown_model_stops_everything_and_names_the_model():
    failure = status_failure(404, "HTTP 404: not found", None, "gpt-4-turbo")
    assert failure.fatal and not failure.retry
    assert failure.message == ("HTTP 404: not found (is model='gpt-4-turbo' served there? pin "
                               "another with the model option)")


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_transient_statuses_are_retried_after_the_servers_wait(status):
    assert status_failure(status, "HTTP x", 2.5, "m") == Failure("HTTP x", retry=True,
                                                                 retry_after=2.5)
    assert status_failure(status, "HTTP x", None, "m").retry_after is None


@pytest.mark.parametrize("status", [400, 402, 405, 413, 422])
def test_other_client_errors_fail_that_request_only(status):
    assert status_failure(status, "HTTP x", 2.5, "m") == Failure("HTTP x", retry=False)


def test_retry_after_forms():
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "0.25"}) == 0.25
    assert retry_after_seconds({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert 100 < retry_after_seconds({"retry-after": "Fri, 31 Dec 2100 23:59:59 GMT"})
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


def test_backoff_is_exponential_with_jitter_and_capped():
    assert backoff_delay(0, 1.0, None, rng=lambda: 0.0) == 0.5
    assert backoff_delay(0, 1.0, None, rng=lambda: 1.0) == 1.0
    assert backoff_delay(3, 1.0, None, rng=lambda: 0.0) == 4.0
    assert backoff_delay(3, 1.0, None, rng=lambda: 1.0) == 8.0
    assert backoff_delay(30, 1.0, None, rng=lambda: 1.0) == 60.0
    assert backoff_delay(5, 1.0, 2.0, rng=lambda: 0.0) == 2.0  # the server's wish wins


def test_one_masking_policy_masks_the_key_and_its_prefix():
    from mentalbench.models.secrets import mask_text, remember

    remember(KEY)
    assert mask_text(f"bad key {KEY} given") == "bad key *** given"
    assert mask_text(f"key {KEY[:12]}... refused") == "key ***... refused"

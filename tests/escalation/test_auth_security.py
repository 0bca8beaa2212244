"""Tokens that expire and can be revoked; password guesses throttled with a clear 429."""

import uuid
import warnings
from datetime import timedelta

import pytest
from django.core.cache.backends.base import CacheKeyWarning
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"
TOKEN = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def fresh_counts(monkeypatch, settings):
    """Counts of this test alone, at the product's default budgets unless a test sets one."""
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache(uuid.uuid4().hex, {}))
    settings.CASEHUB_LOGIN_FAILURES_PER_USERNAME = "10/min"
    settings.CASEHUB_LOGIN_FAILURES_PER_ADDRESS = "50/min"


@pytest.fixture
def person(frontline):
    frontline.set_password("s3cret-pass")
    frontline.save()
    return frontline


def token_for(client, username="frontline", password="s3cret-pass"):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def test_a_token_answers_with_when_it_expires(person, settings):
    settings.CASEHUB_TOKEN_TTL_HOURS = 48
    body = token_for(APIClient()).json()

    token = Token.objects.get(user=person)
    assert body["token"] == token.key
    assert body["expires_at"] == (token.created + timedelta(hours=48)).isoformat()


def test_an_expired_token_is_refused_and_the_password_gets_a_new_one(person, settings):
    client = APIClient()
    old = token_for(client).json()["token"]
    Token.objects.filter(key=old).update(created=timezone.now() - timedelta(hours=24 * 31))

    refused = client.get(CASES, HTTP_AUTHORIZATION=f"Token {old}")
    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]

    # Sent with the expired token out of habit: still trades the password for a new one.
    new = client.post(
        TOKEN,
        {"username": "frontline", "password": "s3cret-pass"},
        format="json",
        HTTP_AUTHORIZATION=f"Token {old}",
    ).json()["token"]
    assert new != old
    assert client.get(CASES, HTTP_AUTHORIZATION=f"Token {new}").status_code == 200


def test_delete_revokes_the_callers_token(person):
    client = APIClient()
    key = token_for(client).json()["token"]

    assert client.delete(TOKEN).status_code == 401  # whose token? nobody's
    response = client.delete(TOKEN, HTTP_AUTHORIZATION=f"Token {key}")

    assert response.status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert client.get(CASES, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_failed_guesses_on_the_token_endpoint_get_429_with_retry_after(person, settings):
    settings.CASEHUB_LOGIN_FAILURES_PER_USERNAME = "3/min"
    client = APIClient()

    failures = [token_for(client, password="guess").status_code for _ in range(3)]
    refused = token_for(client)  # even the right password waits now

    assert failures == [400, 400, 400]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower()


def test_guesses_at_any_username_are_counted_under_a_key_every_cache_takes(settings):
    """A username may hold spaces, control characters or any script: it reaches the cache
    only hashed, so memcached (250 characters, no spaces or control characters) takes it."""
    settings.CASEHUB_LOGIN_FAILURES_PER_USERNAME = "2/min"
    client = APIClient()
    odd = "Ann Lee\x07 李 \U0001f600"

    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        failures = [token_for(client, username=odd).status_code for _ in range(2)]
        refused = token_for(client, username=odd)

    assert failures == [400, 400]
    assert refused.status_code == 429


def test_successful_sign_ins_are_never_throttled(person, settings):
    settings.CASEHUB_LOGIN_FAILURES_PER_ADDRESS = "2/min"
    client = APIClient()

    assert {token_for(client).status_code for _ in range(10)} == {200}


def test_the_login_page_shares_the_count_and_says_how_long_to_wait(client, person, settings):
    settings.CASEHUB_LOGIN_FAILURES_PER_USERNAME = "2/min"
    token_for(APIClient(), password="guess")  # one failure through the API
    client.post("/accounts/login/", {"username": "frontline", "password": "guess"})

    refused = client.post("/accounts/login/", {"username": "frontline", "password": "s3cret-pass"})

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_other_people_behind_the_same_address_are_not_held_up_by_one_username(
    client, person, officer, settings
):
    settings.CASEHUB_LOGIN_FAILURES_PER_USERNAME = "2/min"
    officer.user.set_password("officer-pass")
    officer.user.save()
    for _ in range(3):
        client.post("/accounts/login/", {"username": "frontline", "password": "guess"})

    response = client.post(
        "/accounts/login/", {"username": officer.user.username, "password": "officer-pass"}
    )

    assert response.status_code == 302


def test_a_cache_that_does_not_answer_never_blocks_sign_in(person, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    gone = RedisCache("redis://127.0.0.1:1/0", {})  # nothing listens on port 1
    monkeypatch.setattr(SimpleRateThrottle, "cache", gone)

    assert token_for(APIClient(), password="guess").status_code == 400
    assert token_for(APIClient()).status_code == 200

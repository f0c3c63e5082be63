"""Conformance: ``api.cache``.

Source: auth0/auth0-actions src/_shared/_XK5Fidc.js (`CacheAPIImpl`, `canSetNewCacheRecord`,
`DEFAULT_CACHE_TTL = 15 * 60 * 1000`, `MAX_TOTAL_CACHE_BYTES = 16 * 1024 + 256`); docs,
Actions limitations ("entries may live up to their TTL across executions", 20 entries). The
docs' api-object page says a 24 h default TTL: claimlab follows the library's 15 minutes.
"""

from __future__ import annotations

import time

import pytest
from conformance import calls, covers, out, thrown

from claimlab import ActionCache, LocalTenant, run_action

COUNTER = """
exports.onExecutePostLogin = async (event, api) => {
  const hit = api.cache.get('visits');
  const visits = hit ? Number(hit.value) + 1 : 1;
  api.cache.set('visits', String(visits));
  api.idToken.setCustomClaim('https://dogfy.com/visits', visits);
};
"""


@covers("cache.get", "cache.set", "cache.delete")
def test_get_set_delete_shapes() -> None:
    got = out(
        """
  const before = Date.now();
  out.missing = api.cache.get('k') === undefined;
  const set = api.cache.set('k', 'v');
  out.set = [set.type, set.record.value, Math.abs(set.record.expires_at - before - 900000) < 5000];
  out.got = api.cache.get('k');
  out.sameRecord = JSON.stringify(out.got) === JSON.stringify(set.record);
  out.deleted = api.cache.delete('k');
  out.again = api.cache.delete('k');
"""
    )
    assert got["missing"] is True
    assert got["set"] == ["success", "v", True]
    assert got["got"]["value"] == "v" and got["sameRecord"] is True
    assert got["deleted"] == {"type": "success"}
    assert got["again"] == {"type": "error", "code": "CacheKeyDoesNotExist"}


@covers("cache.set")
@pytest.mark.parametrize(
    ("call", "code"),
    [
        ("api.cache.set('k'.repeat(65), 'v')", "CacheKeySizeExceeded"),
        ("api.cache.set('k', 'v'.repeat(4097))", "CacheValueSizeExceeded"),
        ("api.cache.set('k', 'v', {ttl: Infinity})", "InvalidExpiry"),
        ("api.cache.set('k', 'v', {ttl: '60'})", "InvalidExpiry"),
        ("api.cache.set('k', 'v', {expires_at: Date.now() - 1})", "ItemAlreadyExpired"),
        ("api.cache.set('k', 'v', {expires_at: 2 ** 60})", "InvalidExpiry"),
    ],
)
def test_set_error_codes(call: str, code: str) -> None:
    assert out(f"  out.r = {call};\n  out.none = api.cache.get('k') === undefined;") == {
        "r": {"type": "error", "code": code},
        "none": True,
    }


@covers("cache.set")
def test_total_size_is_the_librarys_16_kib_and_256_bytes() -> None:
    got = out(
        "  for (let i = 0; i < 4; i++)\n"
        "    out['s' + i] = api.cache.set('k' + i, 'x'.repeat(4000)).type;\n"
        # 4 x 4002 bytes + 632 bytes is exactly 16 640: still fits; one byte more does not.
        "  out.fits = api.cache.set('k4', 'x'.repeat(630)).type;\n"
        "  out.last = api.cache.set('k5', '');"
    )
    assert got == {
        **{f"s{i}": "success" for i in range(4)},
        "fits": "success",
        "last": {"type": "error", "code": "CacheSizeExceeded"},
    }


@covers("cache.set")
def test_a_value_that_is_not_a_string_throws() -> None:
    # canSetNewCacheRecord measures the value with Buffer.byteLength, which throws (row 12).
    assert thrown("  api.cache.set('k', 5);").startswith(
        'TypeError: The "string" argument must be of type string'
    )


@covers("cache.set", "cache.get")
def test_entries_live_on_between_logins_of_a_tenant_up_to_their_ttl() -> None:
    tenant = LocalTenant()
    tenant.bind(COUNTER, name="counter")
    seen = [tenant.login("alice").claims["https://dogfy.com/visits"] for _ in range(3)]
    assert seen == [1, 2, 3]
    # Another tenant has a cache of its own.
    other = LocalTenant()
    other.bind(COUNTER, name="counter")
    assert other.login("alice").claims["https://dogfy.com/visits"] == 1
    # An entry past its expiry is gone on the next run.
    entry = tenant.cache.entries()["visits"]
    tenant.cache.replace({"visits": {**entry, "expires_at": int(time.time() * 1000) - 1}})
    assert tenant.login("alice").claims["https://dogfy.com/visits"] == 1


@covers("cache.set", "cache.delete")
def test_bare_runs_share_a_clearable_cache_and_the_result_carries_it() -> None:
    cache = ActionCache()
    first = run_action(COUNTER, cache=cache)
    assert first.cache["visits"]["value"] == "1"
    # The command log (printed by summaries) names the key and expiry, never the value.
    (api, args), *_ = calls(first)
    assert api == "cache.set" and args == [
        "visits",
        {"expires_at": first.cache["visits"]["expires_at"]},
    ]
    assert "'1'" not in repr(first) and '"1"' not in first.summary()
    assert run_action(COUNTER, cache=cache).id_token_claims["https://dogfy.com/visits"] == 2
    cache.clear()
    assert run_action(COUNTER, cache=cache).id_token_claims["https://dogfy.com/visits"] == 1
    deleted = run_action(
        "exports.onExecutePostLogin = async (event, api) => { api.cache.delete('visits'); };",
        cache=cache,
    )
    assert calls(deleted) == [("cache.delete", ["visits"])]
    assert deleted.cache == {} and cache.entries() == {}

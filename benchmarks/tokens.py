"""How fast the local tenant logs users in and how fast its tokens are checked.

Prints two figures, each on a plain line:
  logins/s            LocalTenant.login("alice") end to end, N=500: the event built, the
                      tutorial Action (axios, Dog API mocked) run on the Node worker, Auth0's
                      claim rules applied and an RS256 ID token signed
  tokens verified/s   claimlab.tokens.decode_token on one of those ID tokens, N=2000: signature
                      (key picked by kid from the tenant's JWKS dict), iss, aud and times

Run with ``python benchmarks/tokens.py`` (``CLAIMLAB_BENCH_LOGINS`` and
``CLAIMLAB_BENCH_VERIFY`` change N). The signing key lives in a temporary folder; the npm
dependency cache is the usual ``$CLAIMLAB_HOME/npm``.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from claimlab.tenant import LocalTenant
from claimlab.tokens import KeyStore, decode_token

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "notebooks" / "actions" / "assign-random-dog.js"
DOG_CLAIM = "https://dogfy.com/random_dog"
LOGINS = int(os.environ.get("CLAIMLAB_BENCH_LOGINS", "500"))
VERIFY = int(os.environ.get("CLAIMLAB_BENCH_VERIFY", "2000"))
WARMUP = 5


def main() -> None:
    print(
        f"claimlab token benchmark: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"measured: {LOGINS} end-to-end logins of alice with assign-random-dog.js bound "
        f"(network='mock'), then {VERIFY} decode_token() checks against the tenant JWKS"
    )
    with tempfile.TemporaryDirectory(prefix="claimlab-bench-keys-") as folder:
        tenant = LocalTenant("bench", keys=KeyStore(Path(folder)))
        tenant.bind(TUTORIAL, dependencies=["axios@1.7.9"])

        # Out of the figures: installing axios (first time only), starting Node, compiling.
        for _ in range(WARMUP):
            result = tenant.login("alice")
        assert DOG_CLAIM in result.claims, result
        node = result.action_result.node_version if result.action_result else "?"
        print(f"node: {node}")

        started = time.perf_counter()
        for _ in range(LOGINS):
            result = tenant.login("alice")
        elapsed = time.perf_counter() - started
        assert DOG_CLAIM in result.claims, result
        print(f"logins/s: {LOGINS / elapsed:.1f}")
        print(f"ms/login: {elapsed / LOGINS * 1000:.2f}")

        token = result.id_token
        assert token is not None
        jwks = tenant.jwks()
        audience = tenant.default_client_id
        decode_token(token, jwks=jwks, audience=audience, issuer=tenant.issuer)
        started = time.perf_counter()
        for _ in range(VERIFY):
            decode_token(token, jwks=jwks, audience=audience, issuer=tenant.issuer)
        elapsed = time.perf_counter() - started
        print(f"tokens verified/s: {VERIFY / elapsed:.1f}")
        print(f"ms/verify: {elapsed / VERIFY * 1000:.3f}")


if __name__ == "__main__":
    main()

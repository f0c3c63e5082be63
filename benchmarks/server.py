"""Whether the local tenant server keeps a steady load on 127.0.0.1, malformed requests included.

Sends RATE requests a second for SECONDS (200/s for 60 s by default: 12,000 requests, a bounded
loop) from 4 keep-alive clients, on a fixed schedule, to a local tenant served on 127.0.0.1
only, by ``claimlab tenant serve`` in a process of its own (so the clients' Python does not
share the server's). The mix, in turn: the JWKS, the discovery document, the Management
API's Action list (a bearer token checked each time), a client-credentials token (signed each
time), and one malformed request in ten (a JSON array to /oauth/token, or a negative
Content-Length), whose expected answer is a 400.

Prints, each on a plain line: requests sent, achieved requests/s, errors (any answer other than
the expected one, or none at all), p50/p99 latency in ms, and how far the clients fell behind
the schedule at worst. Run with ``python benchmarks/server.py`` (``CLAIMLAB_BENCH_SERVER_RATE``
and ``CLAIMLAB_BENCH_SERVER_SECONDS`` change the load).
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

import httpx

RATE = float(os.environ.get("CLAIMLAB_BENCH_SERVER_RATE", "200"))
SECONDS = float(os.environ.get("CLAIMLAB_BENCH_SERVER_SECONDS", "60"))
CLIENTS = 4


def raw_bad_length(port: int) -> int:
    """A request with ``Content-Length: -1`` on its own connection; the answer's status."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n")
        return int(sock.recv(4096).split(b" ", 2)[1])


def main() -> None:
    total = int(RATE * SECONDS)
    print(
        f"claimlab server benchmark: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"measured: {total} requests at {RATE:g}/s for {SECONDS:g} s from {CLIENTS} keep-alive "
        "clients to a local tenant on 127.0.0.1, one in ten malformed"
    )
    with tempfile.TemporaryDirectory(prefix="claimlab-bench-home-") as home:
        serving = subprocess.Popen(
            [sys.executable, "-m", "claimlab.cli", "tenant", "serve", "--json"],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "CLAIMLAB_HOME": home},
        )
        try:
            assert serving.stdout is not None
            described = json.loads(serving.stdout.readline())
            management = described["management"]
            url = f"http://{described['domain']}"
            port = int(described["domain"].rsplit(":", 1)[1])
            credentials = {
                "grant_type": "client_credentials",
                "client_id": management["client_id"],
                "client_secret": management["client_secret"],
                "audience": management["audience"],
            }
            token = httpx.post(f"{url}/oauth/token", data=credentials).json()["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}

            def jwks(http: httpx.Client) -> bool:
                return http.get(f"{url}/.well-known/jwks.json").status_code == 200

            def discovery(http: httpx.Client) -> bool:
                return http.get(f"{url}/.well-known/openid-configuration").status_code == 200

            def actions(http: httpx.Client) -> bool:
                return http.get(f"{url}/api/v2/actions/actions", headers=bearer).status_code == 200

            def client_credentials(http: httpx.Client) -> bool:
                return http.post(f"{url}/oauth/token", data=credentials).status_code == 200

            def json_array(http: httpx.Client) -> bool:
                answer = http.post(f"{url}/oauth/token", json=["client_credentials"])
                return answer.status_code == 400 and answer.json()["error"] == "invalid_request"

            def bad_length(http: httpx.Client) -> bool:
                return raw_bad_length(port) == 400

            # Twenty requests a round, two of them malformed.
            usual = [jwks, discovery, actions, jwks, client_credentials, discovery, actions]
            usual += [jwks, discovery]
            mix: list[Callable[[httpx.Client], bool]] = [*usual, json_array, *usual, bad_length]
            counter = itertools.count()
            lock = threading.Lock()
            latencies: list[float] = []
            lags: list[float] = []
            errors: list[str] = []
            start = time.perf_counter() + 0.2

            def client() -> None:
                with httpx.Client(timeout=10) as http:
                    while True:
                        with lock:
                            index = next(counter)
                        if index >= total:
                            return
                        due = start + index / RATE
                        wait = due - time.perf_counter()
                        if wait > 0:
                            time.sleep(wait)
                        sent = time.perf_counter()
                        call = mix[index % len(mix)]
                        try:
                            ok = call(http)
                        except (httpx.HTTPError, OSError) as exc:
                            ok = False
                            with lock:
                                errors.append(f"{call.__name__}: {type(exc).__name__}")
                        done = time.perf_counter()
                        with lock:
                            latencies.append((done - sent) * 1000)
                            lags.append(sent - due)
                            if not ok:
                                errors.append(call.__name__)

            threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - start
            still_up = httpx.get(f"{url}/.well-known/jwks.json").status_code == 200
        finally:
            # SIGTERM, not Ctrl-C: a process started in the background ignores SIGINT.
            serving.terminate()
            serving.wait(timeout=10)

    latencies.sort()
    print(f"requests sent:        {len(latencies)}")
    print(f"requests/s achieved:  {len(latencies) / elapsed:.1f}")
    print(
        f"errors:               {len(errors)}"
        + (f" ({', '.join(errors[:5])}...)" if errors else "")
    )
    print(f"latency p50:          {statistics.median(latencies):.2f} ms")
    print(f"latency p99:          {latencies[int(len(latencies) * 0.99) - 1]:.2f} ms")
    print(f"worst lag behind schedule: {max(lags) * 1000:.1f} ms")
    print(f"server up afterwards: {'yes' if still_up else 'NO'}")


if __name__ == "__main__":
    main()

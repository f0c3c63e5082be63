"""An offline Dog API: the tutorial's ``GET https://dog.ceo/api/breeds/image/random``, no internet.

The Auth0 tutorial's Action calls the Dog API and puts the image URL it gets back into a custom
claim. claimlab's machines have no internet, so this module stands in for the API: eight cartoon
dogs drawn for claimlab (``claimlab/data/dogs/<breed>.svg``), served from URLs shaped like the
real API's (``https://images.dog.ceo/breeds/<breed>/claimlab-<breed>.svg``).

Two consumers:

* the Node runtime, which gets mock routes from :func:`dog_api_mocks` and picks among a
  rotation's choices with the same :func:`pick` (ported in ``claimlab/runtime/rotation.js``);
* Python code (the notebooks), which fetches through :func:`transport` or :func:`fetch_image`.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from claimlab.errors import UnknownDogImageError

DOG_API_URL = "https://dog.ceo/api/breeds/image/random"
IMAGE_HOST = "images.dog.ceo"
DOG_CLAIM = "https://dogfy.com/random_dog"
"""The custom claim the tutorial's Action sets: the image URL the Dog API answered."""

_DOGS_DIR = Path(__file__).resolve().parent / "data" / "dogs"
_MASK32 = 0xFFFFFFFF
_NETWORKS = ("mock", "live")


@functools.cache
def _catalog() -> dict[str, bytes]:
    # Read once: the files ship with the package and never change while it runs.
    return {path.stem: path.read_bytes() for path in sorted(_DOGS_DIR.glob("*.svg"))}


@functools.cache
def _images_by_url() -> dict[str, bytes]:
    return {image_url(breed): svg for breed, svg in _catalog().items()}


def breeds() -> list[str]:
    """The breeds the offline Dog API serves, sorted: ``["beagle", "corgi", ...]``."""
    return list(_catalog())


def image_url(breed: str) -> str:
    """The image URL for ``breed``, shaped like the real API's.

    >>> image_url("pug")
    'https://images.dog.ceo/breeds/pug/claimlab-pug.svg'

    Raises :class:`UnknownDogImageError` for a breed claimlab has no drawing of.
    """
    if breed not in _catalog():
        raise UnknownDogImageError(
            f"no claimlab dog for breed {breed!r}; the breeds are: {', '.join(breeds())}"
        )
    return f"https://{IMAGE_HOST}/breeds/{breed}/claimlab-{breed}.svg"


def breed_of(url: Any) -> str | None:
    """The breed a Dog API image URL names, as a reader would say it; ``None`` if it names none.

    The Dog API files every picture under ``/breeds/<breed>/`` (a sub-breed as
    ``<breed>-<sub-breed>``), whatever the file is called:

    >>> breed_of("https://images.dog.ceo/breeds/pug/n02110958_15626.jpg")
    'pug'
    >>> breed_of("https://images.dog.ceo/breeds/hound-afghan/n02088094_1003.jpg")
    'afghan hound'
    """
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    segments = parts.path.split("/")
    if parts.hostname != IMAGE_HOST or len(segments) < 4 or segments[1] != "breeds":
        return None
    breed, _, sub_breed = segments[2].partition("-")
    if not breed:
        return None
    return f"{sub_breed} {breed}" if sub_breed else breed


def image_bytes(url: str) -> bytes:
    """The SVG behind one of claimlab's image URLs (see :func:`image_url`).

    Raises :class:`UnknownDogImageError` (a ``ValueError``) for any other URL, real Dog API
    images included: those live on the internet, not in claimlab.
    """
    try:
        return _images_by_url()[url]
    except KeyError:
        raise UnknownDogImageError(
            f"{url!r} is not one of claimlab's offline dog images; they look like "
            f"{image_url(breeds()[0])!r} (breeds: {', '.join(breeds())})"
        ) from None


def pick(seed: int, n: int, count: int) -> int:
    """The index a rotation with ``seed`` picks on its ``n``-th call (from 0) among ``count``.

    The Node runtime computes the same (``claimlab/runtime/rotation.js``), so the algorithm is
    fixed and must stay byte-for-byte portable. It is the first output of mulberry32, seeded
    with ``(seed * 0x9E3779B1 + n) mod 2**32``, scaled to ``[0, count)``::

        state = (seed * 0x9E3779B1 + n) mod 2**32
        a = (state + 0x6D2B79F5) mod 2**32
        t = (a ^ (a >> 15)) * (a | 1)                   mod 2**32
        t = ((t + (t ^ (t >> 7)) * (t | 61)) mod 2**32) ^ t
        u = t ^ (t >> 14)                               (all values unsigned 32-bit)
        index = floor((u / 2**32) * count)              (IEEE double arithmetic)

    In JavaScript, for safe integers ``seed`` and ``n``::

        function pick(seed, n, count) {
          let a = (Math.imul(seed, 0x9e3779b1) + (n >>> 0)) >>> 0;
          a = (a + 0x6d2b79f5) | 0;
          let t = Math.imul(a ^ (a >>> 15), a | 1);
          t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
          const u = (t ^ (t >>> 14)) >>> 0;
          return Math.floor((u / 4294967296) * count);
        }

    Only ``seed`` and ``n`` mod 2**32 matter, so negative values work. ``count`` must be >= 1.
    """
    if count < 1:
        raise ValueError(f"pick: count must be >= 1, got {count}")
    a = (seed * 0x9E3779B1 + n) & _MASK32
    a = (a + 0x6D2B79F5) & _MASK32
    t = ((a ^ (a >> 15)) * (a | 1)) & _MASK32
    t = ((t + ((t ^ (t >> 7)) * (t | 61))) & _MASK32) ^ t
    u = t ^ (t >> 14)
    # Float maths on purpose: JavaScript's Math.floor((u / 2**32) * count) rounds the same way,
    # and u / 2**32 <= 1 - 2**-32 keeps the rounded product, so the result, below count.
    return math.floor((u / 4294967296) * count)


def turn(seed: int, n: int, previous: int | None, count: int) -> int:
    """The index a rotation answers on its ``n``-th call, ``previous`` being the index it
    answered on call ``n - 1`` (``None`` on the first call).

    The first call takes ``pick(seed, 0, count)``; every later one avoids the previous index,
    ``(previous + 1 + pick(seed, n, count - 1)) % count`` (with one choice, that choice). A real
    random API with thousands of answers practically never repeats itself on the next call, and a
    "New dog" button that shows the same dog looks broken. ``rotation.js`` mirrors this.
    """
    if previous is None or count == 1:
        return pick(seed, n, count)
    return (previous + 1 + pick(seed, n, count - 1)) % count


def rotation(seed: int, count: int, calls: int) -> list[int]:
    """The indices a rotation over ``count`` choices answers on its first ``calls`` calls."""
    indices: list[int] = []
    for n in range(calls):
        indices.append(turn(seed, n, indices[-1] if indices else None, count))
    return indices


def dog_api_mocks(seed: int = 0) -> dict[str, dict[str, Any]]:
    """Mock routes for the Node runtime: the random-image endpoint and every image URL.

    Keys are ``"METHOD URL"``. ``"GET https://dog.ceo/api/breeds/image/random"`` maps to a
    rotation ``{"choices": [...], "seed": seed}`` over the breeds in :func:`breeds` order, each
    choice a ``{"status": 200, "headers": ..., "json": {"message": <image url>, "status":
    "success"}}`` like the real API's answer. Each image URL maps to ``{"status": 200,
    "headers": {"content-type": "image/svg+xml"}, "body_base64": ...}``.
    """
    choices = [
        {
            "status": 200,
            "headers": {"content-type": "application/json"},
            "json": {"message": image_url(breed), "status": "success"},
        }
        for breed in breeds()
    ]
    routes: dict[str, dict[str, Any]] = {
        f"GET {DOG_API_URL}": {"choices": choices, "seed": seed},
    }
    for url, svg in _images_by_url().items():
        routes[f"GET {url}"] = {
            "status": 200,
            "headers": {"content-type": "image/svg+xml"},
            "body_base64": base64.b64encode(svg).decode("ascii"),
        }
    return routes


def _response(spec: dict[str, Any], request: httpx.Request) -> httpx.Response:
    if "json" in spec:
        content = json.dumps(spec["json"]).encode()
    elif "body_base64" in spec:
        content = base64.b64decode(spec["body_base64"])
    else:
        content = str(spec.get("body", "")).encode()
    return httpx.Response(
        spec.get("status", 200), headers=spec.get("headers", {}), content=content, request=request
    )


def transport(network: str = "mock", *, seed: int = 0) -> httpx.BaseTransport:
    """An httpx transport for Python-side fetches: ``httpx.Client(transport=transport())``.

    ``"mock"`` answers the routes of :func:`dog_api_mocks` with ``seed``, offline: the
    random-image endpoint rotates through the breeds exactly as the Node runtime does (its
    first calls answer the breeds at ``rotation(seed, 8, calls)``), and the image URLs return
    the shipped SVGs. Any other request gets a 404 whose body says no mock matched.
    ``"live"`` is a plain ``httpx.HTTPTransport()`` that reaches the real internet.
    """
    if network == "live":
        return httpx.HTTPTransport()
    if network != "mock":
        raise ValueError(f"network must be one of {_NETWORKS}, got {network!r}")

    routes = dog_api_mocks(seed)
    calls: dict[str, tuple[int, int | None]] = {}  # key -> (calls so far, last index answered)
    # Notebooks may fetch from threads; the call counter must not skip or repeat a number.
    lock = threading.Lock()

    def handle(request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url}"
        spec = routes.get(key)
        if spec is None:
            return httpx.Response(
                404,
                headers={"content-type": "text/plain; charset=utf-8"},
                text=(
                    f"claimlab mock network: no mock route matches {key}. Mocked: the Dog API "
                    f"({DOG_API_URL}) and its images on {IMAGE_HOST}. "
                    "Use network='live' to reach the real internet."
                ),
                request=request,
            )
        if "choices" in spec:
            with lock:
                n, previous = calls.get(key, (0, None))
                index = turn(spec["seed"], n, previous, len(spec["choices"]))
                calls[key] = (n + 1, index)
            spec = spec["choices"][index]
        return _response(spec, request)

    return httpx.MockTransport(handle)


def fetch_image(url: str, *, network: str = "mock", timeout: float = 10.0) -> tuple[bytes, str]:
    """Fetch an image and return ``(bytes, content type)``, e.g. ``(b"<svg ...", "image/svg+xml")``.

    The content type is the media type alone, without parameters such as ``charset``. With
    ``network="mock"`` only claimlab's own URLs work (see :func:`image_url`); any other raises
    :class:`UnknownDogImageError`. With ``network="live"`` any URL is fetched from the internet;
    an HTTP error status raises ``httpx.HTTPStatusError``.
    """
    if network == "mock" and url != DOG_API_URL and url not in _images_by_url():
        raise UnknownDogImageError(
            f"{url!r} is not one of claimlab's offline dog images, so the mock network cannot "
            "serve it. Fetch it with network='live' (needs internet), or use a URL from "
            "claimlab.dogs.image_url()."
        )
    with httpx.Client(
        transport=transport(network), timeout=timeout, follow_redirects=True
    ) as client:
        response = client.get(url)
        response.raise_for_status()
    content_type = response.headers.get("content-type", "application/octet-stream")
    return response.content, content_type.split(";", 1)[0].strip()

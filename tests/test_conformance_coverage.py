"""The conformance suite covers the whole post-login v3 ``api``, and only it.

The method list is data (``conformance.V3_METHODS``, typed in by hand from auth0/auth0-actions
src/post-login/v3/index.d.ts); the api object is what the worker really builds, walked by an
Action at run time.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import conformance
from conformance import V3_METHODS, out

WALK = """
  out.methods = [];
  for (const [namespace, value] of Object.entries(api)) {
    if (typeof value === 'function') out.methods.push(namespace);
    else for (const [name, fn] of Object.entries(value)) {
      if (typeof fn === 'function') out.methods.push(`${namespace}.${name}`);
    }
  }
"""


def test_the_worker_builds_exactly_the_v3_methods() -> None:
    built = set(out(WALK)["methods"])
    assert sorted(V3_METHODS - built) == [], "methods of index.d.ts that claimlab's api lacks"
    assert sorted(built - V3_METHODS) == [], "methods claimlab's api has and index.d.ts does not"


def test_every_v3_method_has_a_conformance_test() -> None:
    for path in sorted(Path(__file__).parent.glob("test_conformance_*.py")):
        importlib.import_module(path.stem)
    missing = sorted(V3_METHODS - set(conformance.COVERED))
    assert missing == [], f"no conformance test declares @covers for: {missing}"

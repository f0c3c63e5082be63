"""claimlab: add custom claims to ID tokens with Auth0 Actions, locally, in Jupyter.

Run a post-login Action unchanged on Node.js, log a user in on a local tenant, decode the ID
token and see the claim, then deploy the Action to a real tenant. Notebooks import from here
only.

Importing ``claimlab`` loads nothing but this file: each public name is imported from its module
the first time it is used, so the command line starts fast and ``import claimlab`` does not pull
in auth0-python, ipywidgets, pandas, matplotlib, tqdm or Hypothesis until a notebook needs them.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

# Where each public name lives.
_EXPORTS: dict[str, str] = {
    # claimlab.claims
    "apply_claim_rules": "claimlab.claims",
    "DroppedClaim": "claimlab.claims",
    "explain_rule": "claimlab.claims",
    # claimlab.connect
    "connect": "claimlab.connect",
    "Connection": "claimlab.connect",
    # claimlab.deploy
    "deploy": "claimlab.deploy",
    "Deployment": "claimlab.deploy",
    # claimlab.dogs
    "fetch_image": "claimlab.dogs",
    # claimlab.errors
    "ActionError": "claimlab.errors",
    "ActionInterruptedError": "claimlab.errors",
    "ActionNetworkError": "claimlab.errors",
    "ActionRuntimeError": "claimlab.errors",
    "ActionSyntaxError": "claimlab.errors",
    "ActionTimeoutError": "claimlab.errors",
    "BadExportError": "claimlab.errors",
    "ClaimError": "claimlab.errors",
    "ClaimlabError": "claimlab.errors",
    "ClaimsTooLargeError": "claimlab.errors",
    "DependencyError": "claimlab.errors",
    "DeployError": "claimlab.errors",
    "EventError": "claimlab.errors",
    "LoginDenied": "claimlab.errors",
    "LoginSetupError": "claimlab.errors",
    "OptionError": "claimlab.errors",
    "OptionTypeError": "claimlab.errors",
    "TokenError": "claimlab.errors",
    "WorkerCrashError": "claimlab.errors",
    # claimlab.events
    "make_event": "claimlab.events",
    "preset_names": "claimlab.events",
    "sample_event": "claimlab.events",
    # claimlab.exercises
    "check_exercise": "claimlab.exercises",
    "reset_exercise": "claimlab.exercises",
    "start_exercise": "claimlab.exercises",
    # claimlab.lab
    "Counterexample": "claimlab.lab",
    "diff": "claimlab.lab",
    "falsify": "claimlab.lab",
    "Matrix": "claimlab.lab",
    "matrix": "claimlab.lab",
    "size_budget": "claimlab.lab",
    "SizeBudget": "claimlab.lab",
    "Sweep": "claimlab.lab",
    "sweep": "claimlab.lab",
    "TokenDiff": "claimlab.lab",
    # claimlab.magic
    "load_ipython_extension": "claimlab.magic",
    "use_event": "claimlab.magic",
    # claimlab.oauth
    "login_device": "claimlab.oauth",
    "login_password": "claimlab.oauth",
    "Tokens": "claimlab.oauth",
    # claimlab.runtime
    "Action": "claimlab.runtime",
    "ActionCache": "claimlab.runtime",
    "ActionResult": "claimlab.runtime",
    "run_action": "claimlab.runtime",
    "run_flow": "claimlab.runtime",
    "run_many": "claimlab.runtime",
    "shared_cache": "claimlab.runtime",
    # claimlab.tenant
    "explain": "claimlab.tenant",
    "Explanation": "claimlab.tenant",
    "LocalTenant": "claimlab.tenant",
    "LoginResult": "claimlab.tenant",
    # claimlab.tokens
    "decode_token": "claimlab.tokens",
    "DecodedToken": "claimlab.tokens",
    "token_size": "claimlab.tokens",
    "TokenSize": "claimlab.tokens",
    # claimlab.widgets
    "action_result_view": "claimlab.widgets",
    "profile_card": "claimlab.widgets",
    "token_inspector": "claimlab.widgets",
    # claimlab.workshop
    "workshop": "claimlab.workshop",
}

# Public names that are modules themselves.
_SUBMODULES = frozenset({"workshop"})

__all__ = sorted(_EXPORTS)


def _public(name: str, module: types.ModuleType) -> Any:
    return module if name in _SUBMODULES else getattr(module, name)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'claimlab' has no attribute {name!r}")
    value = _public(name, importlib.import_module(module_name))
    # Cached, so the next access is a plain attribute lookup.
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """Keeps ``claimlab.deploy`` and ``claimlab.connect`` the functions users call: importing the
    modules of the same name would otherwise bind the modules on the package."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and name not in _SUBMODULES and isinstance(value, types.ModuleType):
            # Not bound: ``__getattr__`` finds the function on first use. Resolving it here would
            # load all of ``claimlab.deploy`` when only ``claimlab.deploy.credentials`` is wanted.
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

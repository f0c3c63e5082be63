"""claimlab: add custom claims to ID tokens with Auth0 Actions, locally, in Jupyter.

Run a post-login Action unchanged on Node.js, log a user in on a local tenant, decode the ID
token and see the claim, then deploy the Action to a real tenant. Notebooks import from here
only.
"""

from claimlab import workshop
from claimlab.claims import DroppedClaim, apply_claim_rules, explain_rule
from claimlab.connect import Connection, connect
from claimlab.deploy import Deployment, deploy
from claimlab.dogs import fetch_image
from claimlab.errors import (
    ActionError,
    ActionInterruptedError,
    ActionNetworkError,
    ActionRuntimeError,
    ActionSyntaxError,
    ActionTimeoutError,
    BadExportError,
    ClaimError,
    ClaimlabError,
    ClaimsTooLargeError,
    DependencyError,
    DeployError,
    EventError,
    LoginDenied,
    OptionError,
    OptionTypeError,
    TokenError,
    WorkerCrashError,
)
from claimlab.events import make_event, preset_names, sample_event
from claimlab.exercises import check_exercise, reset_exercise, start_exercise
from claimlab.lab import (
    Counterexample,
    Matrix,
    SizeBudget,
    Sweep,
    TokenDiff,
    diff,
    falsify,
    matrix,
    size_budget,
    sweep,
)
from claimlab.magic import load_ipython_extension, use_event
from claimlab.oauth import Tokens, login_device, login_password
from claimlab.runtime import (
    Action,
    ActionCache,
    ActionResult,
    run_action,
    run_flow,
    run_many,
    shared_cache,
)
from claimlab.tenant import Explanation, LocalTenant, LoginResult, explain
from claimlab.tokens import DecodedToken, TokenSize, decode_token, token_size
from claimlab.widgets import action_result_view, profile_card, token_inspector

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ActionCache",
    "ActionError",
    "ActionInterruptedError",
    "ActionNetworkError",
    "ActionResult",
    "ActionRuntimeError",
    "ActionSyntaxError",
    "ActionTimeoutError",
    "BadExportError",
    "ClaimError",
    "ClaimlabError",
    "ClaimsTooLargeError",
    "Connection",
    "Counterexample",
    "DecodedToken",
    "DependencyError",
    "DeployError",
    "Deployment",
    "DroppedClaim",
    "EventError",
    "Explanation",
    "LocalTenant",
    "LoginDenied",
    "LoginResult",
    "Matrix",
    "OptionError",
    "OptionTypeError",
    "SizeBudget",
    "Sweep",
    "TokenDiff",
    "TokenError",
    "TokenSize",
    "Tokens",
    "WorkerCrashError",
    "action_result_view",
    "apply_claim_rules",
    "check_exercise",
    "connect",
    "decode_token",
    "deploy",
    "diff",
    "explain",
    "explain_rule",
    "falsify",
    "fetch_image",
    "load_ipython_extension",
    "login_device",
    "login_password",
    "make_event",
    "matrix",
    "preset_names",
    "profile_card",
    "reset_exercise",
    "run_action",
    "run_flow",
    "run_many",
    "sample_event",
    "shared_cache",
    "size_budget",
    "start_exercise",
    "sweep",
    "token_inspector",
    "token_size",
    "use_event",
    "workshop",
]

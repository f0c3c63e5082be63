"""The claimlab runtime: post-login Actions on a real Node.js, driven from Python."""

from claimlab.runtime.cache import ActionCache, shared_cache
from claimlab.runtime.result import ActionResult, Command, LogLine
from claimlab.runtime.run import Action, Runner, run_action, run_flow, run_many

__all__ = [
    "Action",
    "ActionCache",
    "ActionResult",
    "Command",
    "LogLine",
    "Runner",
    "run_action",
    "run_flow",
    "run_many",
    "shared_cache",
]

"""The claim design lab: which users get which claims, in which flows, at what size.

Heavy libraries (pandas, matplotlib, tqdm, Hypothesis) load inside the functions that use
them, so importing claimlab stays fast.
"""

from claimlab.lab.budget import SizeBudget, size_budget
from claimlab.lab.diff import TokenDiff, diff
from claimlab.lab.falsify import Counterexample, falsify
from claimlab.lab.matrix import Matrix, matrix
from claimlab.lab.sweep import Sweep, sweep

__all__ = [
    "Counterexample",
    "Matrix",
    "SizeBudget",
    "Sweep",
    "TokenDiff",
    "diff",
    "falsify",
    "matrix",
    "size_budget",
    "sweep",
]

"""``size_budget``: where a token's bytes go, against the two limits that matter.

Auth0 fails a login whose custom claims pass 100 KB of JSON in one token
(:data:`claimlab.facts.CUSTOM_CLAIMS_LIMIT`); long before that, an ID token past 4,096 bytes
no longer fits the single cookie many web SDKs keep it in (:data:`claimlab.facts.COOKIE_LIMIT`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from claimlab import claims as claim_rules
from claimlab import facts
from claimlab.errors import ClaimlabError
from claimlab.lab.sweep import Sweep
from claimlab.tenant.login import LoginResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _claim_bytes(name: str, value: Any) -> int:
    # What one claim adds to the custom claims' JSON: "name":value (the braces are shared).
    return claim_rules.custom_claims_size({name: value}) - 2


@dataclass(frozen=True)
class SizeBudget:
    """Bytes per custom claim, the custom claims' JSON and the encoded ID token, each against
    its limit. For a sweep, every figure is the largest over its logins."""

    claims: dict[str, int]
    """Bytes each custom claim adds to the JSON, largest first."""
    custom_claims_bytes: int
    token_bytes: int
    source: str
    custom_claims_limit: int = facts.CUSTOM_CLAIMS_LIMIT
    cookie_limit: int = facts.COOKIE_LIMIT

    @property
    def custom_share(self) -> float:
        """The custom claims' JSON as a share of Auth0's 100 KB cap."""
        return self.custom_claims_bytes / self.custom_claims_limit

    @property
    def cookie_share(self) -> float:
        """The encoded ID token as a share of a 4,096-byte cookie."""
        return self.token_bytes / self.cookie_limit

    def _rows(self) -> list[tuple[str, str, str]]:
        rows = [(name, f"{size:,}", "") for name, size in self.claims.items()]
        rows.append(
            (
                "custom claims (JSON)",
                f"{self.custom_claims_bytes:,}",
                f"{self.custom_share:.1%} of {self.custom_claims_limit:,}",
            )
        )
        rows.append(
            (
                "ID token (encoded)",
                f"{self.token_bytes:,}",
                f"{self.cookie_share:.1%} of {self.cookie_limit:,}",
            )
        )
        return rows

    def __str__(self) -> str:
        rows = self._rows()
        width = max(len(r[0]) for r in rows)
        lines = [f"size budget of {self.source}"]
        lines += [f"  {name.ljust(width)}  {size:>8} bytes  {limit}" for name, size, limit in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        body = "".join(
            f"<tr><td><code>{esc(name)}</code></td><td style='text-align:right'>{size}</td>"
            f"<td>{esc(limit)}</td></tr>"
            for name, size, limit in self._rows()
        )
        return (
            f"<div>Size budget of {esc(self.source)}</div>"
            f"<table><tr><th>claim</th><th>bytes</th><th>limit</th></tr>{body}</table>"
        )

    def plot(self) -> Figure:
        """A bar chart: bytes per custom claim, and each total as a share of its limit."""
        import matplotlib.pyplot as plt

        fig, (per_claim, limits) = plt.subplots(
            1, 2, figsize=(10, 0.4 * max(len(self.claims), 2) + 1.5)
        )
        names = list(self.claims)[::-1]
        per_claim.barh(names, [self.claims[n] for n in names], color="#4c72b0")
        per_claim.set_xlabel("bytes in the custom claims' JSON")
        per_claim.set_title("per claim")
        shares = [self.custom_share * 100, self.cookie_share * 100]
        labels = [
            f"custom claims\n/ {self.custom_claims_limit // 1024} KB cap",
            f"ID token\n/ {self.cookie_limit:,} B cookie",
        ]
        limits.barh(labels, shares, color=["#55a868" if s <= 100 else "#c44e52" for s in shares])
        limits.axvline(100, color="#c44e52", linestyle="--")
        limits.set_xlabel("% of the limit")
        limits.set_title("against the limits")
        fig.suptitle(f"Size budget of {self.source}")
        fig.tight_layout()
        plt.close(fig)
        return fig


def size_budget(login_or_sweep: LoginResult | Sweep) -> SizeBudget:
    """The size budget of one login (``tenant.login()``) or of a :func:`claimlab.sweep`."""
    if isinstance(login_or_sweep, LoginResult):
        login = login_or_sweep
        if login.id_token is None:
            raise ClaimlabError("This login was denied: it issued no token to measure.")
        custom = login.custom_claims
        per_claim = {name: _claim_bytes(name, value) for name, value in custom.items()}
        size = login.size
        return SizeBudget(
            claims=dict(sorted(per_claim.items(), key=lambda kv: -kv[1])),
            custom_claims_bytes=size.custom_claims_bytes,
            token_bytes=size.token_bytes,
            source=f"{login.flow} login of {login.claims.get('sub')}",
        )
    if isinstance(login_or_sweep, Sweep):
        ok = [r for r in login_or_sweep.runs if r.status == "ok"]
        if not ok:
            raise ClaimlabError("No login of this sweep issued a token: nothing to measure.")
        largest: dict[str, int] = {}
        for run in ok:
            for name, value in run.claims.items():
                largest[name] = max(largest.get(name, 0), _claim_bytes(name, value))
        return SizeBudget(
            claims=dict(sorted(largest.items(), key=lambda kv: -kv[1])),
            custom_claims_bytes=max(r.custom_claims_bytes or 0 for r in ok),
            token_bytes=max(r.token_bytes or 0 for r in ok),
            source=f"a sweep of {len(login_or_sweep.runs):,} logins (largest of each)",
        )
    raise TypeError(
        "size_budget() takes what tenant.login() or claimlab.sweep() returned, not "
        f"{type(login_or_sweep).__name__}"
    )

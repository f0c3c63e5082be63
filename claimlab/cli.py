"""``claimlab`` on the command line: run an Action, log in, print the JWKS, decode a token.

Exit codes: 0 success; 1 the Action failed, the login was denied, or the token is invalid;
2 bad usage or bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import getpass
import json
import os
import re
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from claimlab import events
from claimlab.errors import (
    ActionError,
    ClaimError,
    ClaimlabError,
    DependencyError,
    DeployError,
    EventError,
    LoginDenied,
    OptionError,
    TokenError,
    _Usage,
)
from claimlab.facts import MAX_DEPENDENCIES
from claimlab.runtime import Action, run_flow
from claimlab.runtime import dependencies as deps
from claimlab.runtime.run import DEFAULT_TIMEOUT, MAX_TIMEOUT, check_timeout

_TUTORIAL_AXIOS = f"axios@{deps.PINNED_VERSIONS['axios']}"


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None


def _timeout(text: str) -> float:
    seconds = _seconds(text)
    try:
        check_timeout(seconds)
    except OptionError:
        raise argparse.ArgumentTypeError(
            f"expected more than 0 and at most {MAX_TIMEOUT:g} seconds, got {text!r} "
            f"(Auth0 gives a login's Actions {DEFAULT_TIMEOUT:g} s)"
        ) from None
    return seconds


MAX_BUILD_DELAY = 600.0
"""The longest simulated build ``tenant serve --build-delay`` takes: ten minutes."""


def _build_delay(text: str) -> float:
    seconds = _seconds(text)
    if not 0 <= seconds <= MAX_BUILD_DELAY:  # also refuses nan
        raise argparse.ArgumentTypeError(
            f"expected 0 (built at once) to {MAX_BUILD_DELAY:g} seconds, got {text!r}"
        )
    return seconds


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"expected a port from 0 to 65535 (0 picks a free one), got {port}"
        )
    return port


def _secrets(pairs: Sequence[str]) -> dict[str, str]:
    secrets = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise _Usage(f"--secret takes NAME=VALUE, got {name or pair!r}")
        secrets[name] = value
    return secrets


def _event(spec: str | None) -> dict[str, Any]:
    try:
        return events.load_event(spec)
    except EventError as exc:
        # Names the preset it resembles, or the file and the JSON path at fault.
        raise _Usage(f"--event: {exc}") from None


def _cli_advice(error: ActionError) -> ActionError:
    """A missing-module error with its advice in CLI syntax: ``--dependency axios@1.7.9``."""
    message = deps.with_declare_advice(error.message, cli=True)
    if not isinstance(error, DependencyError) or message == error.message:
        return error
    return type(error)(
        message,
        file=error.file,
        line=error.line,
        action=error.action,
        stack=error.stack,
        thrown=error.thrown,
    )


def _token_text(token: str) -> str:
    """The token itself, from the argument, a file it names, or stdin for ``-``."""
    if token == "-":
        return sys.stdin.read().strip()
    path = Path(token).expanduser()
    try:
        if not path.is_file():
            return token
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        if len(token) > 255:
            return token  # too long for a file name: the token itself
        raise _Usage(f"cannot read the token from {token}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise _Usage(f"{token} is not a text file holding a token") from None


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _add_dependency_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dependency",
        action="append",
        default=[],
        metavar="NAME@VERSION",
        help=f"an npm module the Action requires, e.g. {_TUTORIAL_AXIOS}; repeat for more "
        f"(at most {MAX_DEPENDENCIES}, as on Auth0)",
    )


def _add_network_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--network",
        choices=["mock", "live"],
        default="mock",
        help="mock: the Action's HTTP requests get claimlab's mock answers (the Dog API's "
        "included), offline; live: they go out to the internet (default: %(default)s)",
    )


def _add_action_options(parser: argparse.ArgumentParser, *, event: bool = True) -> None:
    if event:
        # A login builds its own event from the user, application and flow.
        parser.add_argument(
            "--event",
            metavar="PRESET|FILE",
            help=f"a preset ({', '.join(events.preset_names())}) or a JSON file of overrides "
            "merged onto the sample event (default: sample)",
        )
    parser.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an Action secret, read as event.secrets.NAME; repeat for more",
    )
    _add_dependency_option(parser)
    _add_network_option(parser)
    parser.add_argument(
        "--timeout",
        type=_timeout,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"how long the Actions may run, more than 0 and at most {MAX_TIMEOUT:g} "
        "(default: %(default)g, Auth0's limit)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _actions(args: argparse.Namespace) -> list[Action]:
    secrets = _secrets(args.secret)
    loaded = []
    for name in args.actions:
        # Always a file here: Action.load would take a name not ending in .js for code.
        path = Path(name)
        if not path.is_file():
            raise _Usage(f"no Action file at {name}")
        try:
            loaded.append(Action.load(path, secrets=secrets, dependencies=args.dependency))
        except DependencyError as exc:
            # A malformed --dependency is bad input, not a failing Action.
            raise _Usage(exc.message) from None
    return loaded


def cmd_run(args: argparse.Namespace) -> int:
    result = run_flow(
        _actions(args),
        _event(args.event),
        network=args.network,
        timeout=args.timeout,
    )
    if result.error is not None:
        result = dataclasses.replace(result, error=_cli_advice(result.error))
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result.summary())
    return 1 if result.error else 0


def cmd_login(args: argparse.Namespace) -> int:
    from claimlab.tenant import LocalTenant

    tenant = LocalTenant(network=args.network)
    for action in _actions(args):
        tenant.bind(action)
    try:
        result = tenant.login(
            args.user,
            client_id=args.client_id,
            scope=args.scope,
            audience=args.audience,
            nonce=args.nonce,
            flow=args.flow,
            timeout=args.timeout,
        )
    except LoginDenied as denied:
        if args.json:
            _print_json({"error": denied.error, "error_description": denied.error_description})
        else:
            print(str(denied), file=sys.stderr)
        return 1
    except ClaimError as exc:
        # Over 100 KB of custom claims: Auth0 fails the login, as for a deny.
        print(f"claimlab login: login failed: {exc}", file=sys.stderr)
        return 1
    if args.json:
        _print_json(result.to_dict())
    else:
        print(f"ID token for {result.claims['sub']} ({args.flow} login):")
        for name, value in result.claims.items():
            print(f"  {name}: {json.dumps(value, ensure_ascii=False)}")
        for warning in result.warnings:
            print(f"  dropped {warning.claim} from the {warning.token}: {warning.reason}")
    return 0


def cmd_jwks(args: argparse.Namespace) -> int:
    from claimlab.tenant import LocalTenant

    _print_json(LocalTenant().jwks())
    return 0


def cmd_decode(args: argparse.Namespace) -> int:
    from claimlab.tenant import LocalTenant
    from claimlab.tokens import decode_token

    jwks: Any = args.jwks
    is_url = jwks is not None and jwks.startswith(("http://", "https://"))
    if jwks is not None and not is_url and not Path(jwks).is_file():
        raise _Usage(f"--jwks {jwks!r} is neither an http(s):// URL nor a file")
    if jwks is None:
        tenant = LocalTenant()
        jwks = tenant.jwks()
        issuer = args.issuer or tenant.issuer
    else:
        issuer = args.issuer
    try:
        decoded = decode_token(
            _token_text(args.token), jwks=jwks, audience=args.audience, issuer=issuer
        )
    except TokenError as exc:
        if args.json:
            _print_json({"valid": False, "error": type(exc).__name__, "reason": str(exc)})
        else:
            print(f"invalid token: {exc}", file=sys.stderr)
        return 1
    if args.json:
        _print_json(
            {
                "valid": True,
                "header": decoded.header,
                "claims": decoded.claims,
                "checks": decoded.checks,
            }
        )
    else:
        print(json.dumps(decoded.header, indent=2))
        print(json.dumps(decoded.claims, indent=2, ensure_ascii=False))
        for check in decoded.checks:
            print(f"ok: {check}")
    return 0


def cmd_prefetch(args: argparse.Namespace) -> int:
    try:
        deps.normalise(args.dependencies)
    except DependencyError as exc:
        raise _Usage(exc.message) from None
    folder = deps.modules_dir(args.dependencies)
    versions = deps.installed_versions(args.dependencies)
    pinned = ", ".join(f"{name}@{version}" for name, version in versions.items())
    print(f"installed {pinned or 'nothing'} into {folder}")
    return 0


def cmd_tenant_serve(args: argparse.Namespace) -> int:
    from claimlab.tenant import LocalTenant

    delay = {} if args.build_delay is None else {"build_delay": args.build_delay}
    tenant = LocalTenant(network=args.network, **delay)
    server = tenant.serve(port=args.port)
    if args.json:
        # The one place the local Management secret is shown: it is this server's, made now.
        print(json.dumps(server.describe()), flush=True)
    else:
        print(f"local tenant on {server.url} (issuer {tenant.issuer})", flush=True)
        print(f"Management API client id: {server.management.client_id}", flush=True)
        print("the client secret is printed with --json only; press Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


def _secret_values(names: Sequence[str]) -> dict[str, str]:
    # Values from the environment, or asked for without echo: never on the command line.
    values = {}
    for name in names:
        value = os.environ.get(name)
        if value is None:
            if not sys.stdin or not sys.stdin.isatty():
                raise _Usage(
                    f"secret {name}: set the environment variable {name} (no terminal to ask)"
                )
            value = getpass.getpass(f"value of secret {name}: ")
        values[name] = value
    return values


def _progress(message: str) -> None:
    print(message, file=sys.stderr)


def _credentials(args: argparse.Namespace, secret_names: Sequence[str] = ()) -> tuple[Any, dict]:
    """The tenant's credentials and the named secrets' values, from the environment or hidden
    prompts."""
    from claimlab.deploy import Credentials

    try:
        secrets = _secret_values(secret_names)
        return Credentials.from_environment(domain=args.domain), secrets
    except DeployError as exc:
        # Missing credentials (and no terminal to ask on) is a usage error, not a failed deploy.
        raise _Usage(str(exc)) from None
    except (KeyboardInterrupt, EOFError):
        # Ctrl-C or Ctrl-D at a hidden prompt: no traceback.
        raise _Usage("interrupted at the prompt; nothing was changed") from None


def _deployment(args: argparse.Namespace, action: str | None, name: str) -> Any:
    from claimlab.deploy import Deployment

    credentials, secrets = _credentials(args, getattr(args, "secret", []))
    try:
        return Deployment(
            action if action is not None else "exports.onExecutePostLogin = async () => {};",
            name=name,
            dependencies=getattr(args, "dependency", None),
            secrets=secrets,
            tenant=credentials,
            progress=_progress,
        )
    except DependencyError as exc:
        # A malformed --dependency is bad input.
        raise _Usage(exc.message) from None


def cmd_deploy(args: argparse.Namespace) -> int:
    if not Path(args.action).is_file():
        raise _Usage(f"no Action file at {args.action}")
    deployment = _deployment(args, args.action, args.name)
    plan = deployment.plan()
    print(plan)
    if args.dry_run:
        return 0
    applied = deployment.apply()
    print(
        f"{args.name}: version {applied.version} live, position {applied.position} of "
        f"{', '.join(applied.bindings)}"
    )
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    deployment = _deployment(args, None, args.name)
    version = deployment.rollback(args.version)
    print(f"{args.name}: version {args.version} deployed again as version {version.number}")
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from claimlab.deploy import probe_test_endpoint

    credentials, _ = _credentials(args)
    answers = probe_test_endpoint(credentials, progress=_progress)
    if args.json:
        print(json.dumps([vars(a) for a in answers], indent=2))
        return 0
    labels = {"event": "the event as the payload", "wrapped": "the event under 'event'"}
    for answer in answers:
        outcome = (
            f"the Action read it (user {answer.seen['user_id']})"
            if answer.read_the_event
            else "the Action did not see the sample event"
        )
        if answer.error:
            outcome += f"; error {answer.error['name']}: {answer.error['message']}"
        print(f"{labels[answer.shape]}: {outcome}")
        print(f"  answer keys: {', '.join(answer.keys) or '(none)'}")
        print(f"  reports the Action's api calls: {'yes' if answer.reports_api_calls else 'no'}")
        if answer.reports_api_calls:
            odd = ", ".join(f"{k}: {json.dumps(v)}" for k, v in answer.odd_claims.items())
            print(f"  claim values JSON cannot carry: {odd}")
    read = [a.shape for a in answers if a.read_the_event]
    if read == ["event"]:
        print("so: the tenant reads the event as the payload, as claimlab's test_remote sends it.")
    elif read == ["wrapped"]:
        print(
            "so: the tenant reads {'event': ...}; claimlab's test_remote sends the event itself "
            "and must change: please report this output."
        )
    else:
        print("so: inconclusive; please report this output.")
    return 0


def _list(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def cmd_matrix(args: argparse.Namespace) -> int:
    from claimlab.lab import matrix

    result = matrix(
        _actions(args),
        users=_list(args.users),
        flows=_list(args.flows),
        variants=_list(args.variants),
        network=args.network,
        timeout=args.timeout,
    )
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result)
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from claimlab.lab import sweep

    if args.n < 1:
        raise _Usage(f"-n takes a number of logins, 1 or more, not {args.n}")
    result = sweep(
        _actions(args),
        n=args.n,
        seed=args.seed,
        flows=_list(args.flows),
        users=_list(args.users),
        workers=args.workers,
        network=args.network,
        timeout=args.timeout,
        progress=args.progress,
    )
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result)
    return 1 if result.failures() else 0


def _token_arg(value: str) -> str:
    # A JWT's header is JSON, so it starts with "eyJ"; anything else should be a file.
    if value.strip().startswith("eyJ"):
        return value.strip()
    path = Path(value)
    if not path.is_file():
        raise _Usage(f"{value!r} is neither a token (eyJ...) nor a file holding one")
    return path.read_text(encoding="utf-8").strip()


def cmd_diff(args: argparse.Namespace) -> int:
    from claimlab.lab import diff

    try:
        result = diff(_token_arg(args.token_a), _token_arg(args.token_b))
    except TokenError as exc:
        raise _Usage(f"not a token: {exc}") from None
    if args.json:
        _print_json(result.to_dict())
    else:
        print(result)
    return 0 if result.same else 1


def _add_lab_commands(sub: Any) -> None:
    """``claimlab matrix``, ``sweep`` and ``diff``: the claim design lab on the command line."""
    example = argparse.RawDescriptionHelpFormatter
    flows = "comma-separated: interactive,silent,refresh,password,device (default: all)"
    matrix = sub.add_parser(
        "matrix",
        help="which users get which claims in which login flows and event variants",
        formatter_class=example,
        epilog="example:\n  claimlab matrix actions/assign-random-dog.js "
        "--dependency axios@1.7.9 --users alice,bob --flows interactive,refresh",
    )
    matrix.add_argument(
        "actions", nargs="+", metavar="ACTION.js", help="the Action's JavaScript file(s)"
    )
    _add_action_options(matrix, event=False)
    matrix.add_argument("--users", help="comma-separated handles (default: all sample users)")
    matrix.add_argument("--flows", help=flows)
    matrix.add_argument(
        "--variants",
        help="comma-separated: as is,no authorization,organization,first login,social "
        "(default: all)",
    )
    matrix.set_defaults(func=cmd_matrix)

    sweep = sub.add_parser(
        "sweep",
        help="log thousands of generated users in and summarise claims, sizes and errors",
        formatter_class=example,
        description="Progress goes to stderr, the summary to stdout. Exit 1 if any login failed.",
        epilog="example:\n  claimlab sweep actions/assign-random-dog.js "
        "--dependency axios@1.7.9 -n 10000 --seed 1 --json",
    )
    sweep.add_argument(
        "actions", nargs="+", metavar="ACTION.js", help="the Action's JavaScript file(s)"
    )
    _add_action_options(sweep, event=False)
    sweep.add_argument("-n", type=int, default=10_000, help="how many logins (default 10000)")
    sweep.add_argument("--seed", type=int, default=0, help="the same seed, the same logins")
    sweep.add_argument("--flows", help=flows)
    sweep.add_argument("--users", help="cycle through these sample users instead of new ones")
    sweep.add_argument("--workers", type=int, help="Node workers of its own (default: shared)")
    sweep.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on stderr (default: when stderr is a terminal)",
    )
    sweep.set_defaults(func=cmd_sweep)

    compare = sub.add_parser(
        "diff",
        help="compare the claims of two ID tokens (exit 1 when they differ)",
        formatter_class=example,
        epilog="example:\n  claimlab diff before.jwt after.jwt\n"
        '  claimlab diff "$(claimlab login --json | jq -r .id_token)" eyJhbGciOi...',
    )
    compare.add_argument("token_a", metavar="TOKEN_A", help="a JWT, or a file holding one")
    compare.add_argument("token_b", metavar="TOKEN_B", help="a JWT, or a file holding one")
    compare.add_argument("--json", action="store_true", help="print one JSON object")
    compare.set_defaults(func=cmd_diff)


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line and a "did you mean" for a misspelled choice."""

    def error(self, message: str) -> NoReturn:
        hint = ""
        invalid = _INVALID_CHOICE.search(message)
        if invalid:
            value = invalid["value"].strip("'")
            choices = [c.strip().strip("'") for c in invalid["choices"].split(",")]
            close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
            if close:
                hint = f"; did you mean {close[0]!r}?"
        self.exit(2, f"{self.prog}: {message}{hint} (see {self.prog} --help)\n")


# argparse's wording, with choices quoted (Python 3.11) or not (3.12.8 and later).
_INVALID_CHOICE = re.compile(
    r"invalid choice: (?P<value>'[^']*'|\S+) \(choose from (?P<choices>.*)\)"
)


def _command(
    sub: Any,
    name: str,
    summary: str,
    examples: str,
    description: str | None = None,
    more: str = "",
) -> argparse.ArgumentParser:
    """One subcommand: ``summary`` in ``claimlab --help``, ``examples`` at the end of its own
    help, ``more`` (kept as written) after its description."""
    text = textwrap.fill(description or summary[0].upper() + summary[1:] + ".", 79)
    return sub.add_parser(
        name,
        help=summary,
        description=f"{text}\n\n{more}" if more else text,
        epilog="examples:\n" + textwrap.indent(textwrap.dedent(examples).strip(), "  "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_run_parser(sub: Any) -> None:
    presets = "\n".join(
        f"  {name:<14}{events.PRESET_DESCRIPTIONS[name]}" for name in events.preset_names()
    )
    run = _command(
        sub,
        "run",
        "run Actions (in binding order) against a mock event",
        f"""
        claimlab run notebooks/actions/assign-random-dog.js --dependency {_TUTORIAL_AXIOS}
        claimlab run my-action.js --event refresh --secret API_KEY=abc123 --json
        claimlab run first.js second.js --event overrides.json --timeout 5
        """,
        description="Run post-login Actions on Node.js against a mock login event, in the "
        "order given, as a trigger's bindings run; print the api calls, claims and logs.",
        more=f"event presets (--event):\n{presets}",
    )
    run.add_argument(
        "actions", nargs="+", metavar="ACTION.js", help="the Action's JavaScript file(s)"
    )
    _add_action_options(run)
    run.set_defaults(func=cmd_run)


def _add_login_parser(sub: Any) -> None:
    login = _command(
        sub,
        "login",
        "log a user in on the local tenant and print the tokens",
        f"""
        claimlab login notebooks/actions/assign-random-dog.js --dependency {_TUTORIAL_AXIOS}
        claimlab login my-action.js --user bob --flow refresh --json
        claimlab login --user carol --audience https://api.example.com
        """,
    )
    login.add_argument(
        "actions",
        nargs="*",
        metavar="ACTION.js",
        help="Action files bound to post-login for this login, in order (none: no Actions)",
    )
    _add_action_options(login, event=False)
    login.add_argument(
        "--user", default="alice", help="alice, bob, carol or dana (default: %(default)s)"
    )
    login.add_argument(
        "--client-id", help="the application logging in (default: the local tenant's SPA)"
    )
    login.add_argument(
        "--scope", default="openid profile email", help="OAuth scopes (default: %(default)s)"
    )
    login.add_argument("--audience", help="an API identifier: also issue an access token")
    login.add_argument("--nonce", help="echoed in the ID token, as /authorize does")
    login.add_argument(
        "--flow",
        choices=["interactive", "silent", "refresh", "password", "device"],
        default="interactive",
        help="how the user logs in; sets the event's transaction (default: %(default)s)",
    )
    login.set_defaults(func=cmd_login)


def _add_jwks_parser(sub: Any) -> None:
    jwks = _command(
        sub,
        "jwks",
        "print the local tenant's JWKS",
        "claimlab jwks > jwks.json",
        description="Print the local tenant's public signing keys (its "
        "/.well-known/jwks.json), for verifying its tokens elsewhere.",
    )
    jwks.set_defaults(func=cmd_jwks)


def _add_decode_parser(sub: Any) -> None:
    decode = _command(
        sub,
        "decode",
        "decode and verify a token",
        """
        claimlab decode eyJhbGciOiJSUzI1NiIs...
        claimlab login --json | jq -r .id_token | claimlab decode -
        claimlab decode token.txt --jwks https://TENANT.auth0.com/.well-known/jwks.json \\
            --issuer https://TENANT.auth0.com/ --audience YOUR_CLIENT_ID
        """,
    )
    decode.add_argument(
        "token",
        help="the token (eyJ...), a file holding it, or - to read it from stdin "
        "(for tokens too long for the command line)",
    )
    decode.add_argument("--jwks", help="a JWKS URL or file (default: the local tenant's)")
    decode.add_argument("--audience", help="the expected aud: your application's client id")
    decode.add_argument("--issuer", help="the expected iss (default with no --jwks: the local one)")
    decode.add_argument("--json", action="store_true", help="print one JSON object")
    decode.set_defaults(func=cmd_decode)


def _add_prefetch_parser(sub: Any) -> None:
    prefetch = _command(
        sub,
        "prefetch",
        "install Action dependencies for offline use",
        f"claimlab prefetch {_TUTORIAL_AXIOS}",
    )
    prefetch.add_argument(
        "dependencies",
        nargs="+",
        metavar="NAME@VERSION",
        help="npm packages as the dashboard's Modules tab takes them",
    )
    prefetch.set_defaults(func=cmd_prefetch)


def _add_tenant_parser(sub: Any) -> None:
    tenant = _command(
        sub,
        "tenant",
        "the local tenant over HTTP",
        "claimlab tenant serve --port 8765",
    )
    tenant_sub = tenant.add_subparsers(dest="tenant_command", required=True, metavar="COMMAND")
    serve = _command(
        tenant_sub,
        "serve",
        "serve the local tenant on 127.0.0.1",
        """
        claimlab tenant serve --port 8765
        claimlab tenant serve --json    # prints the Management API client secret too
        """,
        description="Serve the local tenant on 127.0.0.1: OIDC discovery, JWKS, /oauth/token, "
        "/userinfo and the Management API for Actions, until Ctrl-C.",
    )
    serve.add_argument(
        "--port", type=_port, default=0, help="0 to 65535; 0 picks a free port (the default)"
    )
    _add_network_option(serve)
    serve.add_argument(
        "--build-delay",
        type=_build_delay,
        metavar="SECONDS",
        help="how long a saved Action takes to build, as Auth0's builds take a moment: a "
        "deploy waits for it (default: LocalTenant's half second; 0 builds at once)",
    )
    serve.add_argument("--json", action="store_true", help="print one JSON line and keep serving")
    serve.set_defaults(func=cmd_tenant_serve)


def _add_tenant_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--domain",
        help="the tenant, e.g. TENANT.eu.auth0.com (default: $AUTH0_DOMAIN); the client id and "
        "secret come from $AUTH0_CLIENT_ID and $AUTH0_CLIENT_SECRET or a hidden prompt",
    )


def _add_deploy_parser(sub: Any) -> None:
    deploy = _command(
        sub,
        "deploy",
        "deploy an Action to a tenant and bind it to post-login",
        f"""
        claimlab deploy notebooks/actions/assign-random-dog.js --name "Assign random dog" \\
            --dependency {_TUTORIAL_AXIOS} --dry-run
        API_KEY=abc123 claimlab deploy my-action.js --name "My Action" --secret API_KEY
        """,
    )
    deploy.add_argument("action", metavar="ACTION.js", help="the Action's JavaScript file")
    deploy.add_argument("--name", required=True, help="the Action's name on the tenant")
    _add_dependency_option(deploy)
    deploy.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="NAME",
        help="a secret's name; its value comes from the environment or a hidden prompt",
    )
    _add_tenant_options(deploy)
    deploy.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    deploy.set_defaults(func=cmd_deploy)


def _add_rollback_parser(sub: Any) -> None:
    rollback = _command(
        sub,
        "rollback",
        "deploy an earlier version of an Action again",
        'claimlab rollback "Assign random dog" 3',
    )
    rollback.add_argument("name", help="the Action's name on the tenant")
    rollback.add_argument("version", type=int, help="the version number to deploy again")
    _add_tenant_options(rollback)
    rollback.set_defaults(func=cmd_rollback)


def _add_probe_parser(sub: Any) -> None:
    probe = _command(
        sub,
        "probe",
        "ask a tenant's Actions test endpoint what Auth0's docs leave open "
        "(creates an unbound probe Action, then deletes it)",
        "claimlab probe --domain TENANT.eu.auth0.com --json",
    )
    _add_tenant_options(probe)
    probe.add_argument("--json", action="store_true", help="print the answers as JSON")
    probe.set_defaults(func=cmd_probe)


def build_parser() -> argparse.ArgumentParser:
    """The ``claimlab`` parser: one ``_add_*_parser`` function per subcommand."""
    parser = _Parser(
        prog="claimlab",
        description="Run Auth0 post-login Actions locally and inspect tokens.",
        epilog="examples:\n"
        f"  claimlab run notebooks/actions/assign-random-dog.js --dependency {_TUTORIAL_AXIOS}\n"
        "  claimlab run --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run_parser(sub)
    _add_login_parser(sub)
    _add_jwks_parser(sub)
    _add_decode_parser(sub)
    _add_prefetch_parser(sub)
    _add_tenant_parser(sub)
    _add_deploy_parser(sub)
    _add_rollback_parser(sub)
    _add_probe_parser(sub)
    _add_lab_commands(sub)
    return parser


SIGPIPE_EXIT = 141
"""128 + SIGPIPE: what a shell reports for a tool a closed pipe stopped (``yes | head -1``)."""


def _reader_gone() -> int:
    """The reader of stdout closed the pipe: not the command's failure, so no message. Writes
    to the Node workers' pipes never get here (a closed one is a ``WorkerDied``)."""
    # Python flushes stdout again at exit: pointing it at /dev/null keeps that flush quiet.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return SIGPIPE_EXIT


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        # Output to a pipe is buffered: flushing here makes a reader that left early
        # (`claimlab sweep ... | head -1`) a BrokenPipeError below, not a traceback at exit.
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _reader_gone()
    except DependencyError as exc:
        # npm could not install a declared module, or a login's Action requires an undeclared one.
        print(f"claimlab {args.command}: {_cli_advice(exc)}", file=sys.stderr)
        return 1
    except DeployError as exc:
        print(f"claimlab {args.command}: {exc}", file=sys.stderr)
        return 1
    except ActionError as exc:
        # Raised by a login whose Action failed: the learner's mistake, not claimlab's.
        print(f"Action failed: {_cli_advice(exc)}", file=sys.stderr)
        return 1
    except (_Usage, ClaimlabError, OSError) as exc:
        print(f"claimlab {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Who may talk to the app: the Host names it answers to, and same-origin proof for every write."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import Forbidden

#: The names a loopback server answers to; anything else in ``Host`` is a DNS-rebinding attempt.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")

#: Methods that change nothing; every other method must prove it comes from our own pages.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def allowed_hosts(extra: Iterable[str] = (), bind: str | None = None) -> list[str]:
    """Return the Host names to answer: loopback, the address served on (if it is one), and ``extra``."""
    hosts = list(LOOPBACK_HOSTS)
    if bind and not is_wildcard(bind):
        hosts.append(f"[{bind}]" if ":" in bind and not bind.startswith("[") else bind)
    for name in extra:
        name = name.strip().lower()
        if name and name not in hosts:
            hosts.append(name)
    return hosts


def is_wildcard(address: str) -> bool:
    """Return whether a bind address means every interface (0.0.0.0, ::)."""
    try:
        return ipaddress.ip_address(address.strip("[]")).is_unspecified
    except ValueError:
        return False


def is_loopback(address: str) -> bool:
    """Return whether a bind address reaches this machine only."""
    if address.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def cross_site_reason() -> str | None:
    """Return why the current request does not come from one of our own pages, or None when it does.

    Browsers send ``Origin`` with every cross-origin write (``null`` from sandboxed or no-referrer
    pages) and ``Sec-Fetch-Site`` with every request; a page cannot forge either. A client that sends
    neither, nor a ``Referer``, is not a browser (curl, a script) and cannot carry a victim's cookies.
    """
    own = request.host.lower()
    origin = request.headers.get("Origin")
    if origin is not None:
        if urlsplit(origin).netloc.lower() != own:
            return f"its Origin {origin[:100]!r} is not this site"
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return f"the browser marks it {site[:30]!r}"
    referer = request.headers.get("Referer")
    if referer is not None and urlsplit(referer).netloc.lower() != own:
        return "its Referer is another site"
    return None


def host_allowed(host: str, names: Iterable[str]) -> bool:
    """Return whether a ``Host`` header (``name[:port]``) names one of ``names`` (``.example.com``: any subdomain)."""
    name = host.lower() if host.endswith("]") else host.lower().rpartition(":")[0] or host.lower()
    if not name or ":" in name.strip("[]") and not name.startswith("["):
        return False
    return any(name == ref or (ref.startswith(".") and name.endswith(ref)) for ref in names)


def init_guard(app: Flask) -> None:
    """Refuse foreign Host names on every request and cross-site requests on every write."""
    # Werkzeug's TRUSTED_HOSTS cannot match an IPv6 name such as [::1], so the check is ours.
    if not app.config.get("ALLOWED_HOSTS"):
        app.config["ALLOWED_HOSTS"] = list(LOOPBACK_HOSTS)
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"

    @app.before_request
    def known_host_and_same_origin_writes() -> Response | None:
        names = current_app.config["ALLOWED_HOSTS"]
        host = request.headers.get("Host", "")
        if not host_allowed(host, names):
            # Plain text: a page would build links from the very name being refused.
            return Response(f"this server does not answer to the host name {host[:100]!r}; it answers to "
                            f"{', '.join(names)} (serve with --allowed-host NAME to add one)\n",
                            status=400, mimetype="text/plain")
        if request.method in SAFE_METHODS:
            return None
        reason = cross_site_reason()
        if reason:
            raise Forbidden(f"cross-site request refused: {reason}; changes are accepted only from this "
                            "site's own pages or from clients that are not browsers")
        return None

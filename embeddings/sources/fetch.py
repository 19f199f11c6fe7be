"""Fetching a web page for anyone who asks, without letting them turn the bot inward.

With aiohttp, which discord.py already installs, for two of its hooks. The connector asks
our resolver (`aiohttp.abc.AbstractResolver`) for a name's addresses and connects to
exactly those, so the addresses checked are the ones connected to: no second lookup between
check and connect. And `aiohttp.ClientTimeout(total=...)` bounds connecting, headers and
body together, where a per-read timeout lets a server trickle a byte at a time forever. A
host written as an address skips the resolver, so it is checked (and written the canonical
way) before each request. Redirects are followed here, each hop checked again, and one
deadline (`asyncio.timeout`) covers them all.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from embeddings.errors import ArticleError
from embeddings.sources.addresses import IPAddress, is_public, literal_address

if TYPE_CHECKING:
    from aiohttp.abc import ResolveResult

USER_AGENT = "article-bot/0.1"
MAX_REDIRECTS = 5
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK_BYTES = 64 * 1024

Resolve = Callable[[str], Awaitable[list[IPAddress]]]
"""A name's addresses."""
Allow = Callable[[IPAddress], bool]
"""Whether an address may be connected to."""

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchPolicy:
    """What a fetch may reach, for how long in all, and how large a page may be. The
    default is the strict one, for untrusted input: public addresses only."""

    allow_private: bool = False
    timeout: float = 20.0
    max_bytes: int = 5 * 1024 * 1024


STRICT = FetchPolicy()
"""The policy for untrusted input."""


@dataclass(frozen=True)
class Page:
    """A fetched page: its body, its address after redirects and its media type, with the
    validators a later conditional request sends (`ETag`, `Last-Modified`, when short
    enough to keep). `not_modified`: the server answered 304 to such a request (no body)."""

    body: bytes
    url: str
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


GONE = (404, 410)
VALIDATOR_LENGTH = 512
"""The longest `ETag` or `Last-Modified` kept: a longer one is not sent back."""


class PageGone(ArticleError):
    """The server says the page is not there (404 or 410)."""


class NotTaken(ArticleError):
    """The server answered, but with what is not read: another kind of content than a
    web page, or more of it than the policy allows."""


class RefusedAddress(OSError):
    """A host with an address the policy does not allow (an `OSError`, so the connector
    reports it as a failed lookup)."""


async def system_resolve(host: str) -> list[IPAddress]:
    """`host`'s addresses from the system's resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    found = (
        ipaddress.ip_address(str(info[4][0]))
        for info in infos
        if info[0] in (socket.AF_INET, socket.AF_INET6)
    )
    return list(dict.fromkeys(found))


class CheckedResolver(AbstractResolver):
    """Resolves a name with `resolve` and refuses it unless `allow` accepts every address
    it has; the connector then connects to those addresses, not looking the name up again."""

    def __init__(self, allow: Allow, resolve: Resolve = system_resolve) -> None:
        self._allow = allow
        self._resolve = resolve

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            addresses = await self._resolve(host)
        except (ValueError, UnicodeError) as exc:  # a name no resolver takes ("a..b")
            raise RefusedAddress(f"{host} is not a valid name ({exc})") from None
        refused = [address for address in addresses if not self._allow(address)]
        if refused:
            log.warning("refused %s: it has the address %s", host, refused[0])
            raise RefusedAddress(f"{host} has the address {refused[0]}, which is not public")
        results: list[ResolveResult] = [
            {
                "hostname": host,
                "host": str(address),
                "port": port,
                "family": _family(address),
                "proto": socket.IPPROTO_TCP,
                "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            }
            for address in addresses
            if family in (socket.AF_UNSPEC, _family(address))
        ]
        if not results:
            raise RefusedAddress(f"{host} has no address")
        return results

    async def close(self) -> None:
        pass


def download(
    url: str,
    policy: FetchPolicy = STRICT,
    *,
    resolve: Resolve = system_resolve,
    allow: Allow = is_public,
    since: Page | None = None,
) -> Page:
    """`fetch`, for a thread with no running event loop."""
    return _run(fetch(url, policy, resolve=resolve, allow=allow, since=since))


async def fetch(
    url: str,
    policy: FetchPolicy = STRICT,
    *,
    resolve: Resolve = system_resolve,
    allow: Allow = is_public,
    since: Page | None = None,
) -> Page:
    """The web page at `url`, following at most `MAX_REDIRECTS` redirects, within `policy`;
    else `ArticleError` with one short line (`PageGone` for 404 and 410). Unless
    `policy.allow_private`, every address connected to must pass `allow`; `resolve` looks
    names up (tests replace both). With `since` (validators of an earlier fetch), the
    request is conditional: an unchanged page comes back `not_modified`, without a body."""
    try:
        start = URL(url)
    except ValueError:
        raise ArticleError(f"{url}: not a valid web address") from None
    check = _anything if policy.allow_private else allow
    watch = _Connections()
    unreachable = f"{url}: cannot fetch that address"
    try:
        async with (
            asyncio.timeout(policy.timeout),
            _session(policy, CheckedResolver(check, resolve), watch) as session,
        ):
            hop = start
            for _ in range(MAX_REDIRECTS + 1):
                watch.connected = False
                target = _checked(hop, check, url)
                answer = await _get(session, target, url, policy, _conditions(since))
                if isinstance(answer, Page):
                    return answer
                hop = hop.join(answer)
                log.info("%s: redirected to %s", url, hop)
            raise ArticleError(f"{url}: more than {MAX_REDIRECTS} redirects")
    except _Unreachable as exc:
        log.warning("%s: %s", url, exc)
        raise ArticleError(unreachable) from None
    except TimeoutError:
        if not watch.connected:
            log.info("%s: no connection within %g s", url, policy.timeout)
            raise ArticleError(unreachable) from None
        raise ArticleError(f"{url}: no complete answer within {policy.timeout:g} s") from None
    except (ValueError, UnicodeError) as exc:  # a URL aiohttp or yarl cannot take
        log.info("%s: %s: %s", url, type(exc).__name__, exc)
        raise ArticleError(f"{url}: not a valid web address") from None
    except aiohttp.ClientError as exc:
        log.info("%s: %s: %s", url, type(exc).__name__, exc)
        if isinstance(exc, aiohttp.ClientConnectorError) or not watch.connected:
            raise ArticleError(unreachable) from None
        raise ArticleError(f"{url}: no valid answer from the server") from None


class _Unreachable(Exception):
    """A hop that is not fetched; the reason is logged, not shown."""


class _Connections:
    """Whether the current hop has its connection yet: a timeout before is an address that
    cannot be reached, after it a server too slow."""

    def __init__(self) -> None:
        self.connected = False
        self.trace = aiohttp.TraceConfig()
        self.trace.on_connection_create_end.append(self._connected)
        self.trace.on_connection_reuseconn.append(self._connected)

    async def _connected(self, *_: object) -> None:
        self.connected = True


def _session(
    policy: FetchPolicy, resolver: CheckedResolver, watch: _Connections
) -> aiohttp.ClientSession:
    """A session that looks names up with `resolver` only, and reads no proxy settings."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False),
        timeout=aiohttp.ClientTimeout(total=policy.timeout),
        headers={"User-Agent": USER_AGENT},
        trust_env=False,
        trace_configs=[watch.trace],
    )


def _conditions(since: Page | None) -> dict[str, str]:
    """The headers of a conditional request for a page fetched before as `since`."""
    headers = {}
    if since is not None and since.etag:
        headers["If-None-Match"] = since.etag
    if since is not None and since.last_modified:
        headers["If-Modified-Since"] = since.last_modified
    return headers


def _validator(value: str | None) -> str | None:
    return value if value and len(value) <= VALIDATOR_LENGTH and value.isprintable() else None


async def _get(
    session: aiohttp.ClientSession,
    target: URL,
    url: str,
    policy: FetchPolicy,
    conditions: dict[str, str] | None = None,
) -> Page | URL:
    """The page at `target`, or where it redirects to."""
    async with session.get(target, allow_redirects=False, headers=conditions) as response:
        status = response.status
        etag = _validator(response.headers.get("ETag"))
        last_modified = _validator(response.headers.get("Last-Modified"))
        if status == 304 and conditions:
            return Page(b"", str(target), "", etag, last_modified, not_modified=True)
        if status in GONE:
            raise PageGone(f"{url}: HTTP {status} {response.reason or ''}".rstrip())
        if status in REDIRECTS:
            location = response.headers.get("Location")
            if not location:
                raise ArticleError(f"{url}: HTTP {status} without a Location")
            try:
                return URL(location)
            except ValueError:
                raise ArticleError(f"{url}: redirected to an invalid address") from None
        if not 200 <= status < 300:
            raise ArticleError(f"{url}: HTTP {status} {response.reason or ''}".rstrip())
        # A page without a type is text, as for urllib.
        kind = response.content_type if "Content-Type" in response.headers else "text/plain"
        if kind not in PAGE_TYPES:
            raise NotTaken(f"{url}: not a web page ({kind})")
        too_large = NotTaken(f"{url}: page larger than {_size(policy.max_bytes)}")
        if (response.content_length or 0) > policy.max_bytes:
            raise too_large
        body = bytearray()
        async for chunk in response.content.iter_chunked(CHUNK_BYTES):
            body += chunk
            if len(body) > policy.max_bytes:
                raise too_large
        return Page(bytes(body), str(target), kind, etag, last_modified)


def _checked(hop: URL, allow: Allow, url: str) -> URL:
    """`hop` if it may be fetched, its host written the canonical way if it is an address;
    else raises."""
    if hop.scheme not in ("http", "https"):
        raise ArticleError(f"{url}: only http and https addresses are fetched")
    if hop.user is not None or hop.password is not None:
        raise ArticleError(f"{url}: an address with a user name or password is not fetched")
    host = hop.raw_host
    if not host:
        raise ArticleError(f"{url}: not a valid web address")
    try:
        address = literal_address(host)
    except ValueError as exc:
        raise _Unreachable(str(exc)) from None
    if address is None:
        return hop  # a name: the resolver checks its addresses
    if not allow(address):
        raise _Unreachable(f"{host} is {address}, which is not public")
    if isinstance(address, ipaddress.IPv4Address) and host != str(address):
        return hop.with_host(str(address))
    return hop


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` in a new event loop. Unlike `asyncio.run`, which waits for the
    loop's threads, this does not wait for a name lookup still running past the deadline."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()  # shuts its thread pool down without waiting


def _anything(address: IPAddress) -> bool:
    return True


def _family(address: IPAddress) -> socket.AddressFamily:
    return socket.AF_INET6 if address.version == 6 else socket.AF_INET


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n / 2**10:.3g} kB"

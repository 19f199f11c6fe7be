"""The web fetcher: public addresses only (however an address is spelled, wherever a
redirect leads), one deadline in all, a size cap while reading; against servers on
loopback addresses."""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from ipaddress import IPv4Address, ip_address

import pytest

from embeddings.errors import ArticleError
from embeddings.sources.addresses import IPAddress, is_public, literal_address
from embeddings.sources.fetch import FetchPolicy, Page, Resolve, download, fetch
from embeddings.sources.web import fetch_article
from tests.web_server import PAGE, LocalServer

LOCAL = FetchPolicy(allow_private=True)

# --- the address classifier ---------------------------------------------------------------

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2a00:1450:4001:82a::200e",
    "::ffff:8.8.8.8",  # IPv4-mapped: judged as the IPv4 address
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8: the same
]
NOT_PUBLIC = [
    # IPv4
    "0.0.0.0",
    "0.1.2.3",
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "100.127.255.255",
    "192.0.0.8",
    "192.0.2.1",
    "198.51.100.7",
    "203.0.113.9",
    "198.18.0.1",
    "192.88.99.1",
    "224.0.0.1",  # multicast: `is_global` says True (Python 3.11 to 3.13)
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    # IPv6
    "::",
    "::1",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456:789a::1",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
    "3fff::1",
    "100::1",
    # IPv6 forms that carry an IPv4 address
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::127.0.0.1",  # IPv4-compatible
    "::8.8.8.8",  # IPv4-compatible, refused whatever it carries
    "::ffff:0:8.8.8.8",  # IPv4-translated
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:808:808::1",  # 6to4 of 8.8.8.8: refused all the same
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::808:808",  # local-use NAT64
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public(ip_address(address))


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_inward_and_special_addresses_are_not_public(address: str) -> None:
    assert not is_public(ip_address(address))


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("::ffff:7f00:1", "::ffff:127.0.0.1"),
        ("[::1]", "::1"),
    ],
)
def test_a_host_written_as_an_address_is_read_as_the_system_reads_it(
    host: str, address: str
) -> None:
    assert literal_address(host) == ip_address(address)


def test_a_name_is_no_address_and_a_broken_number_is_refused() -> None:
    assert literal_address("news.example") is None
    assert literal_address("localhost") is None
    with pytest.raises(ValueError):
        literal_address("1.2.3.4.5")


# --- servers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def local() -> Iterator[LocalServer]:
    server = LocalServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def local6() -> Iterator[LocalServer]:
    try:
        server = LocalServer("::1")
    except OSError:
        pytest.skip("no IPv6 loopback here")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def stand_in() -> Iterator[LocalServer]:
    """A server on 127.0.0.2, which `pretend_public` lets through, as if it were public."""
    server = LocalServer("127.0.0.2")
    yield server
    server.stop()


def pretend_public(address: IPAddress) -> bool:
    return address == IPv4Address("127.0.0.2") or is_public(address)


def resolver(names: dict[str, str], calls: list[str] | None = None) -> Resolve:
    """A `resolve` that knows only `names`, recording the names it is asked for."""

    async def resolve(host: str) -> list[IPAddress]:
        if calls is not None:
            calls.append(host)
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ip_address(a) for a in names[host].split()]

    return resolve


INWARD = [
    "http://127.0.0.1:{port}/page",
    "http://127.1:{port}/page",
    "http://2130706433:{port}/page",
    "http://0x7f000001:{port}/page",
    "http://0177.0.0.1:{port}/page",
    "http://127.0.0.1.:{port}/page",
    "http://0.0.0.0:{port}/page",
    "http://[::ffff:127.0.0.1]:{port}/page",
    "http://[::ffff:7f00:1]:{port}/page",
    "http://localhost:{port}/page",
    "http://LOCALHOST:{port}/page",
    "http://[::1]:{port6}/page",
]


def _url(spelling: str, local: LocalServer, local6: LocalServer) -> str:
    return spelling.format(port=local.port, port6=local6.port)


# --- inward addresses ---------------------------------------------------------------------


@pytest.mark.parametrize("spelling", INWARD)
def test_every_spelling_of_a_local_address_is_refused_without_a_request(
    spelling: str, local: LocalServer, local6: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = _url(spelling, local, local6)
    hits = local.hits["/page"] + local6.hits["/page"]
    with caplog.at_level(logging.INFO), pytest.raises(ArticleError) as caught:
        download(url, FetchPolicy())
    assert str(caught.value) == f"{url}: cannot fetch that address"
    assert local.hits["/page"] + local6.hits["/page"] == hits
    assert caplog.records  # the reason is logged, not shown


@pytest.mark.parametrize("spelling", INWARD)
def test_every_spelling_of_a_local_address_is_fetched_when_private_ones_are_allowed(
    spelling: str, local: LocalServer, local6: LocalServer
) -> None:
    page = download(_url(spelling, local, local6), LOCAL)
    assert page.body == PAGE
    assert page.content_type == "text/html"


def test_a_web_article_is_fetched_under_the_strict_policy_by_default(
    local: LocalServer,
) -> None:
    url = f"http://127.0.0.1:{local.port}/page"
    with pytest.raises(ArticleError, match="cannot fetch that address"):
        fetch_article(url, None)


async def test_a_name_for_a_local_address_is_refused(local: LocalServer) -> None:
    calls: list[str] = []
    resolve = resolver({"news.example": "127.0.0.1"}, calls)
    url = f"http://news.example:{local.port}/page?named"
    with pytest.raises(ArticleError) as caught:
        await fetch(url, FetchPolicy(), resolve=resolve)
    assert str(caught.value) == f"{url}: cannot fetch that address"
    assert calls == ["news.example"]
    assert local.hits["/page?named"] == 0


async def test_a_name_is_refused_when_any_of_its_addresses_is_local(local: LocalServer) -> None:
    resolve = resolver({"news.example": "8.8.8.8 127.0.0.1"})
    with pytest.raises(ArticleError, match="cannot fetch that address"):
        await fetch(f"http://news.example:{local.port}/page", resolve=resolve)


async def test_the_connection_goes_to_the_address_checked(local: LocalServer) -> None:
    """`news.example` exists only in the test's resolver: the page comes from the one
    address that resolver gave, looked up once."""
    calls: list[str] = []
    resolve = resolver({"news.example": "127.0.0.1"}, calls)
    url = f"http://news.example:{local.port}/page?checked"
    page = await fetch(url, LOCAL, resolve=resolve)
    assert page == Page(PAGE, url, "text/html")
    assert calls == ["news.example"]
    assert local.hits["/page?checked"] == 1


# --- redirects ----------------------------------------------------------------------------


async def test_a_redirect_between_public_addresses_is_followed(stand_in: LocalServer) -> None:
    """The control for the next test: the stand-in passes for public."""
    resolve = resolver({"public.example": "127.0.0.2"})
    base = f"http://public.example:{stand_in.port}"
    page = await fetch(f"{base}/to?url={base}/page", resolve=resolve, allow=pretend_public)
    assert page.body == PAGE and page.url == f"{base}/page"


@pytest.mark.parametrize(
    "inward", ["http://127.0.0.1:{port}/page?hop", "http://news.example:{port}/page?hop"]
)
async def test_a_public_page_redirecting_inward_is_refused_at_the_second_hop(
    stand_in: LocalServer, local: LocalServer, inward: str
) -> None:
    resolve = resolver({"public.example": "127.0.0.2", "news.example": "127.0.0.1"})
    url = f"http://public.example:{stand_in.port}/to?url={inward.format(port=local.port)}"
    hits = local.hits["/page?hop"]
    with pytest.raises(ArticleError) as caught:
        await fetch(url, resolve=resolve, allow=pretend_public)
    assert str(caught.value) == f"{url}: cannot fetch that address"
    assert stand_in.hits[url.split(str(stand_in.port), 1)[1]] >= 1  # the first hop was made
    assert local.hits["/page?hop"] == hits  # the second was not


def test_five_redirects_are_followed_and_a_sixth_is_refused(local: LocalServer) -> None:
    base = f"http://127.0.0.1:{local.port}"
    assert download(f"{base}/redirect/4", LOCAL).url == f"{base}/page"  # 5 redirects
    with pytest.raises(ArticleError, match="more than 5 redirects"):
        download(f"{base}/redirect/5", LOCAL)


def test_a_redirect_to_a_file_is_refused(local: LocalServer) -> None:
    url = f"http://127.0.0.1:{local.port}/to?url=file:///etc/passwd"
    with pytest.raises(ArticleError, match="only http and https"):
        download(url, LOCAL)


# --- addresses that are not web addresses -------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only http and https addresses are fetched"),
        ("ftp://127.0.0.1/x", "only http and https addresses are fetched"),
        ("gopher://127.0.0.1:70/_GET", "only http and https addresses are fetched"),
        ("/etc/passwd", "only http and https addresses are fetched"),
        ("http://user:pw@news.example/", "an address with a user name or password is not fetched"),
        ("http://user@news.example/", "an address with a user name or password is not fetched"),
        ("http:///path", "not a valid web address"),
        ("http://news.example:99999/", "not a valid web address"),
    ],
)
def test_what_is_not_a_web_address_is_refused_in_one_line(url: str, message: str) -> None:
    with pytest.raises(ArticleError) as caught:
        download(url, LOCAL)
    assert str(caught.value) == f"{url}: {message}"


async def test_unreachable_addresses_say_the_same_as_refused_ones(local: LocalServer) -> None:
    unknown = "http://nowhere.example/"
    with pytest.raises(ArticleError) as caught:
        await fetch(unknown, LOCAL, resolve=resolver({}))
    assert str(caught.value) == f"{unknown}: cannot fetch that address"
    closed = "http://127.0.0.1:9/"
    with pytest.raises(ArticleError) as caught:
        await fetch(closed, LOCAL)
    assert str(caught.value) == f"{closed}: cannot fetch that address"


def test_an_http_error_names_its_status(local: LocalServer) -> None:
    with pytest.raises(ArticleError, match=r"HTTP 404 Not Found$"):
        download(f"http://127.0.0.1:{local.port}/missing", LOCAL)


# --- one deadline, one size cap -----------------------------------------------------------


@pytest.mark.parametrize("path", ["/trickle", "/trickle-headers"])
def test_a_trickling_server_is_given_up_at_the_deadline(local: LocalServer, path: str) -> None:
    """Each byte comes within any per-read timeout: only a deadline for the whole fetch
    ends it."""
    url = f"http://127.0.0.1:{local.port}{path}"
    with pytest.raises(ArticleError) as caught:
        download(url, replace(LOCAL, timeout=1.5))
    assert str(caught.value) == f"{url}: no complete answer within 1.5 s"


def test_a_name_lookup_that_never_ends_is_given_up_at_the_deadline() -> None:
    """The lookup runs on in its thread; the fetch does not wait for it."""

    release, ended = threading.Event(), threading.Event()

    def lookup() -> None:
        release.wait(30)
        ended.set()

    async def stuck(host: str) -> list[IPAddress]:
        await asyncio.get_running_loop().run_in_executor(None, lookup)
        return []

    with pytest.raises(ArticleError, match="cannot fetch that address"):
        download("http://news.example/", replace(LOCAL, timeout=0.5), resolve=stuck)
    assert not ended.is_set()  # given up while the lookup still runs
    release.set()


def test_a_page_without_end_is_refused_past_the_size_cap(local: LocalServer) -> None:
    url = f"http://127.0.0.1:{local.port}/endless"
    local.done.clear()
    with pytest.raises(ArticleError) as caught:
        download(url, replace(LOCAL, max_bytes=256 * 1024))
    assert str(caught.value) == f"{url}: page larger than 256 kB"
    assert local.done.wait(5)
    assert local.sent["/endless"] < 64 * 1024**2  # it stopped sending: nobody was reading


@pytest.mark.parametrize(
    ("path", "message"),
    [("/image", "not a web page (image/png)"), ("/declared-huge", "page larger than 5 MB")],
)
def test_type_and_declared_size_are_refused_before_the_body(
    local: LocalServer, path: str, message: str
) -> None:
    """These servers send headers and then nothing: only an answer from the headers alone
    comes back before the deadline."""
    url = f"http://127.0.0.1:{local.port}{path}"
    with pytest.raises(ArticleError) as caught:
        download(url, replace(LOCAL, timeout=8))
    assert str(caught.value) == f"{url}: {message}"  # not the deadline's line


def test_the_default_policy_is_the_strict_one() -> None:
    assert FetchPolicy() == FetchPolicy(allow_private=False, timeout=20.0, max_bytes=5 * 2**20)


def test_a_compressed_page_is_measured_as_it_inflates(local: LocalServer) -> None:
    """256 MB of zeros sent as 256 kB of gzip: refused at the cap, never inflated whole."""
    url = f"http://127.0.0.1:{local.port}/bomb"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ArticleError) as caught:
        download(url, LOCAL)
    assert str(caught.value) in (  # by our cap, or (older aiohttp) by aiohttp's own
        f"{url}: page larger than 5 MB",
        f"{url}: no valid answer from the server",
    )
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200  # the peak, whatever the speed: 256 MB would have shown

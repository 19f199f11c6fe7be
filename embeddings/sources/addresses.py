"""Which network addresses a fetch for an untrusted user may reach: public ones only.

`ipaddress`'s `is_global` alone is not enough: it calls multicast global, does not look
inside the IPv6 forms that carry an IPv4 address (6to4, NAT64, IPv4-compatible), and the
ranges it knows change between Python versions (3.11 to 3.13 differ). So `is_public`
checks explicit ranges first and `is_global` last.
"""

from __future__ import annotations

import socket
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

BLOCKED_V4 = tuple(
    IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", and 0.0.0.0 itself
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relays
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
GLOBAL_UNICAST_V6 = IPv6Network("2000::/3")
NAT64_V6 = IPv6Network("64:ff9b::/96")  # the embedded IPv4 address is the one reached
BLOCKED_V6 = tuple(
    IPv6Network(net)
    for net in (
        "2001::/23",  # IETF protocol assignments, Teredo (2001::/32) among them
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: an IPv4 address inside
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
    )
)


def is_public(address: IPAddress) -> bool:
    """Whether `address` is a public unicast address. An IPv4-mapped or NAT64 address is
    judged by the IPv4 address inside; the other forms that carry one (IPv4-compatible,
    6to4, Teredo, local NAT64) are refused, as is anything outside 2000::/3."""
    if isinstance(address, IPv6Address):
        embedded = address.ipv4_mapped
        if embedded is None and address in NAT64_V6:
            embedded = IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
        if address not in GLOBAL_UNICAST_V6 or any(address in net for net in BLOCKED_V6):
            return False
    elif any(address in net for net in BLOCKED_V4):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host stands for when it is written as one, read as the system
    reads it (`127.1`, `2130706433`, `0x7f000001` are all 127.0.0.1); None for a name.

    Raises `ValueError` for a host that looks like an address (only digits and dots, or a
    colon) but is none.
    """
    if ":" in host:
        return ip_address(host.strip("[]"))
    bare = host[:-1] if host.endswith(".") else host
    try:
        return IPv4Address(socket.inet_aton(bare))
    except OSError:
        pass
    if bare.replace(".", "").isdigit():
        raise ValueError(f"{host} is not an address")
    return None

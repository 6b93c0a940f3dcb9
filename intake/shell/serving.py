"""Where `feedback demo` serves: a busy port is found before anything is
loaded or printed, and on all interfaces (--host 0.0.0.0) the links printed
use this machine's address on the local network, so they open on a phone."""
from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct

import click

SIOCGIFADDR = 0x8915  # Linux: an interface's IPv4 address
ALL_INTERFACES = ("0.0.0.0", "::", "")


def check_port(host: str, port: int) -> None:
    """Refuse, naming --port, when the address is taken (as the server would
    find out only after the demo was loaded and printed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.UsageError(
                f"Port {port} on {host} is already in use ({error.strerror}). Stop what uses it, or choose "
                f"another port with --port, for example --port {port + 1}.") from None


def lan_addresses() -> list[str]:
    """This machine's private IPv4 addresses (Wi-Fi, Ethernet), read from its
    interfaces: no packet is sent to find them."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _index, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue  # no IPv4 address on this interface
            address = ipaddress.IPv4Address(packed[20:24])
            if address.is_private and not address.is_loopback and not address.is_link_local:
                found.append(str(address))
    return found


def shown_host(host: str) -> str:
    """The host to put in printed links: on all interfaces, the local
    network's address (a phone cannot open 127.0.0.1 of this machine)."""
    if host not in ALL_INTERFACES:
        return host
    addresses = lan_addresses()
    return addresses[0] if addresses else "127.0.0.1"

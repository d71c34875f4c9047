"""A lean HTTP/1.1 and WebSocket client for the load generator, on plain asyncio streams.

httpx with one AsyncClient per phone costs too much at a thousand phones on a shared two-core
machine: the generator would become the limit it is meant to measure. This is only what the
benchmarks need: keep-alive connections shared by all phones (`Pool`), each phone keeping its
own cookies by hand (`Cookies`), bodies by Content-Length or chunked, and a receive-only
WebSocket (`WebSocket`) that answers the server's pings, one per phone as on a real phone.

Nothing here follows redirects, decodes anything but gzip, or speaks TLS: it talks to a
benchmark server on 127.0.0.1.
"""

import asyncio
import base64
import contextlib
import os
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlencode

HEAD_LIMIT = 256 * 1024


class Stale(Exception):
    """A kept-alive connection the server had closed before this request got any answer."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; the last value of a repeated header
    set_cookies: list[str] = field(default_factory=list)
    body: bytes = b""

    def text(self) -> str:
        body = self.body
        if self.headers.get("content-encoding") == "gzip":
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        return body.decode("utf-8", "replace")

    def retry_after(self) -> float | None:
        raw = self.headers.get("retry-after", "").strip()
        try:
            return max(0.0, float(raw))
        except ValueError:
            return None


class Cookies:
    """One client's cookies for one host: names and values, nothing else is needed here."""

    __slots__ = ("values",)

    def __init__(self):
        self.values: dict[str, str] = {}

    def update(self, set_cookies: list[str]) -> None:
        for line in set_cookies:
            first, _sep, attributes = line.partition(";")
            name, _eq, value = first.strip().partition("=")
            attrs = attributes.lower().replace(" ", "")
            if "max-age=0" in attrs or "expires=thu,01jan1970" in attrs:
                self.values.pop(name, None)
            else:
                self.values[name] = value.strip('"')

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.values.items())


def form(data: dict[str, str]) -> bytes:
    return urlencode(data).encode()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], list[str]]:
    block = await reader.readuntil(b"\r\n\r\n")
    lines = block.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ConnectionError(f"not an HTTP answer: {lines[0][:80]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for line in lines[1:]:
        if not line:
            continue
        name, _colon, value = line.partition(":")
        name = name.strip().lower()
        value = value.strip()
        if name == "set-cookie":
            cookies.append(value)
        headers[name] = value
    if parts[0] != "HTTP/1.1":
        headers.setdefault("connection", "close")
    return status, headers, cookies


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> tuple[bytes, bool]:
    """The body, and whether the connection may be used again."""
    keep = "close" not in headers.get("connection", "").lower()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            line = await reader.readuntil(b"\r\n")
            size = int(line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return b"".join(chunks), keep
            chunks.append((await reader.readexactly(size + 2))[:-2])
    length = headers.get("content-length")
    if length is not None:
        return await reader.readexactly(int(length)), keep
    return await reader.read(), False  # delimited by the end of the connection


class Pool:
    """Keep-alive HTTP/1.1 connections to one server, shared by every client of a benchmark.

    A request takes an idle connection (the most recently used) or opens a new one, so the
    pool grows to the number of requests in flight at once (`peak`). A kept-alive connection
    that turns out to be closed before any answer came is replaced once, as browsers do.
    """

    def __init__(self, host: str, port: int):
        self.host = host
        self.port = port
        self.authority = f"{host}:{port}"
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0
        self.stale = 0
        self.in_flight = 0
        self.peak = 0

    async def _connect(self):
        self.opened += 1
        return await asyncio.open_connection(self.host, self.port, limit=HEAD_LIMIT)

    async def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        *,
        timeout: float = 30.0,
    ) -> Reply:
        """One request; raises TimeoutError or OSError-like errors (ConnectionError,
        asyncio.IncompleteReadError) when no complete answer came."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.authority}"]
        if headers:
            lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            async with asyncio.timeout(timeout):
                for _attempt in range(2):
                    try:
                        return await self._exchange(raw, method)
                    except Stale:
                        self.stale += 1
                raise ConnectionError("two kept-alive connections were closed in a row")
        finally:
            self.in_flight -= 1

    async def _exchange(self, raw: bytes, method: str) -> Reply:
        reused = bool(self.idle)
        reader, writer = self.idle.pop() if reused else await self._connect()
        try:
            writer.write(raw)
            if writer.transport.get_write_buffer_size() > 65536:
                await writer.drain()
            try:
                status, headers, cookies = await _read_head(reader)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                if reused and not getattr(exc, "partial", b""):
                    raise Stale() from exc
                raise
            if method == "HEAD" or status in (204, 304) or status < 200:
                body, keep = b"", "close" not in headers.get("connection", "").lower()
            else:
                body, keep = await _read_body(reader, headers)
        except BaseException:
            writer.close()
            raise
        if keep and not reader.at_eof():
            self.idle.append((reader, writer))
        else:
            writer.close()
        return Reply(status, headers, cookies, body)

    async def close(self) -> None:
        idle, self.idle = self.idle, []
        for _reader, writer in idle:
            writer.close()
        for _reader, writer in idle:
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _frame(opcode: int, payload: bytes = b"") -> bytes:
    """A client frame (masked, as a client must), for the small control frames sent here."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


class WebSocket:
    """A receive-only WebSocket client: it counts and hands on text messages, answers pings and
    the server's close. Cheap enough for a thousand of them in one process."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.close_code: int | None = None

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        target: str,
        headers: dict[str, str] | None = None,
        *,
        timeout: float = 30.0,
    ) -> "WebSocket":
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {target} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, limit=HEAD_LIMIT)
            try:
                writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
                status, _headers, _cookies = await _read_head(reader)
            except BaseException:
                writer.close()
                raise
        if status != 101:
            writer.close()
            raise ConnectionError(f"WebSocket refused: HTTP {status}")
        return cls(reader, writer)

    async def messages(self):
        """Yields each text or binary message; ends when the connection closes."""
        reader, parts = self.reader, []
        try:
            while True:
                first, second = await reader.readexactly(2)
                opcode, length = first & 0x0F, second & 0x7F
                if length == 126:
                    length = int.from_bytes(await reader.readexactly(2), "big")
                elif length == 127:
                    length = int.from_bytes(await reader.readexactly(8), "big")
                mask = await reader.readexactly(4) if second & 0x80 else None
                payload = await reader.readexactly(length) if length else b""
                if mask:
                    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                if opcode == 0x9:  # ping
                    self.writer.write(_frame(0xA, payload[:125]))
                elif opcode == 0x8:  # close: answer it, and that is the end
                    self.close_code = int.from_bytes(payload[:2], "big") if payload else 1005
                    if not self.writer.is_closing():
                        self.writer.write(_frame(0x8, payload[:2]))
                    return
                elif opcode in (0x0, 0x1, 0x2):
                    parts.append(payload)
                    if first & 0x80:
                        yield b"".join(parts)
                        parts = []
        except (asyncio.IncompleteReadError, ConnectionError):
            if self.close_code is None:
                self.close_code = 1006
        finally:
            self.writer.close()

    def close(self) -> None:
        """Say goodbye (1000) and drop the connection."""
        if not self.writer.is_closing():
            self.writer.write(_frame(0x8, (1000).to_bytes(2, "big")))
            self.writer.close()

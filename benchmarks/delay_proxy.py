"""A TCP proxy on 127.0.0.1 that waits a fixed time before forwarding each request, like a network would.

`python -m benchmarks.delay_proxy UPSTREAM_PORT DELAY_MS` listens on a free port, prints it on stdout, and
forwards every connection to 127.0.0.1:UPSTREAM_PORT. Before the first bytes of each request (the first
bytes a client sends after connecting or after a response arrived) it sleeps DELAY_MS, so each API call
pays one round trip's worth of latency however many bytes it carries. moto closes every connection after
one response, so a call is a connection; the rule also holds for clients that reuse one.

Hand-written rather than a library: a dozen lines of asyncio do exactly this, and the proxies on PyPI
(toxiproxy, mitmproxy) need a daemon or far more than a delay.
"""

from __future__ import annotations

import asyncio
import sys


class _Call:
    """Per connection: whether the next bytes from the client start a new request."""

    def __init__(self) -> None:
        self.awaiting_request = True


async def _client_to_upstream(
    client: asyncio.StreamReader, upstream: asyncio.StreamWriter, call: _Call, delay: float
) -> None:
    while data := await client.read(1 << 16):
        if call.awaiting_request:
            call.awaiting_request = False
            await asyncio.sleep(delay)
        upstream.write(data)
        await upstream.drain()
    if upstream.can_write_eof():
        upstream.write_eof()


async def _upstream_to_client(
    upstream: asyncio.StreamReader, client: asyncio.StreamWriter, call: _Call
) -> None:
    while data := await upstream.read(1 << 16):
        call.awaiting_request = True
        client.write(data)
        await client.drain()


_RUNNING: set[asyncio.Task[None]] = set()


async def _serve_connection(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_port: int,
    delay: float,
) -> None:
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
    except OSError:
        client_writer.close()
        return
    call = _Call()
    task = asyncio.current_task()
    if task is not None:
        _RUNNING.add(task)  # the event loop keeps only weak references to tasks
    try:
        await asyncio.gather(
            _client_to_upstream(client_reader, upstream_writer, call, delay),
            _upstream_to_client(upstream_reader, client_writer, call),
        )
    except (ConnectionError, OSError):
        pass  # Either side hung up mid-transfer: the client sees its own error, as it would on a network.
    finally:
        upstream_writer.close()
        client_writer.close()
        if task is not None:
            _RUNNING.discard(task)


async def _main(upstream_port: int, delay: float) -> None:
    server = await asyncio.start_server(
        lambda reader, writer: _serve_connection(reader, writer, upstream_port, delay), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m benchmarks.delay_proxy UPSTREAM_PORT DELAY_MS", file=sys.stderr)
        return 2
    asyncio.run(_main(int(argv[1]), int(argv[2]) / 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

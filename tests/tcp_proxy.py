"""A TCP proxy in front of PostgreSQL for outage tests: `down()` is the database going away,
`stall()` a database (or network) that stops answering while every connection stays open."""

import asyncio
import contextlib

from tests.conftest import free_port


class TcpProxy:
    """Forwards a local port to PostgreSQL."""

    def __init__(self, target_port: int = 5432) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task] = set()
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def down(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def stall(self) -> None:
        """Bytes stop flowing both ways; connections stay open (and new ones are accepted)."""
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    async def _handle(self, reader, writer) -> None:
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(source, sink) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    await self.flowing.wait()
                    sink.write(data)
                    await sink.drain()
            sink.close()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            writer.close()
            up_writer.close()
            self.tasks.discard(task)

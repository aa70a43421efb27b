"""A real SMTP server on loopback (aiosmtpd) for the mail tests: it keeps what it
receives, and can be told to answer slowly or to refuse."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


class Inbox:
    """An SMTP handler keeping every message it receives.

    ``rcpt_reply`` and ``data_reply`` change what the server answers (e.g. "550 no such
    user", "451 try again later"); ``delay`` makes it wait that long before answering DATA.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.rcpt_reply = "250 OK"
        self.data_reply = "250 OK"
        self.delay = 0.0
        self.refuse: dict[str, str] = {}  # recipient -> reply to RCPT ("550 no such user")
        # After receiving this many messages, hold the reply until stall_after is None.
        self.stall_after: int | None = None
        self.stalled = threading.Event()
        self.sessions = 0  # SMTP conversations opened (EHLO or HELO)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server: Any, session: Any, envelope: Any, hostname: str) -> str:
        self.sessions += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        reply = self.refuse.get(address, self.rcpt_reply)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if not self.data_reply.startswith("250"):
            return self.data_reply
        self.messages.append(message_from_bytes(envelope.content))
        if self.stall_after is not None and len(self.messages) >= self.stall_after:
            # Received, but the sender hears nothing yet: a client killed now cannot
            # know this message arrived.
            self.stalled.set()
            while self.stall_after is not None:
                await asyncio.sleep(0.05)
        return self.data_reply

    def message_ids(self) -> list[str]:
        return [str(message["Message-ID"]) for message in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """An aiosmtpd server on a fixed loopback port, started and stopped at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SmtpServer]:
    """A mail server the application is configured to use, not started yet."""
    server = SmtpServer(free_port())
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port,
                      MAIL_FROM="Tribune <community@brand.example>")  # fmt: skip
    yield server
    server.stop()


@pytest.fixture
def inbox(smtp_server: SmtpServer) -> Inbox:
    """The inbox of a running mail server the application uses."""
    smtp_server.start()
    return smtp_server.inbox

"""A real SMTP server in the test process (aiosmtpd), which can refuse on demand."""

import asyncio
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """Keeps every accepted message; ``temporary_failures`` DATA commands are answered 451
    first, and addresses in ``refused`` get 550 at RCPT. With ``holding`` set, a message's
    DATA is held unanswered (``data_started`` is set) until the client goes away, and then
    not kept: a client lost before the server accepted the message."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.received = []
        self.temporary_failures = 0
        self.refused = set()
        self.holding = False
        self.data_started = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.holding:
            self.data_started.set()
            give_up = time.monotonic() + 120
            while (
                server.transport is not None
                and not server.transport.is_closing()
                and time.monotonic() < give_up
            ):
                await asyncio.sleep(0.05)
            return "451 4.4.2 Client gone before the message was accepted"
        if self.temporary_failures:
            self.temporary_failures -= 1
            return "451 4.3.0 Try again later"
        self.received.append(Received(list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted"

    def to(self, address):
        return [m for m in self.received if address in m.recipients]


class Received:
    def __init__(self, recipients, raw):
        self.recipients = recipients
        self.raw = raw
        self.message = email.message_from_bytes(raw, policy=email.policy.default)

    @property
    def subject(self):
        return str(self.message["subject"]).strip()  # a folded encoded-word header keeps a leading space

    def part(self, content_type):
        return next(p.get_content() for p in self.message.walk() if p.get_content_type() == content_type)

    @property
    def text(self):
        return self.part("text/plain")

    @property
    def html(self):
        return self.part("text/html")

    def everything(self):
        """The raw message and every decoded part: what a search for secrets must cover."""
        parts = [self.raw.decode("utf-8", errors="replace"), self.subject]
        parts += [p.get_content() for p in self.message.walk() if p.get_content_maintype() == "text"]
        return "\n".join(parts)


class SMTPServer:
    def __init__(self):
        self.sink = Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

"""Every e-mail is three templates: emails/<name>-subject.txt, -body.txt and -body.html.

The subject and the text body are plain text: rendered without HTML escaping (a name like
"R&D <team>" arrives as typed) and returned as plain `str`, never Django's SafeString, so a
page that shows them (the digest preview) escapes them like any other text. The HTML body
is escaped by its template, and is also returned as a plain `str`: nothing built for an
e-mail is ever marked safe for a page.

`message_send_once` sends one message so that a runner killed at any moment leaves a
retryable row or a delivered message, never both: see its docstring.
"""

import re
import smtplib
import socket
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.template import Context
from django.template.loader import get_template, render_to_string


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template rendered with autoescape off, as a plain (unsafe) str."""
    template = get_template(template_name).template
    return _plain(template.render(Context(context, autoescape=False)))


def _plain(text: str) -> str:
    # str.__str__ of a str subclass (SafeString) returns an exact str: the "safe" mark goes.
    return str.__str__(text)


def make_message(name: str, *, to: str, context: dict, headers=None, connection=None):
    # Every run of whitespace and control characters, CR and LF included, is one space: a
    # subject is one header line.
    subject = " ".join(render_text(f"emails/{name}-subject.txt", context).split())
    body = render_text(f"emails/{name}-body.txt", context)
    html = _plain(render_to_string(f"emails/{name}-body.html", context))
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


class SendAborted(Exception):
    """`commit()` declined: another runner owns the message now; nothing was sent."""


class DeliveryUnconfirmed(Exception):
    """The whole message went out, then the connection failed before the server's reply.

    The server has most likely taken it: the caller keeps it as sent rather than risk a
    second copy.
    """


def message_send_once(
    message: EmailMultiAlternatives, *, connection, commit: Callable[[], bool]
) -> None:
    """Send `message`, calling `commit()` at the last moment before the server accepts it.

    An SMTP server takes a message on when it reads the "." that ends DATA; a client that
    disconnects before that has sent nothing. So the whole message goes out first, then
    `commit()` records it as sent (in the database), and only then the final "." follows.
    A runner killed before the commit leaves the row unsent and the server drops the partial
    message: a retry sends it once. Killed after the commit, the one remaining gap is the
    few microseconds between the commit and writing 3 bytes to the socket: the digest could
    then be lost, but not sent twice. (Sending first and committing after the server's
    reply would turn that gap into a duplicate, and make it a whole round trip wide.)
    What is left that could still duplicate is outside the runner: a server that delivers a
    message it answered with an error, or a database that loses a committed row in a crash.
    The Message-ID is the same on every attempt, so a mail system can drop such a copy.

    `commit()` returns False when the row is no longer ours (its lease expired and another
    runner took it): the connection is dropped mid-DATA and SendAborted raised. If the server
    refuses the message after the ".", the SMTP error is raised and the caller undoes the
    commit; if it never answers, DeliveryUnconfirmed. Backends other than SMTP (console,
    locmem in tests) commit, then send.
    """
    if not isinstance(connection, SMTPBackend):
        if not commit():
            raise SendAborted
        connection.send_messages([message])
        return
    encoding = message.encoding or settings.DEFAULT_CHARSET
    sender = sanitize_address(message.from_email, encoding)
    recipients = [sanitize_address(address, encoding) for address in message.recipients()]
    data = message.message().as_bytes(linesep="\r\n")
    in_data = False
    try:
        try:
            smtp = _smtp_session(connection)
            _smtp_envelope(smtp, sender, recipients, size=len(data))
        except smtplib.SMTPServerDisconnected:
            # The server closed a connection left idle: one fresh connection, then on.
            _drop(connection)
            smtp = _smtp_session(connection)
            _smtp_envelope(smtp, sender, recipients, size=len(data))
        # smtplib.SMTP.data(), split in two around the commit.
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            smtp.rset()
            raise _smtp_error(code, reply)
        in_data = True
        body = re.sub(rb"(?m)^\.", b"..", data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        smtp.send(body)
        committed = commit()
        if not committed:
            raise SendAborted
        smtp.send(b".\r\n")
        in_data = False
        try:
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise DeliveryUnconfirmed(str(exc)) from exc
        if code != 250:
            raise _smtp_error(code, reply)
    except BaseException as exc:
        # Mid-DATA, closing is the only way to make the server forget the message; after a
        # lost connection there is nothing to keep. A refused recipient keeps the session.
        if in_data or not _session_survives(exc):
            _drop(connection)
        raise


def _smtp_session(connection: SMTPBackend):
    if connection.connection is None:
        connection.open()
    smtp = connection.connection
    # The final "." goes out as a write of its own: without this, Nagle's algorithm holds
    # it until the server acknowledges the body (up to a delayed-ACK timeout, ~40 ms).
    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return smtp


def _smtp_envelope(smtp, sender: str, recipients: list[str], *, size: int) -> None:
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={size}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, reply = smtp.mail(sender, options)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if len(refused) == len(recipients):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)


def _session_survives(exc: BaseException) -> bool:
    """An answer the server gave (and reset after) leaves the connection usable."""
    if isinstance(exc, smtplib.SMTPServerDisconnected) or getattr(exc, "smtp_code", 0) == 421:
        return False
    return isinstance(exc, (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused))


def _smtp_error(code: int, reply: bytes):
    if code == 421:
        return smtplib.SMTPServerDisconnected(f"{code} {reply.decode(errors='replace')}")
    return smtplib.SMTPDataError(code, reply)


def _drop(connection: SMTPBackend) -> None:
    """Close the socket without QUIT (which, mid-DATA, would be read as message text)."""
    if connection.connection is not None:
        try:
            connection.connection.close()
        finally:
            connection.connection = None

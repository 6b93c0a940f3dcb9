"""E-mail over SMTP: `smtp://` upgrades with STARTTLS before anything else
(the password included) or sends nothing; the server's certificate is
checked. Against local aiosmtpd servers, one offering STARTTLS with a
certificate made here and one offering none."""
from __future__ import annotations

import socket
import ssl

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from intake.shell.jobs import tick
from intake.shell.senders import SmtpSender
from routing.models import OutboundMessage
from routing.services.delivery import DeliveryError
from routing.services.outbox import enqueue

FROM = "feedback@bank.example"


class Mailbox:
    """What the server saw: logins and messages, each with whether the
    connection was encrypted at that moment."""

    def __init__(self):
        self.logins: list[tuple[str, str, bool]] = []
        self.messages: list[tuple[str, list[str], str, bool]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode(),
                              session.ssl is not None))
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode(), session.ssl is not None))
        return AuthResult(success=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def authority():
    return trustme.CA()


@pytest.fixture
def ca_file(authority, tmp_path):
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return str(path)


def smtp_server(mailbox: Mailbox, authority: trustme.CA | None):
    """A server on 127.0.0.1 offering STARTTLS with a certificate from
    `authority`, or offering no TLS at all (and taking a password in clear)."""
    kwargs = {}
    if authority is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert("127.0.0.1").configure_cert(context)
        kwargs = {"tls_context": context, "require_starttls": True}
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=mailbox.authenticate,
                            auth_require_tls=authority is not None, **kwargs)
    controller.start()
    return controller


@pytest.fixture
def mailbox():
    return Mailbox()


@pytest.fixture
def with_starttls(mailbox, authority):
    controller = smtp_server(mailbox, authority)
    yield f"127.0.0.1:{controller.port}"
    controller.stop()


@pytest.fixture
def without_starttls(mailbox):
    controller = smtp_server(mailbox, None)
    yield f"127.0.0.1:{controller.port}"
    controller.stop()


def message(to="li@bank.example"):
    return OutboundMessage(id=1, transport="email", to=to, subject="Case C-2026-000001",
                           body="Case C-2026-000001 is overdue.", purpose="escalation")


def test_smtp_upgrades_with_starttls_before_the_password_and_the_message(with_starttls, mailbox, ca_file):
    SmtpSender(f"smtp://li%40bank:s3cret%21@{with_starttls}", FROM, timeout=5, cafile=ca_file).send(message())

    assert mailbox.logins == [("li@bank", "s3cret!", True)]
    [(sender, recipients, content, encrypted)] = mailbox.messages
    assert (sender, recipients, encrypted) == (FROM, ["li@bank.example"], True)
    assert "Case C-2026-000001 is overdue." in content


def test_smtp_sends_nothing_to_a_server_that_does_not_offer_starttls(without_starttls, mailbox, ca_file):
    sender = SmtpSender(f"smtp://li:s3cret@{without_starttls}", FROM, timeout=5, cafile=ca_file)

    with pytest.raises(DeliveryError) as refused:
        sender.send(message())

    assert "does not offer STARTTLS" in str(refused.value) and not refused.value.retryable
    assert mailbox.logins == [] and mailbox.messages == []  # neither the password nor the message went out


def test_smtp_sends_nothing_to_a_server_whose_certificate_is_not_trusted(with_starttls, mailbox):
    sender = SmtpSender(f"smtp://li:s3cret@{with_starttls}", FROM, timeout=5)  # the system's authorities only

    with pytest.raises(DeliveryError) as refused:
        sender.send(message())

    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value) and refused.value.retryable
    assert mailbox.logins == [] and mailbox.messages == []


@pytest.fixture
def app_config(app_config, request, ca_file):
    server = request.getfixturevalue(request.param)
    return {**app_config, "SENDERS": None, "EMAIL_BACKEND": "smtp", "SMTP_URL": f"smtp://li:s3cret@{server}",
            "SMTP_CA_FILE": ca_file, "EMAIL_FROM": FROM, "OUTBOX_SEND_TIMEOUT": 5}


@pytest.mark.parametrize("app_config", ["with_starttls"], indirect=True)
def test_the_outbox_sends_e_mail_through_the_configured_server(app, session, clock, mailbox):
    enqueue(session, transport="email", to="li@bank.example", subject="Overdue", body="Case C-2026-000001 is overdue.",
            purpose="escalation", now=clock.now())
    session.commit()

    assert tick(app, clock.now())["outbox"]["sent"] == 1
    assert [encrypted for *_rest, encrypted in mailbox.messages] == [True]


@pytest.mark.parametrize("app_config", ["without_starttls"], indirect=True)
def test_an_e_mail_the_server_would_take_only_in_clear_is_given_up_and_shown_to_admins(app, session, clock, mailbox):
    queued = enqueue(session, transport="email", to="li@bank.example", subject="Overdue", body="Overdue.",
                     purpose="escalation", now=clock.now())
    session.commit()

    assert tick(app, clock.now())["outbox"]["failed"] == 1
    session.expire_all()
    failed = session.get(OutboundMessage, queued.id)
    assert failed.status == "failed" and "STARTTLS" in failed.last_error
    assert mailbox.messages == []

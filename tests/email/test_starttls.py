"""SMTP with STARTTLS and AUTH, against aiosmtpd holding a self-signed certificate made here:
calgate trusts it only when told to (CALGATE_SMTP_CA_FILE), logs in with LOGIN or PLAIN, and
refuses to send to a server whose certificate it cannot verify."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.testclient import TestClient

from calgate.config import Settings
from calgate.email.smtp import SendFailed, SmtpServer
from calgate.store.models import utcnow
from tests.conftest import TEST_SECRET
from tests.email.conftest import FAST
from tests.email.mailbox import Mailbox, mailbox
from tests.email.test_verified_emails import received_code, request_code, verify

USER, PASSWORD = "mailer", "s3cret:pass"


@dataclass(frozen=True)
class Pem:
    cert: Path
    key: Path


def self_signed(directory: Path) -> Pem:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "calgate test SMTP")])
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = Pem(directory / "smtp.pem", directory / "smtp.key")
    pem.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return pem


@dataclass
class Logins:
    """What the server's authenticator saw: (mechanism, login) per accepted AUTH."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == USER
            and data.password.decode() == PASSWORD
        )
        if ok:
            self.seen.append((mechanism, data.login.decode()))
        return AuthResult(success=ok)


@pytest.fixture
def pem(tmp_path: Path) -> Pem:
    return self_signed(tmp_path)


@pytest.fixture
def logins() -> Logins:
    return Logins()


@pytest.fixture(params=["LOGIN", "PLAIN"])
def mechanism(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def inbox(pem: Pem, logins: Logins, mechanism: str) -> Iterator[Mailbox]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem.cert, pem.key)
    only = {"LOGIN", "PLAIN"} - {mechanism}
    with mailbox(
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        auth_exclude_mechanism=only,
        authenticator=logins,
    ) as box:
        yield box


def smtp_url(box: Mailbox) -> str:
    return f"smtp://{USER}:{PASSWORD.replace(':', '%3A')}@127.0.0.1:{box.port}"


@pytest.fixture
def settings(db_url: str, inbox: Mailbox, pem: Pem) -> Settings:
    return replace(
        Settings(database_url=db_url, secret_key=TEST_SECRET),
        smtp_url=smtp_url(inbox),
        smtp_ca_file=str(pem.cert),
        **FAST,
    )


def test_codes_go_out_over_starttls_with_auth(
    client: TestClient, make_account: Any, inbox: Mailbox, logins: Logins, mechanism: str
) -> None:
    acct = make_account()
    r = request_code(client, acct, "tls@example.com")
    assert r.status_code == 200, r.text
    code = received_code(inbox, "tls@example.com")
    assert verify(client, acct, "tls@example.com", code).status_code == 200
    assert logins.seen == [(mechanism, USER)]


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "calgate@example.com"
    msg["To"] = "someone@example.com"
    msg["Subject"] = "hello"
    msg.set_content("hello")
    return msg


def test_an_untrusted_certificate_is_refused(inbox: Mailbox, logins: Logins) -> None:
    # Without the CA file the system's trust store decides, and it does not know this server.
    server = SmtpServer.from_url(smtp_url(inbox), timeout=5.0)
    with pytest.raises(SendFailed, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify"):
        asyncio.run(server.send(message()))
    assert inbox.messages == []
    assert logins.seen == []

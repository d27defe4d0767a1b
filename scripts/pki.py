"""A throwaway certificate authority for development and tests, made with the openssl command.

``make run`` uses it for the broker's TLS listener (client certificates, the
reference's X.509 model) and tests use it for ``wss://`` stations. Production
certificates come from your own CA (see the Helm chart's values).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


def _openssl(*arguments: str) -> None:
    subprocess.run(["openssl", *arguments], check=True, capture_output=True)


@dataclass(frozen=True)
class Pki:
    directory: Path

    @property
    def ca(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def server_cert(self) -> Path:
        return self.directory / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.directory / "server.key"

    def client(self, common_name: str) -> tuple[Path, Path]:
        """A client certificate and key for ``common_name``, signed by the CA (made on first use)."""
        cert, key = self.directory / f"{common_name}.pem", self.directory / f"{common_name}.key"
        if not cert.exists():
            request = self.directory / f"{common_name}.csr"
            _openssl(
                "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(request),
                "-subj", f"/CN={common_name}",
            )  # fmt: skip
            _openssl(
                "x509", "-req", "-in", str(request), "-CA", str(self.ca),
                "-CAkey", str(self.directory / "ca.key"), "-CAcreateserial", "-out", str(cert), "-days", "30",
            )  # fmt: skip
            key.chmod(0o600)
        return cert, key


def make_pki(directory: Path) -> Pki:
    """A CA and a server certificate for 127.0.0.1/localhost in ``directory`` (kept if already there)."""
    directory.mkdir(parents=True, exist_ok=True)
    pki = Pki(directory)
    if pki.server_cert.exists():
        return pki
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(directory / "ca.key"),
        "-out", str(pki.ca), "-days", "30", "-subj", "/CN=csms development CA",
    )  # fmt: skip
    extensions = directory / "server.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(pki.server_key),
        "-out", str(directory / "server.csr"), "-subj", "/CN=localhost",
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(directory / "server.csr"), "-CA", str(pki.ca),
        "-CAkey", str(directory / "ca.key"), "-CAcreateserial", "-out", str(pki.server_cert),
        "-days", "30", "-extfile", str(extensions),
    )  # fmt: skip
    for key in (directory / "ca.key", pki.server_key):
        key.chmod(0o600)
    return pki

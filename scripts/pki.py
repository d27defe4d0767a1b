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

    @property
    def server_ec_cert(self) -> Path:
        """An ECDSA (P-256) server certificate for the same names, served beside the RSA one."""
        return self.directory / "server-ec.pem"

    @property
    def server_ec_key(self) -> Path:
        return self.directory / "server-ec.key"

    def client(self, common_name: str, key_type: str = "rsa") -> tuple[Path, Path]:
        """A client certificate and key for ``common_name``, signed by the CA (made on first use).

        ``key_type`` is ``rsa`` (2048 bits) or ``ec`` (P-256).
        """
        stem = common_name if key_type == "rsa" else f"{common_name}.{key_type}"
        cert, key = self.directory / f"{stem}.pem", self.directory / f"{stem}.key"
        if not cert.exists():
            request = self.directory / f"{stem}.csr"
            new_key = ["-newkey", "rsa:2048"]
            if key_type == "ec":
                new_key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
            _openssl(
                "req", "-new", *new_key, "-nodes", "-keyout", str(key), "-out", str(request),
                "-subj", f"/CN={common_name}",
            )  # fmt: skip
            _openssl(
                "x509", "-req", "-in", str(request), "-CA", str(self.ca),
                "-CAkey", str(self.directory / "ca.key"), "-CAcreateserial", "-out", str(cert), "-days", "30",
            )  # fmt: skip
            key.chmod(0o600)
        return cert, key


def make_pki(directory: Path) -> Pki:
    """A CA and RSA and ECDSA server certificates for 127.0.0.1/localhost in ``directory`` (kept if there)."""
    directory.mkdir(parents=True, exist_ok=True)
    pki = Pki(directory)
    if pki.server_cert.exists():
        _make_ec_server_certificate(pki)  # a .run/pki made before the ECDSA certificate existed
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
    _make_ec_server_certificate(pki)
    return pki


def _make_ec_server_certificate(pki: Pki) -> None:
    if pki.server_ec_cert.exists():
        return
    directory = pki.directory
    _openssl(
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", str(pki.server_ec_key), "-out", str(directory / "server-ec.csr"), "-subj", "/CN=localhost",
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", str(directory / "server-ec.csr"), "-CA", str(pki.ca),
        "-CAkey", str(directory / "ca.key"), "-CAcreateserial", "-out", str(pki.server_ec_cert),
        "-days", "30", "-extfile", str(directory / "server.ext"),
    )  # fmt: skip
    pki.server_ec_key.chmod(0o600)

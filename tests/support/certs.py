"""A throwaway CA, server certificate and station client certificates, made with the openssl CLI."""

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
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                str(key),
                "-out",
                str(request),
                "-subj",
                f"/CN={common_name}",
            )
            _openssl(
                "x509",
                "-req",
                "-in",
                str(request),
                "-CA",
                str(self.ca),
                "-CAkey",
                str(self.directory / "ca.key"),
                "-CAcreateserial",
                "-out",
                str(cert),
                "-days",
                "2",
            )
        return cert, key


def make_pki(directory: Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(directory / "ca.key"),
        "-out",
        str(directory / "ca.pem"),
        "-days",
        "2",
        "-subj",
        "/CN=csms test CA",
    )
    extensions = directory / "server.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    _openssl(
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(directory / "server.key"),
        "-out",
        str(directory / "server.csr"),
        "-subj",
        "/CN=localhost",
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        str(directory / "server.csr"),
        "-CA",
        str(directory / "ca.pem"),
        "-CAkey",
        str(directory / "ca.key"),
        "-CAcreateserial",
        "-out",
        str(directory / "server.pem"),
        "-days",
        "2",
        "-extfile",
        str(extensions),
    )
    return Pki(directory)

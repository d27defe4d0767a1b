"""Certificates: the certificate authority (built-in or external), CSR checks, issued
certificates and revocations, OCSP (checker and built-in responder), EV contract certificates."""

"""Version-1 certificates, which OpenSSL's `x509 -req` writes when no extension is asked for.

`cryptography` only builds version-3 certificates, so the TBSCertificate it made is re-encoded
without its `[0] EXPLICIT version` field (RFC 5280 4.1: absent means v1) and signed again.
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + _length(len(body)) + body


def _read(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end of element) of the DER element at `pos`."""
    tag = data[pos]
    first = data[pos + 1]
    if first < 0x80:
        return tag, pos + 2, pos + 2 + first
    count = first & 0x7F
    n = int.from_bytes(data[pos + 2:pos + 2 + count], "big")
    start = pos + 2 + count
    return tag, start, start + n


def _children(data: bytes) -> list[bytes]:
    _, start, end = _read(data, 0)
    out, pos = [], start
    while pos < end:
        _, _, nxt = _read(data, pos)
        out.append(data[pos:nxt])
        pos = nxt
    return out


def as_version_1(cert: x509.Certificate, signer: object) -> x509.Certificate:
    tbs_parts = _children(cert.tbs_certificate_bytes)
    if tbs_parts and tbs_parts[0][0] == 0xA0:
        tbs_parts = tbs_parts[1:]
    tbs = _tlv(0x30, b"".join(tbs_parts))
    if isinstance(signer, rsa.RSAPrivateKey):
        sig = signer.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(signer, ec.EllipticCurvePrivateKey):
        sig = signer.sign(tbs, ec.ECDSA(hashes.SHA256()))
    else:
        raise TypeError("unsupported signing key")
    alg = _children(cert.public_bytes(serialization.Encoding.DER))[1]
    der = _tlv(0x30, tbs + alg + _tlv(0x03, b"\0" + sig))
    return x509.load_der_x509_certificate(der)

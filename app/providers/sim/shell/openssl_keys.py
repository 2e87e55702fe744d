"""New keys and signatures for `openssl req|x509 -req|genrsa` on a twin node.

A 2048-bit RSA key takes 50-500 ms of CPU; the server runs many terminals, so 2048-bit keys come
from the twin's key pool (app/providers/sim/pki.py `_pooled_keys`, under a name no cluster
uses), rotating through a few spares: each is still a key no cluster file holds, so "does this
key match that certificate" answers as on a real node. Any draw counts as randomness
(app/providers/sim/entropy.py): the command is saved as a snapshot, never replayed.
"""

from __future__ import annotations

import contextlib
import itertools
import secrets
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.providers.sim import entropy, pki
from app.providers.sim.shell.openssl_conf import ExtSpec

POOL_NAME = "openssl-spare-keys"
SPARES = 8
_next_spare = itertools.count()


def new_rsa(bits: int) -> rsa.RSAPrivateKey:
    entropy.note()
    if bits == 2048:
        label = f"spare{next(_next_spare) % SPARES}"
        return pki._pooled_keys(POOL_NAME, [label])[label]  # noqa: SLF001
    if bits < 1024:
        from app.providers.sim.shell.openssl_genrsa import _small_key

        return _small_key(bits, 65537)
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def new_ec(curve: ec.EllipticCurve) -> ec.EllipticCurvePrivateKey:
    entropy.note()
    return ec.generate_private_key(curve)


def random_serial() -> int:
    """apps/lib/apps.c rand_serial: 159 random bits (SERIAL_RAND_BITS), never negative."""
    entropy.note()
    return secrets.randbits(159) or 1


def pkcs8_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def load_key(data: bytes) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """A private key from PEM (PKCS#1, SEC1 or PKCS#8); ValueError when there is none."""
    try:
        key = pki.load_private_key(data)
    except (ValueError, TypeError) as err:
        raise ValueError("no private key") from err
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("unsupported key")
    return key


def _extension(spec: ExtSpec, subject_key: object, issuer: x509.Certificate | None,
               issuer_key: object) -> x509.ExtensionType | None:
    if spec.value is not None:
        return spec.value
    if spec.name == "subjectKeyIdentifier":
        if "none" in spec.options:
            return None
        return x509.SubjectKeyIdentifier.from_public_key(subject_key)  # type: ignore[arg-type]
    # authorityKeyIdentifier = keyid[:always], issuer[:always]
    ca_pub = issuer.public_key() if issuer is not None else issuer_key
    keyid = x509.SubjectKeyIdentifier.from_public_key(ca_pub).digest  # type: ignore[arg-type]
    if issuer is not None:
        with contextlib.suppress(x509.ExtensionNotFound):
            keyid = issuer.extensions.get_extension_for_class(
                x509.SubjectKeyIdentifier).value.digest
    want_keyid = any(o.startswith("keyid") for o in spec.options)
    issuer_always = "issuer:always" in spec.options
    if issuer_always and issuer is not None:
        return x509.AuthorityKeyIdentifier(keyid if want_keyid else None,
                                           [x509.DirectoryName(issuer.issuer)],
                                           issuer.serial_number)
    return x509.AuthorityKeyIdentifier(keyid, None, None)


def sign_certificate(*, subject: x509.Name, public_key: object, issuer_name: x509.Name,
                     signer: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
                     issuer: x509.Certificate | None, serial: int, t: float, days: int,
                     extensions: list[ExtSpec], defaults: bool) -> x509.Certificate:
    """An X.509 certificate as apps/x509.c and apps/req.c make one: notBefore is now, notAfter
    `days` later; version 1 without extensions; with extensions (from a file or -addext) the
    subject and authority key identifiers are added after them unless given (`defaults`)."""
    now = datetime.fromtimestamp(int(t), UTC)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
         .public_key(public_key).serial_number(serial)  # type: ignore[arg-type]
         .not_valid_before(now).not_valid_after(now + timedelta(days=days)))
    specs = list(extensions)
    names = {s.name for s in specs}
    if defaults and specs:
        if "subjectKeyIdentifier" not in names:
            specs.append(ExtSpec("subjectKeyIdentifier", False, None, ("hash",)))
        if "authorityKeyIdentifier" not in names:
            specs.append(ExtSpec("authorityKeyIdentifier", False, None, ("keyid", "issuer")))
    for spec in specs:
        value = _extension(spec, public_key, issuer, signer.public_key())
        if value is not None:
            b = b.add_extension(value, critical=spec.critical)
    cert = b.sign(signer, hashes.SHA256())
    return _as_v1(cert, signer) if not specs else cert


def _as_v1(cert: x509.Certificate, signer: object) -> x509.Certificate:
    """`cryptography` always writes version 3; OpenSSL writes version 1 for a certificate with
    no extensions. The TBS is re-encoded with the version field dropped and signed again."""
    from app.providers.sim.shell import openssl_der

    return openssl_der.as_version_1(cert, signer)

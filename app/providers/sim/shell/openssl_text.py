"""Text dumps OpenSSL 3.0 prints for keys, requests and extensions (X509_REQ_print_ex,
EVP_PKEY_print_private, X509V3_EXT_print), shared by `openssl req|x509|rsa`.

Every layout here is compared byte for byte with /usr/bin/openssl 3.0 on the same PEM bytes in
tests/providers/sim/shell/test_openssl_req.py and test_openssl_rsa.py: colon hex, 15 bytes a
line for key numbers and 18 for signatures, a 00 byte in front of a number whose top bit is set,
an empty `Attributes:` block printed as `(none)` then `Requested Extensions:` (3.0's quirk).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.providers.sim import pki

# apps' default -nameopt (oneline, sep_comma_plus_space, space_eq): obj_mac.h short names
NAME_SHORT = {NameOID.COMMON_NAME: "CN", NameOID.ORGANIZATION_NAME: "O",
              NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.COUNTRY_NAME: "C",
              NameOID.STATE_OR_PROVINCE_NAME: "ST", NameOID.LOCALITY_NAME: "L",
              NameOID.EMAIL_ADDRESS: "emailAddress", NameOID.DOMAIN_COMPONENT: "DC",
              NameOID.SERIAL_NUMBER: "serialNumber"}
EKU_NAMES = {**pki.EKU_NAMES, ExtendedKeyUsageOID.CODE_SIGNING: "Code Signing",
             ExtendedKeyUsageOID.EMAIL_PROTECTION: "E-mail Protection",
             ExtendedKeyUsageOID.TIME_STAMPING: "Time Stamping",
             ExtendedKeyUsageOID.OCSP_SIGNING: "OCSP Signing"}


def oneline(name: x509.Name) -> str:
    """`subject=` / `Subject:` as openssl 3.0 prints a name by default."""
    return ", ".join(f"{NAME_SHORT.get(a.oid, a.oid.dotted_string)} = {a.value}" for a in name)


def slash_name(name: x509.Name) -> str:
    """X509_NAME_oneline: `/CN=kubernetes` (the DirName of an authority key identifier)."""
    return "".join(f"/{NAME_SHORT.get(a.oid, a.oid.dotted_string)}={a.value}" for a in name)


def hexlines(data: bytes, per_line: int, indent: int) -> list[str]:
    pairs = [f"{b:02x}" for b in data]
    lines = []
    for i in range(0, len(pairs), per_line):
        last = i + per_line >= len(pairs)
        lines.append(" " * indent + ":".join(pairs[i:i + per_line]) + ("" if last else ":"))
    return lines


def int_bytes(n: int, pad_sign: bool = True) -> bytes:
    raw = n.to_bytes(max(1, (n.bit_length() + 7) // 8), "big")
    return b"\0" + raw if pad_sign and raw[0] & 0x80 else raw


def number_lines(label: str, n: int, indent: int) -> list[str]:
    """`modulus:` then colon hex, or `Exponent: 65537 (0x10001)` for a number that fits."""
    return [f"{' ' * indent}{label}:", *hexlines(int_bytes(n), 15, indent + 4)]


def pubkey_lines(key: object, indent: int = 12) -> list[str]:
    """The `Public Key Algorithm:` block of a certificate or a request."""
    pad = " " * indent
    if isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        return [f"{pad}Public Key Algorithm: rsaEncryption",
                f"{pad}    Public-Key: ({key.key_size} bit)", f"{pad}    Modulus:",
                *hexlines(int_bytes(nums.n), 15, indent + 8),
                f"{pad}    Exponent: {nums.e} (0x{nums.e:x})"]
    if isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_bytes(serialization.Encoding.X962,
                                 serialization.PublicFormat.UncompressedPoint)
        curve = {"secp256r1": ("prime256v1", "P-256"), "secp384r1": ("secp384r1", "P-384")}
        oid, nist = curve.get(key.curve.name, (key.curve.name, ""))
        return [f"{pad}Public Key Algorithm: id-ecPublicKey",
                f"{pad}    Public-Key: ({key.curve.key_size} bit)", f"{pad}    pub:",
                *hexlines(point, 15, indent + 8), f"{pad}    ASN1 OID: {oid}",
                f"{pad}    NIST CURVE: {nist}"]
    return [f"{pad}Public Key Algorithm: unknown"]


def _hexid(data: bytes) -> str:
    return ":".join(f"{b:02X}" for b in data)


def _san(value: x509.SubjectAlternativeName) -> str:
    parts = []
    for g in value:
        if isinstance(g, x509.DNSName):
            parts.append(f"DNS:{g.value}")
        elif isinstance(g, x509.IPAddress):
            parts.append(f"IP Address:{pki._openssl_ip(str(g.value))}")  # noqa: SLF001
        elif isinstance(g, x509.RFC822Name):
            parts.append(f"email:{g.value}")
        elif isinstance(g, x509.UniformResourceIdentifier):
            parts.append(f"URI:{g.value}")
        else:
            parts.append("othername:<unsupported>")
    return ", ".join(parts)


def _body(value: x509.ExtensionType) -> tuple[str, list[str]]:
    """(the extension's long name, its value lines) as v3_*.c's i2v/i2r functions print."""
    if isinstance(value, x509.KeyUsage):
        names = [label for attr, label in pki.KEY_USAGE_NAMES if getattr(value, attr)]
        if value.key_agreement and value.encipher_only:
            names.append("Encipher Only")
        if value.key_agreement and value.decipher_only:
            names.append("Decipher Only")
        return "X509v3 Key Usage", [", ".join(names)]
    if isinstance(value, x509.ExtendedKeyUsage):
        return "X509v3 Extended Key Usage", [
            ", ".join(EKU_NAMES.get(o, o.dotted_string) for o in value)]
    if isinstance(value, x509.BasicConstraints):
        body = "CA:TRUE" if value.ca else "CA:FALSE"
        if value.path_length is not None:
            body += f", pathlen:{value.path_length}"
        return "X509v3 Basic Constraints", [body]
    if isinstance(value, x509.SubjectKeyIdentifier):
        return "X509v3 Subject Key Identifier", [_hexid(value.digest)]
    if isinstance(value, x509.AuthorityKeyIdentifier):
        if not value.authority_cert_issuer and value.authority_cert_serial_number is None:
            return "X509v3 Authority Key Identifier", [_hexid(value.key_identifier or b"")]
        lines = [f"keyid:{_hexid(value.key_identifier)}"] if value.key_identifier else []
        for g in value.authority_cert_issuer or []:
            if isinstance(g, x509.DirectoryName):
                lines.append(f"DirName:{slash_name(g.value)}")
        if value.authority_cert_serial_number is not None:
            lines.append("serial:" + _hexid(int_bytes(value.authority_cert_serial_number)))
        return "X509v3 Authority Key Identifier", lines
    if isinstance(value, x509.SubjectAlternativeName):
        return "X509v3 Subject Alternative Name", [_san(value)]
    return value.oid.dotted_string, ["<unsupported>"]


def ext_lines(exts: x509.Extensions, indent: int = 12) -> list[str]:
    """Each extension: `Name: critical` (or `Name: `) then its value lines 4 deeper."""
    out = []
    for ext in exts:
        name, lines = _body(ext.value)
        out.append(f"{' ' * indent}{name}: {'critical' if ext.critical else ''}")
        out += [" " * (indent + 4) + line for line in lines]
    return out


def csr_text(csr: x509.CertificateSigningRequest) -> str:
    """X509_REQ_print_ex with openssl 3.0's default flags (`openssl req -text`)."""
    try:
        exts = csr.extensions
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType):
        exts = x509.Extensions([])
    sig = csr.signature_algorithm_oid
    sig_name = pki.SIGNATURE_NAMES.get(sig, sig.dotted_string)  # type: ignore[arg-type]
    lines = ["Certificate Request:", "    Data:", "        Version: 1 (0x0)",
             f"        Subject: {oneline(csr.subject)}", "        Subject Public Key Info:",
             *pubkey_lines(csr.public_key()), "        Attributes:"]
    if not list(exts):
        lines.append("            (none)")
    lines += ["            Requested Extensions:", *ext_lines(exts, 16),
              f"    Signature Algorithm: {sig_name}", "    Signature Value:",
              *hexlines(csr.signature, 18, 8)]
    return "\n".join(lines) + "\n"


def rsa_private_text(key: rsa.RSAPrivateKey) -> str:
    """`openssl rsa -text`: the key's numbers, named as 3.0's RSA text encoder names them."""
    n = key.private_numbers()
    pub = n.public_numbers
    lines = [f"Private-Key: ({key.key_size} bit, 2 primes)",
             *number_lines("modulus", pub.n, 0),
             f"publicExponent: {pub.e} (0x{pub.e:x})",
             *number_lines("privateExponent", n.d, 0), *number_lines("prime1", n.p, 0),
             *number_lines("prime2", n.q, 0), *number_lines("exponent1", n.dmp1, 0),
             *number_lines("exponent2", n.dmq1, 0), *number_lines("coefficient", n.iqmp, 0)]
    return "\n".join(lines) + "\n"


def modulus_line(key: object) -> str | None:
    """`Modulus=HEX` (upper case, no leading zeros), or None for a key that has no modulus."""
    if isinstance(key, rsa.RSAPublicKey):
        return f"Modulus={key.public_numbers().n:X}"
    return None

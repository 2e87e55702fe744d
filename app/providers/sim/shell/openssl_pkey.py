"""`openssl pkey` and `openssl ec` (OpenSSL 3.0), and the key texts they print.

For the kubelet's P-256 client key the modulus check does not apply; SREs compare public keys
instead: `openssl x509 -pubkey -noout -in c.pem | openssl md5` against
`openssl pkey -in k.pem -pubout | openssl md5`. apps/pkey.c writes the key PEM (PKCS#8, or
the public key for -pubout) unless -noout, then -text (-text_pub, or -text with -pubout, prints
the public part only). EC text is `Private-Key: (256 bit)`, `priv:` (the 32-byte scalar, no
sign padding), `pub:` (the uncompressed point), `ASN1 OID`, `NIST CURVE`. apps/ec.c says
`read EC key` and `writing EC key` on stderr. Compared with /usr/bin/openssl 3.0 in
test_openssl_pkey.py.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.providers.sim.shell import openssl_req as req
from app.providers.sim.shell import openssl_text as text
from app.providers.sim.shell.registry import Invocation, Output

CURVES = {"secp256r1": ("prime256v1", "P-256"), "secp384r1": ("secp384r1", "P-384")}


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def _curve_lines(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> list[str]:
    oid, nist = CURVES.get(key.curve.name, (key.curve.name, ""))
    return [f"ASN1 OID: {oid}", *([f"NIST CURVE: {nist}"] if nist else [])]


def private_text(key: object) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return text.rsa_private_text(key)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    size = (key.curve.key_size + 7) // 8
    scalar = key.private_numbers().private_value.to_bytes(size, "big")
    lines = [f"Private-Key: ({key.curve.key_size} bit)", "priv:",
             *text.hexlines(scalar, 15, 4), "pub:", *text.hexlines(_point(key.public_key()),
                                                                   15, 4),
             *_curve_lines(key)]
    return "\n".join(lines) + "\n"


def public_text(key: object) -> str:
    if isinstance(key, rsa.RSAPublicKey):
        nums = key.public_numbers()
        lines = [f"Public-Key: ({key.key_size} bit)", "Modulus:",
                 *text.hexlines(text.int_bytes(nums.n), 15, 4),
                 f"Exponent: {nums.e} (0x{nums.e:x})"]
    else:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        lines = [f"Public-Key: ({key.curve.key_size} bit)", "pub:",
                 *text.hexlines(_point(key), 15, 4), *_curve_lines(key)]
    return "\n".join(lines) + "\n"


def _spki(key: object) -> str:
    return key.public_bytes(serialization.Encoding.PEM,  # type: ignore[attr-defined]
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _parse(prog: str, args: list[str], flags_ok: set[str]
           ) -> tuple[str | None, str | None, set[str]] | Output:
    path, out_path, flags = None, None, set()
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-in", "-out", "-inform", "-outform", "-passin", "-passout"):
            if i + 1 >= len(args):
                return Output("", f"{prog}: Option {a} needs a value\n"
                                  f"{prog}: Use -help for summary.\n", 1)
            if a == "-in":
                path = args[i + 1]
            elif a == "-out":
                out_path = args[i + 1]
            i += 2
            continue
        if a not in flags_ok:
            return Output("", f"{prog}: Unknown option or cipher: {a.lstrip('-')}\n"
                              f"{prog}: Use -help for summary.\n", 1)
        flags.add(a)
        i += 1
    return path, out_path, flags


def _load(inv: Invocation, path: str | None, what: str):  # noqa: ANN202 - a private key
    data = inv.stdin.encode() if path is None else req.read_file(inv, path)
    if data is None:
        raise req.ReqError(req.key_not_found(path or "").replace("private key", "key"))
    try:
        return req.keys.load_key(data)
    except ValueError:
        raise req.ReqError(f"Could not read {what} from {path or '<stdin>'}\n") from None


def _finish(inv: Invocation, writes: list[tuple[int, str]], out_path: str | None,
            private: bool) -> Output:
    if out_path is None:
        return Output.ordered(writes)
    body = "".join(t for fd, t in writes if fd == 1)
    if not req.write_file(inv, out_path, body.encode(), mode=0o600 if private else None):
        return Output("", req.cant_write(out_path), 1)
    return Output.ordered([(fd, t) for fd, t in writes if fd == 2])


def pkey(inv: Invocation, args: list[str]) -> Output:
    parsed = _parse("pkey", args, {"-pubout", "-noout", "-text", "-text_pub", "-traditional"})
    if isinstance(parsed, Output):
        return parsed
    path, out_path, flags = parsed
    try:
        key = _load(inv, path, "key")
    except req.ReqError as err:
        return Output("", str(err), 1)
    public_only = "-pubout" in flags or "-text_pub" in flags
    out: list[tuple[int, str]] = []
    if "-noout" not in flags:
        if "-pubout" in flags:
            out.append((1, _spki(key.public_key())))
        else:
            fmt = serialization.PrivateFormat.TraditionalOpenSSL if "-traditional" in flags \
                else serialization.PrivateFormat.PKCS8
            out.append((1, key.private_bytes(serialization.Encoding.PEM, fmt,
                                             serialization.NoEncryption()).decode()))
    if "-text" in flags or "-text_pub" in flags:
        out.append((1, public_text(key.public_key()) if public_only else private_text(key)))
    return _finish(inv, out, out_path, "-pubout" not in flags)


def ec_cmd(inv: Invocation, args: list[str]) -> Output:
    parsed = _parse("ec", args, {"-pubout", "-noout", "-text"})
    if isinstance(parsed, Output):
        return parsed
    path, out_path, flags = parsed
    try:
        key = _load(inv, path, "private key")
    except req.ReqError as err:
        return Output("", str(err), 1)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        return Output("", "read EC key\nNot an EC key\n", 1)  # what=EC on an RSA key
    out: list[tuple[int, str]] = [(2, "read EC key\n")]
    if "-text" in flags:  # the private numbers even with -pubout (apps/ec.c)
        out.append((1, private_text(key)))
    if "-noout" not in flags:
        out.append((2, "writing EC key\n"))
        if "-pubout" in flags:
            out.append((1, _spki(key.public_key())))
        else:
            out.append((1, key.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.TraditionalOpenSSL,
                                             serialization.NoEncryption()).decode()))
    return _finish(inv, out, out_path, "-pubout" not in flags)

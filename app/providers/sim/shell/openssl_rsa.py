"""`openssl rsa` and the message digests (`openssl md5|sha1|sha256|sha512|dgst`), OpenSSL 3.0.

The classic "does this key belong to this certificate" check is
`openssl x509 -noout -modulus -in a.crt | openssl md5` against the same for the key: both
print `Modulus=<HEX>` and md5 prints `MD5(stdin)= <hex>`. apps/rsa.c prints -text, then
-modulus, then -check's `RSA key ok` on stdout, then the key (PKCS#8 unless -traditional, the
public key for -pubout) with `writing RSA key` on stderr. apps/dgst.c names a digest by its
3.0 name: `SHA2-256(stdin)= ` for `sha256` and `-sha256`, but `SHA256(f)= ` for the default
digest of a bare `dgst`. Checked against /usr/bin/openssl 3.0 in test_openssl_rsa.py.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.providers.sim.shell import openssl_req as req
from app.providers.sim.shell import openssl_text as text
from app.providers.sim.shell.registry import Invocation, Output

USAGE = "rsa: Use -help for summary.\n"
# command or -option -> (hashlib name, label apps/dgst.c prints)
DIGESTS = {"md5": ("md5", "MD5"), "sha1": ("sha1", "SHA1"), "sha224": ("sha224", "SHA2-224"),
           "sha256": ("sha256", "SHA2-256"), "sha384": ("sha384", "SHA2-384"),
           "sha512": ("sha512", "SHA2-512")}


def rsa_cmd(inv: Invocation, args: list[str]) -> Output:  # noqa: C901, PLR0912
    path, out_path, flags = None, None, set()
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-in", "-out", "-inform", "-outform", "-passin", "-passout"):
            if i + 1 >= len(args):
                return Output("", f"rsa: Option {a} needs a value\n{USAGE}", 1)
            if a == "-in":
                path = args[i + 1]
            elif a == "-out":
                out_path = args[i + 1]
            i += 2
            continue
        if a in ("-noout", "-text", "-check", "-modulus", "-pubout", "-pubin", "-traditional",
                 "-RSAPublicKey_out"):
            flags.add(a)
        else:
            return Output("", f"rsa: Unknown cipher: {a.lstrip('-')}\n{USAGE}", 1)
        i += 1
    if "-pubin" in flags:
        return _rsa_pubin(inv, path, flags)
    if path is None:
        data: bytes | None = inv.stdin.encode()
        shown = "<stdin>"
    else:
        data, shown = req.read_file(inv, path), path
        if data is None:
            return Output("", req.key_not_found(path), 1)
    try:
        key = req.keys.load_key(data or b"")
    except ValueError:
        return Output("", f"Could not read private key from {shown}\n", 1)
    if not isinstance(key, rsa.RSAPrivateKey):
        return Output("", "Not an RSA key\n", 1)
    out: list[str] = []
    if "-text" in flags:
        out.append(text.rsa_private_text(key))
    if "-modulus" in flags:
        out.append(text.modulus_line(key.public_key()) + "\n")  # type: ignore[operator]
    if "-check" in flags:
        out.append("RSA key ok\n")
    err = ""
    if "-noout" not in flags:
        err = "writing RSA key\n"
        out.append("")  # the key follows the stderr line (apps/rsa.c)
        if "-pubout" in flags or "-RSAPublicKey_out" in flags:
            fmt = serialization.PublicFormat.PKCS1 if "-RSAPublicKey_out" in flags else \
                serialization.PublicFormat.SubjectPublicKeyInfo
            pem = key.public_key().public_bytes(serialization.Encoding.PEM, fmt)
        else:
            fmt_priv = serialization.PrivateFormat.TraditionalOpenSSL if "-traditional" in \
                flags else serialization.PrivateFormat.PKCS8
            pem = key.private_bytes(serialization.Encoding.PEM, fmt_priv,
                                    serialization.NoEncryption())
        out.append(pem.decode())
    return _emit(inv, out, err, out_path, private="-pubout" not in flags)


def _rsa_pubin(inv: Invocation, path: str | None, flags: set[str]) -> Output:
    data = inv.stdin.encode() if path is None else req.read_file(inv, path)
    if data is None:
        return Output("", req.key_not_found(path or "").replace("private key", "public key"),
                      1)
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        return Output("", f"Could not read public key from {path or '<stdin>'}\n", 1)
    if not isinstance(key, rsa.RSAPublicKey):
        return Output("", "Not an RSA key\n", 1)
    out = [text.modulus_line(key) + "\n"] if "-modulus" in flags else []  # type: ignore[operator]
    err = ""
    if "-noout" not in flags:
        err = "writing RSA key\n"
        out.append("")
        out.append(key.public_bytes(serialization.Encoding.PEM,
                                    serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    return _emit(inv, out, err, None, private=False)


def _emit(inv: Invocation, out: list[str], err: str, out_path: str | None, private: bool
          ) -> Output:
    if out_path is None:
        if err and "" in out:  # stdout so far, `writing RSA key`, then the key
            cut = out.index("")
            return Output.ordered([(1, "".join(out[:cut])), (2, err),
                                   (1, "".join(out[cut:]))])
        return Output("".join(out), err)
    if not req.write_file(inv, out_path, "".join(out).encode(), mode=0o600 if private else None):
        return Output("", req.cant_write(out_path), 1)
    return Output("", err)


def digest_cmd(inv: Invocation, name: str, args: list[str]) -> Output:
    """`openssl md5 [file...]`, `openssl dgst [-sha256] [file...]`."""
    algo, label = DIGESTS.get(name, ("sha256", "SHA256"))
    files: list[str] = []
    for a in args:
        if a.startswith("-") and a[1:] in DIGESTS:
            algo, label = DIGESTS[a[1:]]
        elif a in ("-r", "-hex"):
            continue
        elif a.startswith("-"):
            prog = name
            return Output("", f"{prog}: Unknown option or message digest: {a[1:]}\n"
                              f"{prog}: Use -help for summary.\n", 1)
        else:
            files.append(a)
    if not files:
        return Output(f"{label}(stdin)= {hashlib.new(algo, inv.stdin.encode()).hexdigest()}\n")
    out, err, code = [], [], 0
    for f in files:
        data = req.read_file(inv, f)
        if data is None:
            err.append(f"{f}: No such file or directory\n"
                       "40F741D7107F0000:error:80000002:system library:file_ctrl:No such file "
                       f"or directory:../crypto/bio/bss_file.c:297:calling fopen({f}, r)\n"
                       "40F741D7107F0000:error:10080002:BIO routines:file_ctrl:system lib:"
                       "../crypto/bio/bss_file.c:300:\n")
            code = 1
            continue
        out.append(f"{label}({f})= {hashlib.new(algo, data).hexdigest()}\n")
    return Output("".join(out), "".join(err), code)

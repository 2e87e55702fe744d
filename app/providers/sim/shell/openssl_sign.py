"""`openssl x509 -req -in csr -CA ca.crt -CAkey ca.key ...`: the manual way to (re)sign a
kubelet or apiserver certificate with the cluster CA (kubernetes.io "Certificates" task page).

apps/x509.c in OpenSSL 3.0: the request's self-signature is checked first ("Certificate request
self-signature ok" and `subject=` on stderr); the CA key must match the CA certificate; the
serial comes from -set_serial, else the CA's serial file (ca.crt -> ca.srl, or -CAserial) read
and incremented, else (-CAcreateserial, or no file) 159 random bits, written back only when the
file existed or -CAcreateserial was given. notBefore is now, notAfter -days later (30 by
default). Without -extfile the certificate is version 1 with no extensions; with it, the
section (-extensions, else the file's unnamed section) plus a subject key identifier and
authority key identifier (3.0's defaults). A certificate signed this way is a real X.509
certificate the twin's components verify like any other (app/providers/sim/tls.py).
"""

from __future__ import annotations

import posixpath

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from app.providers.sim import pki
from app.providers.sim.shell import openssl_conf as conf
from app.providers.sim.shell import openssl_keys as keys
from app.providers.sim.shell import openssl_req as req
from app.providers.sim.shell import openssl_text as text
from app.providers.sim.shell.registry import Invocation, Output
from app.providers.sim.shell.twin import cluster_of

VALUE_OPTS = {"-in", "-out", "-CA", "-CAkey", "-CAserial", "-set_serial", "-days", "-extfile",
              "-extensions", "-signkey", "-key", "-inform", "-outform", "-CAform", "-CAkeyform",
              "-passin", "-nameopt", "-certopt"}
FLAGS = {"-req", "-CAcreateserial", "-noout", "-text", "-subject", "-issuer", "-dates",
         "-enddate", "-startdate", "-serial", "-modulus", "-sha256", "-sha384", "-sha512",
         "-sha1", "-copy_extensions"}
USAGE = "x509: Use -help for summary.\n"


def _serial_file(ca_path: str, given: str | None) -> str:
    if given:
        return given
    base = posixpath.basename(ca_path)
    stem = ca_path[:len(ca_path) - len(base)] + (base.rsplit(".", 1)[0] if "." in base
                                                else base)
    return stem + ".srl"


def _next_serial(inv: Invocation, ca_path: str, values: dict[str, str], create: bool
                 ) -> int:
    """x509_load_serial: read the file (or draw a random serial), add one, save it back."""
    path = _serial_file(ca_path, values.get("-CAserial"))
    data = req.read_file(inv, path)
    if data is not None:
        try:
            serial = int(data.decode().split()[0], 16)
        except (ValueError, IndexError):
            raise req.ReqError(f"unable to load number from {path}\n"
                               "error in serial number\n") from None
    elif create or "-CAserial" not in values:
        serial = keys.random_serial()
    else:
        raise req.ReqError(req.cant_read(path) + f"warning: {path}: No such file or "
                           "directory\n")
    serial += 1
    if data is not None or create:
        hexs = f"{serial:X}"
        req.write_file(inv, path, (hexs.zfill(len(hexs) + len(hexs) % 2) + "\n").encode())
    return serial


def sign_request(inv: Invocation, args: list[str]) -> Output:
    try:
        return _sign(inv, args)
    except req.ReqError as err:
        return Output("", str(err), 1)


def _sign(inv: Invocation, args: list[str]) -> Output:  # noqa: C901, PLR0912
    values: dict[str, str] = {}
    flags: set[str] = set()
    order: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in VALUE_OPTS:
            if i + 1 >= len(args):
                raise req.ReqError(f"x509: Option {a} needs a value\n{USAGE}")
            values[a] = args[i + 1]
            i += 2
            continue
        if a not in FLAGS:
            raise req.ReqError(f"x509: Unknown option: {a}\n{USAGE}")
        flags.add(a)
        order.append(a)
        i += 1
    days = req._days("x509", values["-days"]) if "-days" in values else 30  # noqa: SLF001
    csr = req.load_csr(inv, values.get("-in"))
    err = ""
    if not req.csr_signature_ok(csr):
        raise req.ReqError("Certificate request self-signature did not match the contents\n")
    err += f"Certificate request self-signature ok\nsubject={text.oneline(csr.subject)}\n"
    specs: list[conf.ExtSpec] = []
    if "-extfile" in values:
        data = req.read_file(inv, values["-extfile"])
        if data is None:
            raise req.ReqError(err + req.cant_read(values["-extfile"]))
        cfg = conf.parse_config(data.decode(errors="replace"))
        section = values.get("-extensions", "default")
        try:
            specs = conf.extension_section(cfg, section)
        except conf.ConfError as e:
            raise req.ReqError(err + (f"{e}\n" if section not in cfg else
                                      f"Error checking extension section {section}\n")) from None
    signkey = values.get("-signkey") or values.get("-key")
    if "-CA" in values:
        ca_data = req.read_file(inv, values["-CA"])
        if ca_data is None:
            raise req.ReqError(err + req.key_not_found(values["-CA"]).replace(
                "private key", "CA certificate"))
        try:
            ca = pki.load_cert(ca_data)
        except ValueError:
            raise req.ReqError(err + f"Could not read CA certificate from {values['-CA']}\n"
                               ) from None
        key_path = values.get("-CAkey", values["-CA"])
        try:
            ca_key = req.load_key_file(inv, key_path)
        except req.ReqError as e:
            raise req.ReqError(err + str(e).replace("private key", "CA private key")) from None
        if ca_key.public_key() != ca.public_key():
            raise req.ReqError(err + "CA certificate and CA private key do not match\n"
                               "406778F25D7F0000:error:05800074:x509 certificate routines:"
                               "X509_check_private_key:key values mismatch:../crypto/x509/"
                               "x509_cmp.c:403:\n")
        if "-set_serial" in values:
            serial = int(values["-set_serial"], 0)
        else:
            serial = _next_serial(inv, values["-CA"], values, "-CAcreateserial" in flags)
        cert = keys.sign_certificate(subject=csr.subject, public_key=csr.public_key(),
                                     issuer_name=ca.subject, signer=ca_key, issuer=ca,
                                     serial=serial, t=cluster_of(inv).t, days=days,
                                     extensions=specs, defaults=True)
    elif signkey:
        key = req.load_key_file(inv, signkey)
        serial = int(values["-set_serial"], 0) if "-set_serial" in values else \
            keys.random_serial()
        cert = keys.sign_certificate(subject=csr.subject, public_key=key.public_key(),
                                     issuer_name=csr.subject, signer=key, issuer=None,
                                     serial=serial, t=cluster_of(inv).t, days=days,
                                     extensions=specs, defaults=True)
    else:
        raise req.ReqError(err + "x509: Cannot use -req without -CA or -signkey "
                                 "(or -key)\n" + USAGE)
    out, err, code = _print(inv, cert, order, flags, values, err)
    return Output.ordered([(2, err), (1, out)], code)


def _print(inv: Invocation, cert: x509.Certificate, order: list[str], flags: set[str],
           values: dict[str, str], err: str) -> tuple[str, str, int]:
    from app.providers.sim.shell.openssl import openssl_time, text_dump

    info = pki.cert_info(cert.public_bytes(serialization.Encoding.PEM))
    out: list[str] = []
    for opt in order:
        if opt == "-text":
            out.append(text_dump(cert))
        elif opt == "-subject":
            out.append(f"subject={text.oneline(cert.subject)}\n")
        elif opt == "-issuer":
            out.append(f"issuer={text.oneline(cert.issuer)}\n")
        elif opt == "-serial":
            out.append(f"serial={info.serial_hex}\n")
        elif opt in ("-dates", "-startdate"):
            out.append(f"notBefore={openssl_time(info.not_before)}\n")
        if opt in ("-dates", "-enddate"):
            out.append(f"notAfter={openssl_time(info.not_after)}\n")
        elif opt == "-modulus":
            out.append(f"{text.modulus_line(cert.public_key()) or 'Modulus=unavailable'}\n")
    if "-noout" not in flags:
        out.append(cert.public_bytes(serialization.Encoding.PEM).decode())
    if "-out" in values:
        if not req.write_file(inv, values["-out"], "".join(out).encode()):
            return "", err + req.cant_write(values["-out"]), 1
        return "", err, 0
    return "".join(out), err, 0

"""`openssl x509` (Debian 12's OpenSSL 3.0) on the twin's certificates.

Print options are answered in command-line order, as apps/x509.c does; every format is checked
byte for byte against /usr/bin/openssl 3.0 on the same PEM bytes
(tests/providers/sim/shell/test_openssl.py). Not modelled (says so, exit 1): -text, verify,
s_client and other subcommands.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization

from app.providers.sim import pki
from app.providers.sim.shell.registry import Invocation, Output, command
from app.providers.sim.shell.twin import cluster_of
from app.providers.sim.vfs import VFSError

PRINT_OPTS = {"-dates", "-enddate", "-startdate", "-subject", "-issuer", "-serial"}


def openssl_time(dt: datetime) -> str:
    """ASN1_TIME_print: `%b %e %H:%M:%S %Y GMT` (space-padded day)."""
    d = dt.astimezone(UTC)
    return f"{d:%b} {d.day:>2} {d:%H:%M:%S} {d.year} GMT"


def _x509(inv: Invocation, args: list[str]) -> Output:
    path, noout, order, ext, checkend = None, False, [], None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-in", "-ext", "-checkend", "-inform", "-nameopt", "-certopt") and \
                i + 1 >= len(args):
            return Output("", f"x509: Option {a} needs a value\n"
                              "x509: Use -help for summary.\n", 1)
        if a == "-in":
            path, i = args[i + 1], i + 2
            continue
        if a == "-ext":
            ext, i = args[i + 1], i + 2
            order.append("-ext")
            continue
        if a == "-checkend":
            checkend, i = args[i + 1], i + 2
            order.append("-checkend")
            continue
        if a in ("-inform", "-nameopt", "-certopt"):
            i += 2
            continue
        if a == "-noout":
            noout = True
        elif a in PRINT_OPTS:
            order.append(a)
        elif a == "-text":
            return Output("", "openssl: x509 -text is not available on this node; use -dates, "
                              "-subject, -issuer, -serial or -ext subjectAltName\n", 1)
        else:
            return Output("", f"x509: Unknown option: {a}\nx509: Use -help for summary.\n", 1)
        i += 1
    if path is None:
        data = inv.stdin.encode()
        shown = "<stdin>"
    else:
        try:
            data = inv.session.vfs.read(path, inv.session.cwd)
        except VFSError as err:
            return Output("", f"Could not open file or uri for loading certificate from {path}\n"
                              f"40F7B1A1E07F0000:error:16000069:STORE routines:ossl_store_get0_"
                              f"loader_int:unregistered scheme:../crypto/store/store_register.c"
                              f":237:scheme=file\n40F7B1A1E07F0000:error:80000002:system "
                              f"library:file_open:{err}:../providers/implementations/storemgmt/"
                              f"file_store.c:267:calling stat({path})\n", 1)
        shown = path
    try:
        cert = pki.load_cert(data)
    except ValueError:
        return Output("", f"Could not read certificate from {shown}\n"
                          "Unable to load certificate\n", 1)
    info = pki.cert_info(data)
    out: list[str] = []
    err = ""
    code = 0
    for opt in order:
        if opt == "-dates":
            out += [f"notBefore={openssl_time(info.not_before)}",
                    f"notAfter={openssl_time(info.not_after)}"]
        elif opt == "-startdate":
            out.append(f"notBefore={openssl_time(info.not_before)}")
        elif opt == "-enddate":
            out.append(f"notAfter={openssl_time(info.not_after)}")
        elif opt == "-subject":
            out.append(f"subject={info.subject}")
        elif opt == "-issuer":
            out.append(f"issuer={info.issuer}")
        elif opt == "-serial":
            out.append(f"serial={info.serial_hex}")
        elif opt == "-ext" and ext == "subjectAltName" and info.san:
            out += ["X509v3 Subject Alternative Name: ", "    " + ", ".join(info.san)]
        elif opt == "-ext" and ext == "subjectAltName":
            err += "No extensions in certificate\n"  # apps/x509.c: to bio_err
        elif opt == "-checkend":
            try:
                secs = int(checkend or "")
            except ValueError:
                return Output("", f"x509: Invalid number \"{checkend}\" for option -checkend\n"
                                  "x509: Use -help for summary.\n", 1)
            expires = info.not_after.timestamp() < cluster_of(inv).t + secs
            out.append("Certificate will expire" if expires else "Certificate will not expire")
            code = 1 if expires else 0
    text = "".join(line + "\n" for line in out)
    if not noout and "-checkend" not in order:
        text += cert.public_bytes(serialization.Encoding.PEM).decode()
    return Output(text, err, code)


@command("openssl")
def openssl(inv: Invocation) -> Output:
    if not inv.args:
        return Output("", "", 0)
    sub = inv.args[0]
    if sub == "version":
        return Output("OpenSSL 3.0.17 1 Jul 2025 (Library: OpenSSL 3.0.17 1 Jul 2025)\n")
    if sub == "x509":
        return _x509(inv, inv.args[1:])
    return Output("", f"openssl: {sub} is not available on this node\n", 1)

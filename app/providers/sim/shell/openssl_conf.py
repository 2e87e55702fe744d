"""What `openssl req` and `openssl x509 -req` read besides keys: `-subj` strings, config files
(NCONF: `[ section ]`, `key = value`, `#` comments) and the v3 extension values SREs write in
them (`subjectAltName = @alt_names`, `keyUsage = critical, digitalSignature`, ...).

Error texts are apps/lib/apps.c parse_name's and apps/req.c's, checked against OpenSSL 3.0:
`req: subject name is expected to be in the format /type0=value0/...`, `req warning: Skipping
unknown subject name attribute "X"`, `Error checking extension section e`. Only the
extensions kubeadm-style certificates use are understood; any other name is an error, as
OpenSSL reports an unknown extension name (`X509V3_EXT_nconf_int:unknown extension name`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SUBJ_OIDS = {"CN": NameOID.COMMON_NAME, "commonName": NameOID.COMMON_NAME,
             "O": NameOID.ORGANIZATION_NAME, "organizationName": NameOID.ORGANIZATION_NAME,
             "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
             "organizationalUnitName": NameOID.ORGANIZATIONAL_UNIT_NAME,
             "C": NameOID.COUNTRY_NAME, "countryName": NameOID.COUNTRY_NAME,
             "ST": NameOID.STATE_OR_PROVINCE_NAME,
             "stateOrProvinceName": NameOID.STATE_OR_PROVINCE_NAME,
             "L": NameOID.LOCALITY_NAME, "localityName": NameOID.LOCALITY_NAME,
             "emailAddress": NameOID.EMAIL_ADDRESS, "DC": NameOID.DOMAIN_COMPONENT,
             "serialNumber": NameOID.SERIAL_NUMBER}
KEY_USAGE = {"digitalSignature": "digital_signature", "nonRepudiation": "content_commitment",
             "keyEncipherment": "key_encipherment", "dataEncipherment": "data_encipherment",
             "keyAgreement": "key_agreement", "keyCertSign": "key_cert_sign",
             "cRLSign": "crl_sign", "encipherOnly": "encipher_only",
             "decipherOnly": "decipher_only"}
EKU = {"serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
       "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
       "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
       "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
       "timeStamping": ExtendedKeyUsageOID.TIME_STAMPING,
       "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING}


class ConfError(ValueError):
    """A config or extension value OpenSSL refuses; str() is its error-queue entry after the
    thread id (`11000082:X509 V3 routines:...`)."""


@dataclass
class SubjResult:
    name: x509.Name | None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def parse_subj(text: str, prog: str = "req") -> SubjResult:
    """apps/lib/apps.c parse_name: `/type=value/...`, backslash escapes, unknown types skipped."""
    if not text.startswith("/"):
        return SubjResult(None, error=(
            f"{prog}: subject name is expected to be in the format /type0=value0/type1=value1"
            "/type2=... where characters may be escaped by \\. This name is not in that "
            f"format: '{text}'"))
    attrs: list[x509.NameAttribute] = []
    warnings: list[str] = []
    i = 1
    while i < len(text):
        typ = ""
        while i < len(text) and text[i] != "=":
            if text[i] == "\\" and i + 1 < len(text):
                i += 1
            elif text[i] == "/":
                break
            typ += text[i]
            i += 1
        if i >= len(text) or text[i] != "=":
            return SubjResult(None, error=f"{prog}: Missing '=' after RDN type string '{typ}' "
                                          "in subject name string")
        i += 1
        value = ""
        while i < len(text) and text[i] != "/":
            if text[i] == "\\" and i + 1 < len(text):
                i += 1
            value += text[i]
            i += 1
        i += 1
        oid = SUBJ_OIDS.get(typ)
        if oid is None:
            warnings.append(f'{prog} warning: Skipping unknown subject name attribute "{typ}"')
        elif value == "":
            warnings.append(f'{prog} warning: No value provided for subject name attribute '
                            f'"{typ}", skipped')
        else:
            attrs.append(x509.NameAttribute(oid, value))
    return SubjResult(x509.Name(attrs), warnings)


Config = dict[str, dict[str, str]]
_SECTION = re.compile(r"\[\s*([^\]\s]+)\s*\]")


def parse_config(text: str) -> Config:
    """NCONF's layout: `[ name ]` sections, `key = value` lines; keys before any section go to
    `default`. Values keep their inner spaces; `#` starts a comment."""
    conf: Config = {"default": {}}
    section = "default"
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _SECTION.fullmatch(line)
        if m:
            section = m.group(1)
            conf.setdefault(section, {})
            continue
        key, eq, value = line.partition("=")
        if eq:
            conf.setdefault(section, {})[key.strip()] = value.strip()
    return conf


def dn_from_config(conf: Config, section: str) -> x509.Name:
    """A `prompt = no` distinguished_name section: `C = US`, `CN = x`, `0.O = a`, in order."""
    attrs = []
    for key, value in conf.get(section, {}).items():
        typ = key.rsplit(".", 1)[-1] if "." in key else key
        oid = SUBJ_OIDS.get(typ)
        if oid is not None and value:
            attrs.append(x509.NameAttribute(oid, value))
    return x509.Name(attrs)


def _split(value: str) -> tuple[bool, list[str]]:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    critical = bool(parts) and parts[0] == "critical"
    return critical, parts[1:] if critical else parts


def _general_names(conf: Config, items: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for item in items:
        if item.startswith("@"):
            sub = [f"{k.split('.', 1)[0]}:{v}" for k, v in conf.get(item[1:], {}).items()]
            names += _general_names(conf, sub)
            continue
        kind, _, value = item.partition(":")
        try:
            if kind == "DNS":
                names.append(x509.DNSName(value))
            elif kind == "IP":
                names.append(x509.IPAddress(ipaddress.ip_address(value)))
            elif kind == "email":
                names.append(x509.RFC822Name(value))
            elif kind == "URI":
                names.append(x509.UniformResourceIdentifier(value))
            else:
                raise ConfError("11000074:X509 V3 routines:a2i_GENERAL_NAME:unsupported option:"
                               f"../crypto/x509/v3_san.c:600:name={kind}")
        except ValueError as err:
            if isinstance(err, ConfError):
                raise
            raise ConfError("11000076:X509 V3 routines:a2i_GENERAL_NAME:bad ip address:"
                           f"../crypto/x509/v3_san.c:552:value={value}") from None
    return names


@dataclass(frozen=True)
class ExtSpec:
    """One extension line: a ready value, or a key identifier filled in at signing time."""

    name: str
    critical: bool
    value: x509.ExtensionType | None = None
    options: tuple[str, ...] = ()


def parse_extension(conf: Config, name: str, raw: str) -> ExtSpec:
    critical, items = _split(raw)
    if name == "subjectAltName":
        return ExtSpec(name, critical, x509.SubjectAlternativeName(_general_names(conf, items)))
    if name == "keyUsage":
        flags = dict.fromkeys(KEY_USAGE.values(), False)
        for item in items:
            if item not in KEY_USAGE:
                raise ConfError("1100006F:X509 V3 routines:v2i_ASN1_BIT_STRING:unknown bit string "
                                f"argument:../crypto/x509/v3_bitst.c:103:name={item}")
            flags[KEY_USAGE[item]] = True
        return ExtSpec(name, critical, x509.KeyUsage(**flags))
    if name == "extendedKeyUsage":
        try:
            return ExtSpec(name, critical, x509.ExtendedKeyUsage([EKU[i] for i in items]))
        except KeyError as err:
            raise ConfError("11000077:X509 V3 routines:v2i_EXTENDED_KEY_USAGE:invalid object "
                           f"identifier:../crypto/x509/v3_extku.c:113:value={err.args[0]}"
                           ) from None
    if name == "basicConstraints":
        ca, pathlen = False, None
        for item in items:
            k, _, v = item.partition(":")
            if k == "CA":
                ca = v.upper() in ("TRUE", "YES", "Y")
            elif k == "pathlen" and v.isdigit():
                pathlen = int(v)
            else:
                raise ConfError("1100006A:X509 V3 routines:v2i_BASIC_CONSTRAINTS:invalid name:"
                                f"../crypto/x509/v3_bcons.c:85:name={k}")
        return ExtSpec(name, critical, x509.BasicConstraints(ca=ca, path_length=pathlen))
    if name in ("subjectKeyIdentifier", "authorityKeyIdentifier"):
        return ExtSpec(name, critical, None, tuple(items))
    raise ConfError("11000082:X509 V3 routines:do_ext_nconf:unknown extension name:"
                    "../crypto/x509/v3_conf.c:88:")


def extension_section(conf: Config, section: str) -> list[ExtSpec]:
    if section not in conf:
        raise ConfError(f"Error checking extension section {section}")
    return [parse_extension(conf, k, v) for k, v in conf[section].items()]


def addext(conf: Config, text: str) -> ExtSpec:
    """`-addext "name = value"` (or `name=value`)."""
    name, eq, value = text.partition("=")
    if not eq:
        raise ConfError("11000080:X509 V3 routines:X509V3_EXT_nconf_int:error in extension:"
                        f"../crypto/x509/v3_conf.c:48:name={text}")
    return parse_extension(conf, name.strip(), value.strip())

"""Bytes -> str for HTML pages: BOM, declared charset (HTTP header, then <meta>), then detection."""
from __future__ import annotations

import codecs
import re

import charset_normalizer

_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# <meta charset="x"> and <meta http-equiv="Content-Type" content="text/html; charset=x">
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)

# As browsers do (WHATWG Encoding Standard): these labels mean windows-1252, a superset that
# decodes the bytes 0x80-0x9f that pages labelled latin-1 or ascii really contain.
_WHATWG_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "iso_8859-1": "cp1252",
    "iso-8859-9": "cp1254", "latin5": "cp1254", "tis-620": "cp874", "iso-8859-11": "cp874",
    "x-sjis": "shift_jis", "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "unicode": "utf-16", "utf8": "utf-8",
}

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)

_MAGIC = (
    b"%PDF-", b"\x89PNG", b"GIF87a", b"GIF89a", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b",
    b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!", b"OggS", b"ID3", b"\x00\x00\x01\x00", b"wOFF", b"wOF2",
    b"\xd0\xcf\x11\xe0", b"RIFF", b"\x7fELF", b"MZ",
)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def normalize_charset(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None if Python does not know it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _WHATWG_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def declared_charsets(data: bytes, content_type: str | None = None) -> list[str]:
    """Charsets the page declares, most authoritative first: BOM, HTTP header, XML declaration, <meta>."""
    found: list[str] = []
    for bom, name in _BOMS:
        if data.startswith(bom):
            return [name]
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m:
            found.append(m.group(1))
    head = data[:4096]
    for rx in (_XML_DECL, _META_CHARSET):
        m = rx.search(head)
        if m:
            found.append(m.group(1).decode("ascii", "ignore"))
    names = []
    for label in found:
        name = normalize_charset(label)
        if name and name not in names:
            names.append(name)
    return names


def looks_binary(data: bytes) -> bool:
    """True for images, archives, PDFs and other non-text bytes (a text page has no control bytes)."""
    head = data[:4096]
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS[:2] + _BOMS[3:]):
        return False  # UTF-16/32 text legitimately holds NUL bytes
    if head.startswith(_MAGIC):
        return True
    return len(_CONTROL.findall(head)) > max(8, len(head) // 100)


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _damaged_utf8(data: bytes, trust: bool = False) -> bool:
    """UTF-8 with a few broken bytes (truncated or spliced pages), not a single-byte charset.

    trust: the page declares UTF-8, so fewer valid sequences are needed to believe it.
    """
    sample = data[:200_000]
    valid = len(_UTF8_MULTIBYTE.findall(sample))
    bad = sample.decode("utf-8", errors="replace").count("\ufffd")
    if trust:
        return valid >= bad
    return valid >= 3 and bad <= valid // 4


def decode_html(data: bytes, content_type: str | None = None) -> str:
    """Decode a page: the declared charset when it decodes cleanly, else UTF-8, else detection.

    Never raises: the last resort decodes with replacement characters.
    """
    if isinstance(data, str):
        return data
    data = bytes(data)
    declared = declared_charsets(data, content_type)
    if declared and declared[0] in ("utf-16", "utf-32"):  # from a BOM
        return data.decode(declared[0], errors="replace")
    # Valid UTF-8 with non-ASCII characters is UTF-8 whatever the label says: pages labelled
    # iso-8859-1 but written in UTF-8 are common, the reverse accident is practically impossible.
    try:
        return data.decode("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        pass
    for name in declared:
        if name in ("utf-8", "utf-8-sig"):
            if _damaged_utf8(data, trust=True):
                return data.decode("utf-8", errors="replace")
            continue
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue  # a wrong declaration is common: fall through to detection
    if _damaged_utf8(data):
        return data.decode("utf-8", errors="replace")
    try:
        name = _detect(data[:200_000])
    except Exception:  # detection is best effort; decoding below cannot fail
        name = None
    return data.decode(name or "cp1252", errors="replace")


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess, but windows-1252 when it is nearly as plausible.

    On short Western pages the detector often ranks another Latin code page first (cp1257 turns
    "naïve" into "naļve"); windows-1252 is by far the most common undeclared single-byte charset
    on the web and the browsers' default, so it wins near-ties.
    """
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    for m in matches:
        if "cp1252" in m.could_be_from_charset and m.percent_chaos <= best.percent_chaos + 15.0:
            return "cp1252"
    return best.encoding

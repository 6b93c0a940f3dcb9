"""The Content-Disposition of a download (RFC 6266): the file's name as
written, percent-encoded in filename* (UTF-8), and an ASCII stand-in in
filename for old clients. A name holding quotes or line breaks (a unit's
code, a period) cannot break the header or name a file elsewhere."""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

# Control characters and path separators have no place in a file's name.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._-]+")


def content_disposition(filename: str, inline: bool = False) -> str:
    name = _UNSAFE.sub("_", filename).strip()
    if not name.strip("._ "):
        name = "download"
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    # Not hidden (a leading dot) nor read as an option (a leading dash) where it is saved.
    fallback = _NOT_PLAIN.sub("_", ascii_name).lstrip("._-") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"

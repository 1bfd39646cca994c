"""Whether a response record's HTTP headers describe the payload stored under them.

A replay tool trusts the archived headers: a `Content-Length` that is not the stored length makes pywb serve
a cut or padded body, a `Content-Encoding: gzip` over bytes that do not gunzip shows the reader garbage, and
`Transfer-Encoding: chunked` over a body whose chunk framing was removed cannot be parsed at all. The
accepted way to keep such headers is to rename them (`X-Crawler-Content-Length`, ...), which these checks
then leave alone.
"""

from __future__ import annotations

import zlib

from archive.decoding import MAX_BODY_BYTES, BodyTooLarge, decode_coding, zstd_module

KNOWN_CODINGS = ("gzip", "x-gzip", "deflate", "br", "zstd")


def header_values(headers: list[tuple[str, str]], name: str) -> list[str]:
    name = name.lower()
    return [value.strip() for key, value in headers if key.lower() == name]


def _codings(values: list[str]) -> list[str]:
    return [c.strip().lower() for value in values for c in value.split(",") if c.strip()]


def dechunk(data: bytes) -> bytes | None:
    """The body of a chunk-framed payload, or None when `data` is not exactly a chunked message body."""
    out = bytearray()
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            return None
        size_field = data[pos:end].split(b";", 1)[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError:
            return None
        pos = end + 2
        if size == 0:
            break
        if data[pos + size:pos + size + 2] != b"\r\n":
            return None
        out += data[pos:pos + size]
        pos += size + 2
    while True:  # trailer fields, then the final CRLF
        end = data.find(b"\r\n", pos)
        if end < 0:
            return None
        if end == pos:
            return bytes(out) if end + 2 == len(data) else None
        pos = end + 2


def decode_strictly(data: bytes, coding: str, max_size: int = MAX_BODY_BYTES) -> bytes:
    """Undo one content coding; raises ValueError when the bytes are not a complete stream of it,
    BodyTooLarge past `max_size`, KeyError when there is no decoder for it."""
    if coding not in KNOWN_CODINGS or (coding == "zstd" and zstd_module() is None):
        raise KeyError(coding)
    try:
        return decode_coding(data, coding, max_size, strict=True)
    except ValueError:
        raise
    except Exception as exc:  # zlib.error, brotli.error, ZstdError
        if isinstance(exc, zlib.error):
            raise ValueError(str(exc)) from None
        raise ValueError(f"{type(exc).__name__}: {exc}") from None


def encoding_problems(headers: list[tuple[str, str]], payload: bytes | None,
                      max_size: int = MAX_BODY_BYTES) -> tuple[list[str], list[str]]:
    """(problems, warnings) about Transfer-Encoding and Content-Encoding over the stored payload (`payload`
    is None when it was larger than `max_size`, not kept in memory). A body that decodes to more than
    `max_size` is a warning, not a problem: it may be whole, it is only not checked. Content-Length: see
    `content_length_problem`."""
    problems: list[str] = []
    warnings: list[str] = []
    transfer = _codings(header_values(headers, "Transfer-Encoding"))
    body = payload
    if transfer:
        if transfer[-1] == "chunked":
            body = dechunk(payload) if payload is not None else None
            if body is None and payload is not None:
                problems.append("Transfer-Encoding: chunked, but the stored body is not chunk-framed "
                                "(a de-chunked body must not keep this header; rename it, e.g. "
                                "X-Crawler-Transfer-Encoding)")
                return problems, warnings
            if len(transfer) > 1:
                warnings.append(f"transfer codings {', '.join(transfer[:-1])} under chunked not checked")
                return problems, warnings
        else:
            warnings.append(f"Transfer-Encoding: {', '.join(transfer)} not checked")
            return problems, warnings
    codings = [c for c in _codings(header_values(headers, "Content-Encoding")) if c != "identity"]
    if codings and payload is None:
        warnings.append(f"Content-Encoding {', '.join(codings)} not decoded: the stored body is larger than "
                        f"{max_size:,} bytes, the body size limit")
    if codings and body:
        for coding in reversed(codings):
            try:
                body = decode_strictly(body, coding, max_size)
            except BodyTooLarge as exc:
                warnings.append(f"Content-Encoding {', '.join(codings)} not decoded: {exc}")
                break
            except KeyError:
                warnings.append(f"Content-Encoding {coding} not checked (no decoder)")
                break
            except ValueError as exc:
                problems.append(f"Content-Encoding: {coding}, but the stored body does not decode: {exc}")
                break
    return problems, warnings


def content_length_problem(headers: list[tuple[str, str]], length: int) -> str | None:
    """A problem when a Content-Length header (no Transfer-Encoding) is not the stored payload length."""
    if header_values(headers, "Transfer-Encoding"):
        return None
    values = set(header_values(headers, "Content-Length"))
    if not values:
        return None
    if len(values) > 1:
        return f"conflicting Content-Length headers {sorted(values)}"
    (value,) = values
    if not value.isdigit():
        return f"Content-Length {value!r} is not a number"
    if int(value) != length:
        return f"Content-Length: {value}, but the stored payload has {length} bytes"
    return None

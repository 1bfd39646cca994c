"""Whether a response record's HTTP headers describe the payload stored under them.

A replay tool trusts the archived headers: a `Content-Length` that is not the stored length makes pywb serve
a cut or padded body, a `Content-Encoding: gzip` over bytes that do not gunzip shows the reader garbage, and
`Transfer-Encoding: chunked` over a body whose chunk framing was removed cannot be parsed at all. The
accepted way to keep such headers is to rename them (`X-Crawler-Content-Length`, ...), which these checks
then leave alone.
"""

from __future__ import annotations

import zlib

DECODE_LIMIT = 64 << 20  # bodies above this are length-checked only


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


def _inflate(data: bytes, wbits: int) -> bytes:
    decompressor = zlib.decompressobj(wbits)
    out = decompressor.decompress(data)
    if not decompressor.eof:
        raise ValueError("stream ends before its end marker (truncated)")
    return out


def decode_strictly(data: bytes, coding: str) -> bytes:
    """Undo one content coding; raises ValueError when the bytes are not a complete stream of it."""
    try:
        if coding in ("gzip", "x-gzip"):
            if data[:2] != b"\x1f\x8b":
                raise ValueError("not gzip data (no gzip magic bytes)")
            out = bytearray()
            while data[:2] == b"\x1f\x8b":  # a gzip body may hold several members
                decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
                out += decompressor.decompress(data)
                if not decompressor.eof:
                    raise ValueError("gzip stream ends before its end marker (truncated)")
                data = decompressor.unused_data
            return bytes(out)
        if coding == "deflate":
            try:
                return _inflate(data, zlib.MAX_WBITS)
            except (zlib.error, ValueError):
                return _inflate(data, -zlib.MAX_WBITS)  # raw deflate, as some servers send
        if coding == "br":
            import brotli

            decompressor = brotli.Decompressor()
            out = decompressor.process(data)
            if not decompressor.is_finished():
                raise ValueError("brotli stream ends before its end marker (truncated)")
            return out
        if coding == "zstd":  # Scrapy offers zstd when a decoder is installed (backports.zstd here)
            zstd = _zstd()
            if zstd is not None:
                return zstd.decompress(data)
    except zlib.error as exc:
        raise ValueError(str(exc)) from None
    except Exception as exc:  # brotli.error and friends
        if isinstance(exc, ValueError):
            raise
        raise ValueError(f"{type(exc).__name__}: {exc}") from None
    raise KeyError(coding)


def _zstd():
    try:
        from compression import zstd  # Python 3.14+
    except ImportError:
        try:
            from backports import zstd
        except ImportError:
            return None
    return zstd


def encoding_problems(headers: list[tuple[str, str]], payload: bytes | None) -> tuple[list[str], list[str]]:
    """(problems, warnings) about Transfer-Encoding and Content-Encoding over the stored payload (`payload`
    is None when it was too large to keep in memory). Content-Length: see `content_length_problem`."""
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
    if codings and body:
        if len(body) > DECODE_LIMIT:
            warnings.append(f"body of {len(body):,} bytes: Content-Encoding not decoded")
            return problems, warnings
        for coding in reversed(codings):
            try:
                body = decode_strictly(body, coding)
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

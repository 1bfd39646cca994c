"""Undoing an HTTP body's Content-Encoding without letting a hostile body take the machine's memory.

A 2.5 KB brotli body can decode to gigabytes, a 1 MB gzip body to one, and several codings may be stacked.
Every decoder here stops as soon as its output would pass `max_size` and raises `BodyTooLarge`, so decoding
never holds much more than `max_size` per coding. The same limit bounds a body that needs no decoding.

`MAX_BODY_BYTES` is the one default for the whole project: the crawl derives DOWNLOAD_MAXSIZE (the raw cap)
from it through its NEWSARCHIVE_MAX_BODY_BYTES setting, and every reader of the archive (reindex, catch-up,
verify, `show --html`) takes it as a parameter. 32 MiB is about 15 times the largest real page either site
serves (Kyodo's article pages are under 200 KB) and small enough for several parser processes at once.
"""

from __future__ import annotations

import zlib

MAX_BODY_BYTES = 32 << 20
_BROTLI_STEP = 1 << 20  # output per brotli call: it may overshoot the limit it is given by half


class BodyTooLarge(ValueError):
    """The body, or one of its decoding steps, is larger than the limit."""

    def __init__(self, limit: int, coding: str | None = None, whose: str | None = None):
        self.limit = limit
        self.coding = coding
        what = f"decodes ({coding}) to more than" if coding else "is larger than"
        super().__init__(f"{'the body of ' + whose if whose else 'body'} {what} {limit:,} bytes, "
                         "the body size limit")
        self._args = (limit, coding, whose)

    def __reduce__(self):  # crosses process boundaries (parser and reindex workers) intact
        return type(self), self._args


class _Truncated(ValueError):
    """The stream ends before its end marker (strict decoding only)."""


def decode_content(raw: bytes, encoding: str | None, max_size: int = MAX_BODY_BYTES) -> bytes:
    """An HTTP body without its Content-Encoding (gzip, deflate, br, zstd; several in the order applied).

    Lenient, as browsers are: a stream cut short gives what it holds. Raises `BodyTooLarge` past `max_size`,
    ValueError for an unknown coding, and the decoder's own error (zlib.error, brotli.error, ZstdError) for
    bytes that are not of the coding at all."""
    if len(raw) > max_size:  # the limit bounds what is stored as well as what it decodes to
        raise BodyTooLarge(max_size)
    codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip()]
    data = raw
    for coding in reversed(codings):
        if coding != "identity":
            data = decode_coding(data, coding, max_size)
    return data


def decode_coding(data: bytes, coding: str, max_size: int = MAX_BODY_BYTES, strict: bool = False) -> bytes:
    """Undo one content coding. `strict`: a stream that ends before its end marker raises ValueError (verify
    checks that stored bodies are whole); an unknown coding raises ValueError either way."""
    if coding in ("gzip", "x-gzip"):
        return _gunzip(data, max_size, strict)
    if coding == "deflate":
        try:
            return _inflate(data, zlib.MAX_WBITS, max_size, strict, "deflate")
        except (zlib.error, _Truncated):  # raw deflate, without the zlib wrapper, as IIS sends it
            return _inflate(data, -zlib.MAX_WBITS, max_size, strict, "deflate")
    if coding == "br":
        return _unbrotli(data, max_size, strict)
    if coding == "zstd":
        return _unzstd(data, max_size, strict)
    raise ValueError(f"unknown Content-Encoding {coding!r}")


def _inflate(data: bytes, wbits: int, max_size: int, strict: bool, name: str) -> bytes:
    # Asking for one byte more than the limit is what tells "exactly the limit" from "more".
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, max_size + 1)
    if len(out) > max_size:
        raise BodyTooLarge(max_size, name)
    if strict and not inflater.eof:
        raise _Truncated(f"{name} stream ends before its end marker (truncated)")
    return out


def _gunzip(data: bytes, max_size: int, strict: bool) -> bytes:
    if strict and data[:2] != b"\x1f\x8b":
        raise ValueError("not gzip data (no gzip magic bytes)")
    parts: list[bytes] = []
    size = 0
    while True:  # a gzip body may hold several members
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = inflater.decompress(data, max_size - size + 1)
        except zlib.error:
            if parts and not strict:  # bytes after a whole member that are not one: ignored, as zlib's gzip does
                break
            raise
        size += len(part)
        if size > max_size:
            raise BodyTooLarge(max_size, "gzip")
        parts.append(part)
        if not inflater.eof:
            if strict:
                raise _Truncated("gzip stream ends before its end marker (truncated)")
            break
        data = inflater.unused_data
        if data[:2] != b"\x1f\x8b":
            break
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _unbrotli(data: bytes, max_size: int, strict: bool) -> bytes:
    import brotli

    decompressor = brotli.Decompressor()
    out = bytearray()
    chunk = decompressor.process(data, output_buffer_limit=min(max_size + 1, _BROTLI_STEP))
    while True:
        out += chunk
        if len(out) > max_size:
            raise BodyTooLarge(max_size, "br")
        # Until it can take input again, the decompressor holds output it has not handed over yet.
        if decompressor.is_finished() or decompressor.can_accept_more_data():
            break
        chunk = decompressor.process(b"", output_buffer_limit=min(max_size + 1 - len(out), _BROTLI_STEP))
        if not chunk:
            break
    if strict and not decompressor.is_finished():
        raise _Truncated("brotli stream ends before its end marker (truncated)")
    return bytes(out)


def _unzstd(data: bytes, max_size: int, strict: bool) -> bytes:
    zstd = zstd_module()
    if zstd is None:
        raise ValueError("Content-Encoding zstd: no zstd decoder installed")
    parts: list[bytes] = []
    size = 0
    while data:  # one decompressor per frame; a body may hold several
        decompressor = zstd.ZstdDecompressor()
        part = decompressor.decompress(data, max_size - size + 1)
        size += len(part)
        if size > max_size:
            raise BodyTooLarge(max_size, "zstd")
        parts.append(part)
        if not decompressor.eof:
            if strict:
                raise _Truncated("zstd stream ends before its end marker (truncated)")
            break
        data = decompressor.unused_data
    return parts[0] if len(parts) == 1 else b"".join(parts)


def zstd_module():
    """The zstd decoder: the standard library's from Python 3.14, else backports.zstd, else None."""
    try:
        from compression import zstd  # Python 3.14+
    except ImportError:
        try:
            from backports import zstd
        except ImportError:
            return None
    return zstd

"""Decompression bombs for the hostile-input tests: a few KB to a few MB on the wire, a GiB or more decoded.

Built from one compressed block repeated, not by compressing a GiB: zlib needs about 7 s for 1 GiB of zeros
and brotli at quality 11 over two minutes on a 2-core machine, where these take well under a second each.
"""

from __future__ import annotations

import struct
import zlib

GIB = 1 << 30
_BLOCK = 1 << 20  # zeros per repeated deflate block


def _zero_checksums(total: int) -> tuple[int, int]:
    """(CRC-32, Adler-32) of `total` zero bytes."""
    zeros = bytes(_BLOCK)
    crc, adler = 0, 1
    for _ in range(total // _BLOCK):
        crc = zlib.crc32(zeros, crc)
        adler = zlib.adler32(zeros, adler)
    return crc, adler


def _raw_deflate(total: int) -> bytes:
    """A raw deflate stream of `total` zeros (a multiple of 1 MiB): a full flush makes each block stand
    alone, so copies of it can follow each other; b"\\x03\\x00" is an empty final block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(_BLOCK)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (total // _BLOCK) + b"\x03\x00"


def gzip_bomb(total: int = GIB) -> bytes:
    crc, _ = _zero_checksums(total)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + _raw_deflate(total) + struct.pack("<II", crc, total & 0xFFFFFFFF)


def deflate_bomb(total: int = GIB) -> bytes:
    """`Content-Encoding: deflate` as RFC 9110 means it: a zlib stream."""
    _, adler = _zero_checksums(total)
    return b"\x78\xda" + _raw_deflate(total) + struct.pack(">I", adler)


def br_bomb(total: int = 3 * GIB // 2) -> bytes:
    """About 2.5 KB; quality 5 builds it in a second and a half, where 11 (2.6 KB) took over two minutes."""
    import brotli

    compressor = brotli.Compressor(quality=5)
    zeros = bytes(_BLOCK)
    out = [compressor.process(zeros) for _ in range(total // _BLOCK)]
    out.append(compressor.finish())
    return b"".join(out)


def zstd_bomb(total: int = GIB) -> bytes:
    """About 32 KB per GiB."""
    from backports import zstd

    compressor = zstd.ZstdCompressor(level=3)
    zeros = bytes(_BLOCK)
    out = [compressor.compress(zeros) for _ in range(total // _BLOCK)]
    out.append(compressor.flush())
    return b"".join(out)


def stacked_bomb() -> bytes:
    """`Content-Encoding: gzip, br`: a gzip bomb (1 MiB) under brotli, which shrinks it to a few KB."""
    import brotli

    return brotli.compress(gzip_bomb(), quality=5)


BOMBS = {"gzip": gzip_bomb, "deflate": deflate_bomb, "br": br_bomb, "zstd": zstd_bomb, "gzip, br": stacked_bomb}

"""Decompression bombs against the archive's decoders (GitHub issue #14, item 1).

Every reader (reindex, catch-up, `show --html`, the crawl's parser processes) decodes through
`archive.decoding.decode_content`, and `verify` through its strict twin: each stops at the body size limit
(`archive.decoding.MAX_BODY_BYTES`, the crawl's NEWSARCHIVE_MAX_BODY_BYTES) with `BodyTooLarge`, whatever
the coding. Peak memory is measured in a child process whose address space is capped as well, so a decoder
that inflates a bomb fails here with MemoryError instead of taking gigabytes from a shared machine.
Before the limit, a 2,425-byte brotli bomb took 3.1 GB to decode and a 1 MB gzip bomb 2.1 GB.
"""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
from backports import zstd

from bombs import BOMBS, deflate_bomb, gzip_bomb
from hostile import run_measured

ADDRESS_SPACE = 768 << 20
PEAK_MB = 200

CHILD = f"""
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({ADDRESS_SPACE}, {ADDRESS_SPACE}))
raw, coding, mode = open(sys.argv[1], "rb").read(), sys.argv[2], sys.argv[3]
try:
    if mode == "reader":
        from archive.decoding import decode_content
        outcome = f"decoded {{len(decode_content(raw, coding)):,}} bytes"
    else:
        from archive.httpcheck import encoding_problems
        problems, warnings = encoding_problems([("Content-Encoding", coding)], raw)
        outcome = f"problems={{problems}} warnings={{warnings}}"
except Exception as exc:
    outcome = f"{{type(exc).__name__}}: {{exc}}"
print(outcome)
"""


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    files = {}
    for coding, make in BOMBS.items():
        files[coding] = folder / coding.replace(", ", "+")
        files[coding].write_bytes(make())
    return files


@pytest.mark.parametrize("coding", list(BOMBS))
def test_a_reader_refuses_a_bomb_within_bounded_memory(bomb_files, coding):
    run = run_measured(["-c", CHILD, str(bomb_files[coding]), coding, "reader"], timeout=120)
    outcome = run.stdout.strip()
    assert outcome.startswith("BodyTooLarge") and "33,554,432" in outcome, (outcome, run.stderr[-2000:])
    assert run.peak_mb < PEAK_MB, f"{coding}: peak {run.peak_mb:.0f} MB"


@pytest.mark.parametrize("coding", list(BOMBS))
def test_verify_warns_about_a_bomb_within_bounded_memory(bomb_files, coding):
    run = run_measured(["-c", CHILD, str(bomb_files[coding]), coding, "verify"], timeout=120)
    outcome = run.stdout.strip()
    assert outcome.startswith("problems=[] warnings=[") and "not decoded" in outcome \
        and "33,554,432" in outcome, (outcome, run.stderr[-2000:])
    assert run.peak_mb < PEAK_MB, f"{coding}: peak {run.peak_mb:.0f} MB"


def test_every_coding_decodes_up_to_the_limit_and_refuses_a_byte_more():
    from archive.decoding import BodyTooLarge, decode_content

    limit = 1 << 20
    page = bytes(range(256)) * (limit // 256)  # exactly the limit
    encoded = {"gzip": gzip.compress(page), "deflate": zlib.compress(page), "br": brotli.compress(page),
               "zstd": zstd.compress(page), "gzip, br": brotli.compress(gzip.compress(page))}
    for coding, body in encoded.items():
        assert decode_content(body, coding, max_size=limit) == page, coding
        with pytest.raises(BodyTooLarge, match="1,048,575 bytes"):
            decode_content(body, coding, max_size=limit - 1)
    with pytest.raises(BodyTooLarge):
        decode_content(page, None, max_size=limit - 1)  # no coding: the body itself is too large
    halves = gzip.compress(page[:limit // 2]) + gzip.compress(page[limit // 2:])
    assert decode_content(halves, "gzip", max_size=limit) == page, "a gzip body may hold several members"
    with pytest.raises(BodyTooLarge):
        decode_content(halves, "gzip", max_size=limit - 1)
    frames = zstd.compress(page[:1000]) + zstd.compress(page[1000:])
    assert decode_content(frames, "zstd", max_size=limit) == page, "and a zstd body several frames"


def test_bombs_are_what_they_claim():
    assert gzip.decompress(gzip_bomb(8 << 20)) == bytes(8 << 20)
    assert zlib.decompress(deflate_bomb(8 << 20)) == bytes(8 << 20)
    assert len(gzip_bomb()) < 1_100_000 and len(BOMBS["br"]()) < 3000 and len(BOMBS["gzip, br"]()) < 200

"""Image bytes for the mirror's assets: photos (JPEG, WebP), icons and logos (PNG, ICO, GIF, SVG), all drawn
with Pillow from fixed seeds, so the same request gets the same bytes on every run.

Why real bytes: an archive is judged by whether a browser replays what readers saw, so a captured photo must
decode, have a photo's dimensions and weigh what a photo weighs (20-150 KB for a 635x423 JPEG), not be a
1x1 placeholder. Drawing a photo costs 10-60 ms, too much to pay per request of a crawl of thousands of
pages, so each (width, height, format) has a small pool of drawn scenes (`POOL`), drawn once per process on
first use; a URL picks its scene by its hash and gets its own bytes by a comment naming it (a JPEG COM
segment, a PNG tEXt chunk), so two photos never share a payload digest, as on the real sites.
"""

from __future__ import annotations

import io
import random
import struct
import threading
import zlib
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter

POOL = 6  # scenes per (size, format): enough variety for a page's thumbnails, cheap to draw
_LOCK = threading.Lock()  # Pillow releases the GIL while encoding; one drawing at a time keeps memory flat


def pick(key: str) -> int:
    """The pool scene for a URL path (stable across runs and platforms)."""
    return zlib.crc32(key.encode("utf-8")) % POOL


def _scene(width: int, height: int, seed: str) -> Image.Image:
    """A landscape-like photo: sky gradient, hills, buildings, a sun, grain. Smooth areas and fine texture in
    proportions that make JPEG sizes land where real news photos do."""
    rng = random.Random(seed)
    sky_top = (rng.randint(40, 120), rng.randint(90, 170), rng.randint(160, 240))
    sky_low = (rng.randint(200, 250), rng.randint(170, 230), rng.randint(140, 210))
    gradient = Image.linear_gradient("L").resize((width, height))
    img = Image.composite(Image.new("RGB", (width, height), sky_low), Image.new("RGB", (width, height), sky_top),
                          gradient)
    draw = ImageDraw.Draw(img)
    r = max(4, min(width, height) // rng.randint(8, 14))
    cx, cy = rng.randint(r, width - r), rng.randint(r, height // 2)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, rng.randint(200, 245), rng.randint(120, 200)))
    for layer in range(3):  # hills, far to near, darker as they come closer
        base = height * (0.45 + 0.15 * layer)
        points = [(0, height)]
        for x in range(0, width + 40, max(8, width // 24)):
            points.append((x, base + rng.uniform(-0.12, 0.12) * height))
        points.append((width, height))
        shade = 150 - 45 * layer
        draw.polygon(points, fill=(shade // 2 + rng.randint(0, 30), shade + rng.randint(-20, 20), shade // 3))
    for _ in range(rng.randint(6, 14)):  # buildings
        w = rng.randint(width // 40 + 2, width // 10 + 3)
        h = rng.randint(height // 10, height // 2)
        x = rng.randint(0, max(0, width - w))
        grey = rng.randint(70, 200)
        draw.rectangle((x, height - h, x + w, height), fill=(grey, grey - rng.randint(0, 30), grey - rng.randint(0, 40)))
        for wy in range(height - h + 4, height - 4, max(3, height // 60)):  # windows
            for wx in range(x + 2, x + w - 2, max(3, width // 120)):
                if rng.random() < 0.45:
                    draw.point((wx, wy), fill=(250, 235, 160))
    grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    grain = grain.filter(ImageFilter.GaussianBlur(0.6))
    img = Image.blend(img, Image.merge("RGB", (grain, grain, grain)), 0.14)
    return img.filter(ImageFilter.SMOOTH)


@lru_cache(maxsize=256)
def _encoded(width: int, height: int, fmt: str, scene: int) -> bytes:
    with _LOCK:
        img = _scene(width, height, f"mirror-photo:{width}x{height}:{scene}")
        out = io.BytesIO()
        if fmt == "JPEG":
            img.save(out, "JPEG", quality=82, optimize=True, progressive=width >= 600)
        elif fmt == "WEBP":
            img.save(out, "WEBP", quality=78, method=4)
        else:
            img.save(out, "PNG", optimize=True)
        return out.getvalue()


def photo(key: str, width: int, height: int, fmt: str = "JPEG") -> bytes:
    """Bytes of a `width` x `height` photo for the URL path `key`: a pooled scene, named after `key`."""
    body = _encoded(width, height, fmt, pick(key))
    label = key.encode("utf-8")[:200]
    if fmt == "JPEG":  # a COM segment right after SOI; decoders skip it
        return body[:2] + b"\xff\xfe" + struct.pack(">H", len(label) + 2) + label + body[2:]
    if fmt == "PNG":  # a tEXt chunk right after IHDR (8-byte signature + 25-byte IHDR)
        return body[:33] + _png_chunk(b"tEXt", b"Comment\0" + label) + body[33:]
    return body  # WebP: one fixed background per site, never two URLs of one scene


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=64)
def badge(width: int, height: int, colour: str, text_colour: str = "#ffffff", fmt: str = "PNG",
          mark: str = "") -> bytes:
    """A flat logo, avatar or favicon: a coloured field with a lighter band and an optional letter mark, drawn
    with the embedded Aileron font (Pillow's default at a size)."""
    from PIL import ImageFont  # FreeType only needed here

    img = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, height * 3 // 4, width, height), fill=text_colour)
    if mark:
        font = ImageFont.load_default(size=max(8, int(height * 0.5)))
        draw.text((width / 2, height * 3 / 8), mark, fill=text_colour, font=font, anchor="mm")
    out = io.BytesIO()
    if fmt == "ICO":
        img.save(out, "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    else:
        img.save(out, fmt, optimize=True)
    return out.getvalue()


def gif_1x1() -> bytes:
    """The one-pixel transparent GIF of tracking pixels and lazy-load placeholders."""
    img = Image.new("P", (1, 1), 0)
    img.putpalette([255, 255, 255] * 2)
    out = io.BytesIO()
    img.save(out, "GIF", transparency=0)
    return out.getvalue()

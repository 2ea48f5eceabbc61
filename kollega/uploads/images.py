"""Images: decoded in full with Pillow (a broken image is refused), re-encoded without
EXIF or other metadata (the orientation applied first), and a thumbnail made.

Decompression bombs are refused before decoding: the pixel count read from the header is
checked against ``UPLOAD_MAX_PIXELS``, and Pillow's own bomb check is an error, not a
warning.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

THUMBNAIL_SIZE = 480
_KEEP = {"transparency", "duration", "loop", "background"}
_SAVE = {"JPEG": {"quality": 88, "optimize": True}, "PNG": {"optimize": True}, "WEBP": {}}


class BadImage(ValueError):
    """Not a decodable image, or too large when decoded."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "broken" or "too_many_pixels"


@dataclass
class CleanImage:
    data: bytes
    format: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_format: str


def _encode(img: Image.Image, fmt: str, frames: bool = False) -> bytes:
    out = io.BytesIO()
    options = dict(_SAVE.get(fmt, {}))
    if frames:
        options.update(save_all=True, loop=img.info.get("loop", 0))
        if "duration" in img.info:
            options["duration"] = img.info["duration"]
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    img.save(out, format=fmt, **options)  # no exif=, no icc, no text chunks: metadata gone
    return out.getvalue()


def _strip(img: Image.Image) -> None:
    """Forget every piece of metadata but what the pixels need to look right."""
    img.info = {k: v for k, v in img.info.items() if k in _KEEP}
    if hasattr(img, "_exif"):
        img._exif = None


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(data))
        width, height = img.size
        if width * height > max_pixels or width <= 0 or height <= 0:
            raise BadImage("too_many_pixels")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage("too_many_pixels") from None
    except Exception:
        # Pillow raises many kinds (OSError, SyntaxError, ValueError, struct.error ...)
        # for a truncated or forged file: all mean the same to a person.
        raise BadImage("broken") from None
    return img


def clean_image(data: bytes, max_pixels: int) -> CleanImage:
    """Decode ``data``, apply its EXIF orientation, and re-encode it and a thumbnail
    (at most ``THUMBNAIL_SIZE`` px a side) with no metadata. Animated GIF and WebP keep
    their frames; their thumbnail is the first frame."""
    img = _open(data, max_pixels)
    fmt = img.format or "PNG"
    animated = bool(getattr(img, "is_animated", False))
    try:
        if animated:
            _strip(img)
            clean = _encode(img, fmt, frames=True)
            img.seek(0)
            still = img.convert("RGBA")
        else:
            still = ImageOps.exif_transpose(img) or img
            _strip(still)
            clean = _encode(still, fmt)
    except Exception:
        raise BadImage("broken") from None
    width, height = still.size
    thumb = still.copy()
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    has_alpha = thumb.mode in ("RGBA", "LA", "P") and fmt != "JPEG"
    thumb_format = "PNG" if has_alpha else "JPEG"
    return CleanImage(
        data=clean,
        format=fmt,
        width=width,
        height=height,
        thumbnail=_encode(thumb, thumb_format),
        thumbnail_format=thumb_format,
    )

"""Fixtures for uploads: the networks of tests/networks and files of each kind."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from tests.networks.conftest import Nets, nets  # noqa: F401 (a fixture used here)

__all__ = ["Nets"]


def png_bytes(size: tuple[int, int] = (1200, 800), exif: bool = True) -> bytes:
    """A PNG with EXIF (a camera maker, GPS data and a rotation) when ``exif``."""
    img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    options = {}
    if exif:
        data = img.getexif()
        data[0x010F] = "Kamerafabrikken"
        data[0x0112] = 6
        options["exif"] = data.tobytes()
    img.save(out, format="PNG", **options)
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (1600, 1200)) -> bytes:
    img = Image.new("RGB", size, (20, 120, 200))
    data = img.getexif()
    data[0x010F] = "Kamerafabrikken"
    data[0x0112] = 6  # rotated 90°: the stored image is upright, 1200 x 1600
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=data.tobytes())
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture
def upload_folder(app):  # type: ignore[no-untyped-def]
    from pathlib import Path

    return Path(app.instance_path) / "uploads"


def stored_files(folder) -> list:  # type: ignore[no-untyped-def]
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []

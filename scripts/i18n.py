"""Translation catalogues, one .po file per feature, merged at build time.

    python scripts/i18n.py compile            # translations/<lang>/*.po -> LC_MESSAGES/messages.mo
    python scripts/i18n.py missing [--write translations/nb/FEATURE.po] [PATH ...]

Source strings are English (the code's language); ``nb`` must translate every one of
them (bokmål is the default language). Each feature keeps its own
``translations/nb/<feature>.po`` so that work on different features never edits the
same file. ``missing`` lists the strings in PATHs (default: everything) that no nb
file translates; ``--write`` appends them, untranslated, to the named file to fill in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
METHODS = [("kollega/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"trimmed": "true", "extensions": "jinja2.ext.i18n"}}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "_n": (1, 2),
}


def merged(lang: str) -> Catalog:
    catalog = Catalog(locale=lang, domain="messages")
    for po in sorted((TRANSLATIONS / lang).glob("*.po")):
        with po.open("rb") as fh:
            part = read_po(fh, locale=lang)
        for message in part:
            if message.id and message.string and not message.fuzzy and message.id not in catalog:
                catalog[message.id] = message
    return catalog


def compile_all() -> None:
    for lang_dir in sorted(p for p in TRANSLATIONS.iterdir() if p.is_dir()):
        catalog = merged(lang_dir.name)
        out = lang_dir / "LC_MESSAGES" / "messages.mo"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as fh:
            write_mo(fh, catalog)


def extracted(paths: list[str] | None = None) -> dict[object, tuple[str, int]]:
    """msgid (str, or a (singular, plural) tuple) -> first (file, line) it appears in."""
    found: dict[object, tuple[str, int]] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        if paths and not any(filename.startswith(p.rstrip("/")) for p in paths):
            continue
        key = message if isinstance(message, str) else tuple(m for m in message if m)
        if isinstance(key, tuple) and len(key) == 1:
            key = key[0]
        if key and key not in found:
            found[key] = (filename, lineno)
    return found


def missing(lang: str = "nb", paths: list[str] | None = None) -> dict[object, tuple[str, int]]:
    catalog = merged(lang)
    out = {}
    for key, where in extracted(paths).items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid not in catalog:
            out[key] = where
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("compile")
    m = sub.add_parser("missing")
    m.add_argument("paths", nargs="*")
    m.add_argument("--lang", default="nb")
    m.add_argument("--write", help="append the missing strings to this .po file")
    args = parser.parse_args()
    if args.cmd == "compile":
        compile_all()
        return 0
    gaps = missing(args.lang, args.paths or None)
    for key, (filename, line) in gaps.items():
        print(f"{filename}:{line}: {key!r}")
    if args.write and gaps:
        target = Path(args.write)
        catalog = Catalog(locale=args.lang)
        if target.exists():
            with target.open("rb") as fh:
                catalog = read_po(fh, locale=args.lang)
        for key in gaps:
            catalog.add(key, string=("", "") if isinstance(key, tuple) else "")
        with target.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, width=100)
        print(f"appended {len(gaps)} strings to {target}; fill in msgstr, then run compile")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())

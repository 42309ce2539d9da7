"""The report fonts: the project's own woff2 files (from the npm set-up) turned into TTF for fpdf2, once."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app
from fontTools.ttLib import TTFont

VENDOR = Path(__file__).resolve().parent.parent.parent / "static" / "vendor" / "fonts"
# family -> {style: woff2 stem}; "" is regular, "B" bold.
FAMILIES = {
    "arabic": {"": "noto-sans-arabic-400", "B": "noto-sans-arabic-700"},
    "latin": {"": "noto-sans-latin-400", "B": "noto-sans-latin-700"},
    "tifinagh": {"": "noto-sans-tifinagh-400", "B": "noto-sans-tifinagh-400"},
}
_lock = threading.Lock()


def font_files() -> dict[str, dict[str, Path]]:
    """family -> style -> TTF path, converting from woff2 into the instance folder on first use."""
    cache = Path(current_app.instance_path) / "fonts"
    with _lock:
        cache.mkdir(parents=True, exist_ok=True)
        files: dict[str, dict[str, Path]] = {}
        for family, styles in FAMILIES.items():
            files[family] = {}
            for style, stem in styles.items():
                target = cache / f"{stem}.ttf"
                if not target.exists():
                    source = VENDOR / f"{stem}.woff2"
                    if not source.exists():
                        raise RuntimeError(f"report font {source.name} is missing: run `make setup`")
                    font = TTFont(source)
                    font.flavor = None  # woff2 -> plain sfnt
                    partial = target.with_suffix(".part")
                    font.save(partial)
                    partial.replace(target)  # never leave half a font where another thread would read it
                files[family][style] = target
        return files

"""The initial JavaScript of the client, gzipped: every module that index.html's entry loads
through static imports (dynamic `import()` loads later and does not count), with bare names
resolved through the import map. Budget: 60 KB. Exit 1 over budget.

    .venv/bin/python scripts/js_budget.py
"""

import gzip
import json
import re
import sys
from pathlib import Path

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"
BUDGET_BYTES = 60 * 1024
# `import x from '...'`, `import '...'`, `export ... from '...'`; not `import('...')`.
STATIC_IMPORT = re.compile(
    r"""(?:^|[;\s}])(?:import|export)\s*(?:[\w*{}\s,$]+\sfrom\s*)?["']([^"']+)["']""", re.M
)


def import_map(index: str) -> dict[str, str]:
    block = re.search(r'<script type="importmap">(.*?)</script>', index, re.S)
    return json.loads(block.group(1))["imports"] if block else {}


def entry_points(index: str) -> list[str]:
    return re.findall(r'<script type="module" src="([^"]+)"', index)


def resolve(specifier: str, importer: str, imports: dict[str, str]) -> str:
    if specifier in imports:
        return imports[specifier]
    if specifier.startswith("/"):
        return specifier
    base = importer.rsplit("/", 1)[0]
    parts: list[str] = []
    for part in f"{base}/{specifier}".split("/"):
        if part == "..":
            parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/" + "/".join(parts)


def file_of(url: str) -> Path:
    return FRONTEND / url.lstrip("/")


def initial_modules() -> dict[str, int]:
    """URL -> gzipped size of every module loaded before the first page shows."""
    index = (FRONTEND / "index.html").read_text()
    imports = import_map(index)
    seen: dict[str, int] = {}
    todo = list(entry_points(index))
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        source = file_of(url).read_bytes()
        seen[url] = len(gzip.compress(source, compresslevel=9))
        for specifier in STATIC_IMPORT.findall(source.decode()):
            todo.append(resolve(specifier, url, imports))
    return seen


def main() -> int:
    modules = initial_modules()
    total = sum(modules.values())
    for url, size in sorted(modules.items(), key=lambda item: -item[1]):
        print(f"{size / 1024:7.1f} KB  {url}")
    print(
        f"{total / 1024:7.1f} KB  initial JavaScript, gzipped ({len(modules)} modules); "
        f"budget {BUDGET_BYTES // 1024} KB"
    )
    return 0 if total <= BUDGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Finds file-level import circles in a crate's src/ (ARCHITECTURE.md: "no file-level import circles").

A file depends on another when it names a path into that module (`use crate::a::b`, `super::x`,
`crate::a::f()` in code). Declaring a child with `mod`, or re-exporting it from its parent
(`pub use child::X`, a facade), is not a dependency: only real references are. Files under `src/bin/` are skipped (a binary is a leaf).
Usage: ci/import-cycles.py CRATE_DIR... (exit status 1 when a circle exists).
"""
import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\};", re.S)


def module_of(src: Path, file: Path) -> list[str]:
    rel = file.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def resolve(base: list[str], head: str, tail: list[str], here: list[str]) -> list[str]:
    if head == "crate":
        return tail
    if head == "self":
        return here + tail
    parent = here[:-1]
    while tail and tail[0] == "super":
        parent, tail = parent[:-1], tail[1:]
    return parent + tail


FACADE = re.compile(r"\bpub(?:\([a-z]+\))?\s+use\s+(?:self::)?([a-z_][a-z0-9_]*)::([^;]*);", re.S)


def graph(src: Path) -> dict[str, set[str]]:
    files = {}
    for f in src.rglob("*.rs"):
        if "bin" in f.relative_to(src).parts:
            continue
        files[tuple(module_of(src, f))] = f
    texts = {mod: strip_comments(f.read_text()) for mod, f in files.items()}
    # A parent's `pub use child::X` (a facade) is not a dependency of the parent; a reference to
    # `parent::X` is a dependency of the child that defines X (every child, for a glob).
    facades: dict[tuple, dict[str, list[tuple]]] = {}
    for mod, text in texts.items():
        names: dict[str, list[tuple]] = {}

        def drop(m, mod=mod, names=names):
            child = tuple(list(mod) + [m.group(1)])
            if child not in files:
                return m.group(0)
            items = re.split(r"[,{}\s]+", m.group(2))
            for item in items:
                if not item or item == "self":
                    continue
                name = item.split("::")[-1]
                names.setdefault(name, []).append(child)
            return ""

        texts[mod] = FACADE.sub(drop, text)
        facades[mod] = names
    edges: dict[str, set[str]] = {}
    for mod, text in texts.items():
        here = list(mod)
        targets = []
        for m in USE_GROUP.finditer(text):
            base = [p for p in m.group(2).split("::") if p]
            for item in re.split(r"[,{}\s]+", m.group(3)):
                item = item.split("::")[0]
                if item and item not in ("self", "as"):
                    targets.append(resolve([], m.group(1), base + [item], here))
            targets.append(resolve([], m.group(1), base, here))
        # `use child::x` names a child module relative to this one.
        for m in re.finditer(r"\buse\s+([a-z_][a-z0-9_]*)::", text):
            if m.group(1) not in ("crate", "super", "self", "std", "core", "alloc"):
                targets.append(here + [m.group(1)])
        for m in PATH.finditer(text):
            tail = [p for p in m.group(2).split("::") if p]
            targets.append(resolve([], m.group(1), tail, here))
        deps = set()
        for t in targets:
            # the longest prefix that is a file of its own, seen through its facade
            for n in range(len(t), -1, -1):
                if tuple(t[:n]) in files:
                    target = tuple(t[:n])
                    break
            else:
                continue
            found = [target]
            if n < len(t):
                facade = facades.get(target, {})
                found = facade.get(t[n]) or facade.get("*") or [target]
            for f in found:
                if f != mod and f != ():
                    deps.add("::".join(f))
        edges["::".join(mod) or "(root)"] = deps
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, seen = [], set()
    for start in sorted(edges):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(edges.get(node, ())):
                if nxt == start:
                    key = frozenset(path)
                    if key not in seen:
                        seen.add(key)
                        found.append(path + [start])
                elif nxt not in path and nxt > start:
                    stack.append((nxt, path + [nxt]))
    return found


def main() -> int:
    bad = 0
    for crate in sys.argv[1:]:
        for circle in cycles(graph(Path(crate) / "src")):
            print(f"{crate}: " + " -> ".join(circle))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

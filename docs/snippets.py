#!/usr/bin/env python3
"""Refresh the code blocks that follow `<!-- snippet: FILE#REGION -->` in docs/*.md from their
compiled sources (a convenience for writers; the docs_snippets test checks the result)."""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
pattern = re.compile(r"(<!-- snippet: ([^#]+)#(\S+) -->\n)```cpp\n.*?```", re.S)

def region(file, name):
    src = (root / file).read_text()
    begin = src.index(f"// [{name}]\n") + len(f"// [{name}]\n")
    end = src.index(f"// [/{name}]")
    return src[begin:end].rstrip(" ")

for doc in list((root / "docs").glob("*.md")) + [root / "README.md"]:
    text = doc.read_text()
    new = pattern.sub(lambda m: m.group(1) + "```cpp\n" + region(m.group(2), m.group(3)) + "```", text)
    if new != text:
        doc.write_text(new)
        print("updated", doc.relative_to(root), file=sys.stderr)

#!/usr/bin/env python3
"""Rebuilds the word lists here from their sources (see README.md).

Each output is UTF-8, NFC, lower case, one entry a line, no duplicates, sorted by bytes (as `LC_ALL=C sort`):
Balie searches the files by bisection straight from a memory map, with no index built at start.

    python3 make.py DJANGO_COMMON_PASSWORDS_TXT_GZ /usr/share/dict/dutch /usr/share/dict/american-english
"""
import gzip
import sys
import unicodedata


def write(name: str, lines) -> None:
    words = {unicodedata.normalize("NFC", line.strip()).lower() for line in lines}
    words.discard("")
    with open(name, "wb") as out:
        out.write(b"".join(word + b"\n" for word in sorted(word.encode() for word in words)))
    print(f"{name}: {len(words)} entries")


def main() -> None:
    common, dutch, english = sys.argv[1:4]
    with gzip.open(common, "rt", encoding="utf-8") as f:
        write("common-passwords.txt", f)
    with open(dutch, encoding="utf-8") as f:
        write("dutch.txt", f)
    with open(english, encoding="utf-8") as f:
        write("english.txt", f)


if __name__ == "__main__":
    main()

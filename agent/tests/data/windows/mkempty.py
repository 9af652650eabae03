#!/usr/bin/env python3
"""Writes an empty registry hive (regf 1.3, one root key, nothing else) to the path given.

It is the base that `hivexregedit --merge` fills in `make-hives.sh`: hivex can edit hives but not create
one, and the empty hives other projects ship are under licences we do not copy. Layout per Maxim Suhanov's
"Windows registry file format specification": a 4096-byte base block, then one 4096-byte hive bin holding
the root key node (`nk`), its security cell (`sk`, a self-relative descriptor without a DACL) and one free
cell. Every byte is fixed (timestamps included), so the output is reproducible.
"""

import struct
import sys

# 2026-11-25 00:00:00 UTC as a Windows FILETIME (100 ns units since 1601-01-01).
FILETIME = (1_795_564_800 + 11_644_473_600) * 10_000_000
ROOT_NAME = b"ROOT"
NO_CELL = 0xFFFFFFFF


def cell(payload: bytes) -> bytes:
    """An allocated cell: negative size (including the size field), padded to 8 bytes."""
    size = (len(payload) + 4 + 7) // 8 * 8
    return struct.pack("<i", -size) + payload + b"\0" * (size - 4 - len(payload))


def main(path: str) -> None:
    nk_offset = 0x20  # relative to the first hive bin, just after its 32-byte header
    nk_len = len(cell(b"\0" * (0x4C + len(ROOT_NAME))))
    sk_offset = nk_offset + nk_len

    nk = struct.pack(
        "<2sHQIIIIIIIIIIIIIIIHH",
        b"nk",
        0x002C,  # KEY_HIVE_ENTRY | KEY_NO_DELETE | KEY_COMP_NAME
        FILETIME,
        0,  # access bits
        0,  # parent (none for the root)
        0,  # subkeys
        0,  # volatile subkeys
        NO_CELL,  # subkey list
        NO_CELL,  # volatile subkey list
        0,  # values
        NO_CELL,  # value list
        sk_offset,
        NO_CELL,  # class name
        0, 0, 0, 0,  # largest subkey name, class name, value name, value data
        0,  # work var
        len(ROOT_NAME),
        0,  # class name length
    ) + ROOT_NAME
    # Self-relative security descriptor: revision 1, control SE_SELF_RELATIVE, no owner/group/SACL/DACL.
    descriptor = struct.pack("<BBHIIII", 1, 0, 0x8000, 0, 0, 0, 0)
    sk = struct.pack("<2sHIIII", b"sk", 0, sk_offset, sk_offset, 1, len(descriptor)) + descriptor

    cells = cell(nk) + cell(sk)
    free = 4096 - 0x20 - len(cells)
    hbin = struct.pack("<4sIIQQI", b"hbin", 0, 4096, 0, FILETIME, 0) + cells + struct.pack("<i", free)
    hbin += b"\0" * (4096 - len(hbin))

    base = bytearray(4096)
    struct.pack_into("<4sIIQIIIIIII", base, 0, b"regf", 1, 1, FILETIME, 1, 3, 0, 1, nk_offset, 4096, 1)
    name = "\\ROOT\\sunset-test-hive".encode("utf-16-le")[:64]
    base[0x30 : 0x30 + len(name)] = name
    checksum = 0
    for (word,) in struct.iter_unpack("<I", bytes(base[:0x1FC])):
        checksum ^= word
    checksum = {0: 1, 0xFFFFFFFF: 0xFFFFFFFE}.get(checksum, checksum)
    struct.pack_into("<I", base, 0x1FC, checksum)

    with open(path, "wb") as out:
        out.write(bytes(base) + hbin)


if __name__ == "__main__":
    main(sys.argv[1])

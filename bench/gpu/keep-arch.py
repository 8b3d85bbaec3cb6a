#!/usr/bin/env python3
"""Keeps one GPU architecture's code in a CUDA library's fat binaries, so that the library compresses to a size that
travels: each fat binary is rewritten in place with only the entries for that architecture (its PTX or machine code)
at its start, its header's size shrunk to them, and the rest zeroed. Offsets and sizes in the ELF are unchanged.

With --ptx-isa X.Y the kept PTX also declares that PTX ISA version (the PTX is zstd-compressed in the fat binary:
decompressed, its .version line rewritten, compressed again): the npm build's PTX says 9.1 (CUDA 13.1), which a CUDA
13.0 driver (580) refuses to compile ("the provided PTX was compiled with an unsupported toolchain"), though nothing
in it needs more than 9.0.

Usage: keep-arch.py LIBRARY ARCH [--ptx-isa X.Y]   (ARCH as the fat binary names it: 90 for sm_90/compute_90)
"""
import re
import struct
import subprocess
import sys

FATBIN_MAGIC = 0xBA55ED50
HEADER = struct.Struct('<IHHQ')          # magic, version, header size, size of the entries that follow
ENTRY = struct.Struct('<HHIQ')           # kind (1 PTX, 2 ELF), version, header size, payload size
ARCH_OFFSET = 28                         # the entry header's architecture field, e.g. 90
STORED_SIZE_OFFSET = 16                  # the payload's own length, before padding to 8 bytes
FLAGS_OFFSET = 40
UNCOMPRESSED_SIZE_OFFSET = 56
ZSTD_FLAG = 0x8000
PTX = 1


def fat_binaries(data):
    position = 0
    magic = struct.pack('<I', FATBIN_MAGIC)
    while (start := data.find(magic, position)) >= 0:
        _, _, header_size, size = HEADER.unpack_from(data, start)
        if header_size == HEADER.size and 0 < size and start + header_size + size <= len(data):
            yield start, size
            position = start + header_size + size
        else:
            position = start + 4


def entries(data, start, size):
    entry = start + HEADER.size
    while entry < start + HEADER.size + size:
        kind, _, header_size, payload = ENTRY.unpack_from(data, entry)
        arch, = struct.unpack_from('<I', data, entry + ARCH_OFFSET)
        yield entry, header_size + payload, kind, arch
        entry += header_size + payload


def with_ptx_isa(entry, isa):
    """The entry (header and payload) with its PTX's .version set to isa, compressed again as it was."""
    header_size, = struct.unpack_from('<I', entry, 4)
    stored, = struct.unpack_from('<I', entry, STORED_SIZE_OFFSET)
    flags, = struct.unpack_from('<Q', entry, FLAGS_OFFSET)
    if not flags & ZSTD_FLAG:
        sys.exit(f'keep-arch: a PTX entry is not zstd-compressed (flags {flags:#x}); --ptx-isa does not know its format')
    ptx = subprocess.run(['zstd', '-dcq'], input=entry[header_size:header_size + stored], capture_output=True, check=True).stdout
    ptx, count = re.subn(rb'^\.version [0-9]+\.[0-9]+', b'.version ' + isa.encode(), ptx, count=1, flags=re.M)
    if count != 1:
        sys.exit('keep-arch: a PTX entry has no .version line')
    packed = subprocess.run(['zstd', '-12', '-cq', f'--stream-size={len(ptx)}'], input=ptx, capture_output=True, check=True).stdout
    padded = packed + bytes(-len(packed) % 8)
    header = bytearray(entry[:header_size])
    struct.pack_into('<Q', header, 8, len(padded))
    struct.pack_into('<I', header, STORED_SIZE_OFFSET, len(packed))
    struct.pack_into('<Q', header, UNCOMPRESSED_SIZE_OFFSET, len(ptx))
    return bytes(header) + padded


def main(path, arch, ptx_isa=None):
    data = bytearray(open(path, 'rb').read())
    rewritten = kept_bytes = 0
    for start, size in list(fat_binaries(data)):
        kept = [bytes(data[entry:entry + length]) for entry, length, _, entry_arch in entries(data, start, size) if entry_arch == arch]
        if ptx_isa:
            kept = [with_ptx_isa(entry, ptx_isa) if struct.unpack_from('<H', entry)[0] == PTX else entry for entry in kept]
        if not kept:
            sys.exit(f'keep-arch: a fat binary at {start:#x} has no code for architecture {arch}; keeping it would fail at load')
        body = b''.join(kept)
        if len(body) > size:
            sys.exit(f'keep-arch: the kept entries of the fat binary at {start:#x} outgrew it')
        region = slice(start + HEADER.size, start + HEADER.size + size)
        data[region] = body + bytes(size - len(body))
        struct.pack_into('<Q', data, start + 8, len(body))
        rewritten += 1
        kept_bytes += len(body)
    if rewritten == 0:
        sys.exit(f'keep-arch: no fat binary found in {path}')
    open(path, 'wb').write(data)
    print(f'keep-arch: {path}: {rewritten} fat binaries, {kept_bytes / 2**20:.1f} MiB of architecture {arch} kept', file=sys.stderr)


if __name__ == '__main__':
    if len(sys.argv) == 3:
        main(sys.argv[1], int(sys.argv[2]))
    elif len(sys.argv) == 5 and sys.argv[3] == '--ptx-isa':
        main(sys.argv[1], int(sys.argv[2]), sys.argv[4])
    else:
        sys.exit(__doc__)

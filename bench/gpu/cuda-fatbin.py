#!/usr/bin/env python3
"""Rewrites the fat binaries (the GPU code) inside a CUDA library in place; offsets and sizes in the ELF are unchanged.

--ptx-isa X.Y  every PTX entry declares that PTX ISA version. The npm build of llama.cpp (node-llama-cpp 3.22.1)
               ships machine code only for sm_86, 89, 120 and 121, and PTX for compute_75, 80 and 90 that says ISA 9.1
               (CUDA 13.1). A100, H100 and H200 run that PTX, compiled by the driver, and a CUDA 13.0 driver (R580)
               refuses it ("the provided PTX was compiled with an unsupported toolchain") and llama.cpp aborts, though
               nothing in it needs more than 9.0: relabelled, it ran on an H200 with driver 580 (docs/benchmarks.md).
               The PTX is zstd-compressed in the fat binary: decompressed, its .version line rewritten, compressed again.
               Compressed again, some PTX comes out larger than nvcc left it, so relabelling every architecture in
               place does not fit; with --keep-arch it does.
--keep-arch N  keeps only architecture N's entries (90: sm_90 machine code or compute_90 PTX), moved to the start of
               each fat binary, whose header then counts only them; the rest is zeroed, so the library compresses to
               a size that travels (bench/gpu/pack.sh).

Usage: cuda-fatbin.py LIBRARY [--ptx-isa X.Y] [--keep-arch N]    (needs the zstd command)
"""
import argparse
import re
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

FATBIN_MAGIC = 0xBA55ED50
HEADER = struct.Struct('<IHHQ')          # magic, version, header size, size of the entries that follow
ENTRY = struct.Struct('<HHIQ')           # kind (1 PTX, 2 ELF), version, header size, payload size (padded to 8)
STORED_SIZE_OFFSET = 16                  # the payload's own length, before the padding
ARCH_OFFSET = 28                         # e.g. 90
FLAGS_OFFSET = 40
UNCOMPRESSED_SIZE_OFFSET = 56
ZSTD_FLAG = 0x8000
PTX = 1


def fat_binaries(data):
    """(start, size of the entries) of each fat binary in the file."""
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
    """The entries (header and payload, as bytes) of the fat binary at start."""
    entry = start + HEADER.size
    while entry < start + HEADER.size + size:
        _, _, header_size, payload = ENTRY.unpack_from(data, entry)
        yield bytes(data[entry:entry + header_size + payload])
        entry += header_size + payload


def kind(entry):
    return struct.unpack_from('<H', entry)[0]


def arch(entry):
    return struct.unpack_from('<I', entry, ARCH_OFFSET)[0]


def with_ptx_isa(entry, isa):
    """The PTX entry with its .version set to isa, compressed again as it was."""
    header_size, = struct.unpack_from('<I', entry, 4)
    stored, = struct.unpack_from('<I', entry, STORED_SIZE_OFFSET)
    flags, = struct.unpack_from('<Q', entry, FLAGS_OFFSET)
    if not flags & ZSTD_FLAG:
        raise SystemExit(f'cuda-fatbin: a PTX entry is not zstd-compressed (flags {flags:#x}); its format is unknown here')
    ptx = subprocess.run(['zstd', '-dcq'], input=entry[header_size:header_size + stored], capture_output=True, check=True).stdout
    ptx, count = re.subn(rb'^\.version [0-9]+\.[0-9]+', b'.version ' + isa.encode(), ptx, count=1, flags=re.M)
    if count != 1:
        raise SystemExit('cuda-fatbin: a PTX entry has no .version line')
    packed = subprocess.run(['zstd', '-19', '-cq', f'--stream-size={len(ptx)}'], input=ptx, capture_output=True, check=True).stdout
    padded = packed + bytes(-len(packed) % 8)
    header = bytearray(entry[:header_size])
    struct.pack_into('<Q', header, 8, len(padded))
    struct.pack_into('<I', header, STORED_SIZE_OFFSET, len(packed))
    struct.pack_into('<Q', header, UNCOMPRESSED_SIZE_OFFSET, len(ptx))
    return bytes(header) + padded


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('library')
    parser.add_argument('--ptx-isa')
    parser.add_argument('--keep-arch', type=int)
    options = parser.parse_args()
    if options.ptx_isa is None and options.keep_arch is None:
        parser.error('nothing to do: give --ptx-isa, --keep-arch or both')

    data = bytearray(open(options.library, 'rb').read())
    binaries = list(fat_binaries(data))
    if not binaries:
        raise SystemExit(f'cuda-fatbin: no fat binary in {options.library}')
    kept = []
    for start, size in binaries:
        chosen = [e for e in entries(data, start, size) if options.keep_arch is None or arch(e) == options.keep_arch]
        if not chosen:
            raise SystemExit(f'cuda-fatbin: the fat binary at {start:#x} has no code for architecture {options.keep_arch}')
        kept.append(chosen)
    if options.ptx_isa:
        # One zstd process per PTX entry: a few hundred, run side by side.
        with ThreadPoolExecutor() as pool:
            kept = [list(pool.map(lambda e: with_ptx_isa(e, options.ptx_isa) if kind(e) == PTX else e, chosen)) for chosen in kept]

    for (start, size), chosen in zip(binaries, kept):
        body = b''.join(chosen)
        if len(body) > size:
            raise SystemExit(f'cuda-fatbin: the rewritten fat binary at {start:#x} outgrew its place')
        data[start + HEADER.size:start + HEADER.size + size] = body + bytes(size - len(body))
        struct.pack_into('<Q', data, start + 8, len(body))
    open(options.library, 'wb').write(data)
    entry_count = sum(len(chosen) for chosen in kept)
    print(f'cuda-fatbin: {options.library}: {len(binaries)} fat binaries, {entry_count} entries'
          + (f' of architecture {options.keep_arch}' if options.keep_arch is not None else '')
          + (f', PTX relabelled ISA {options.ptx_isa}' if options.ptx_isa else ''), file=sys.stderr)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""hostile.py -- writes the hostile inputs the limits tests feed to bulwark,
with nothing but zlib and struct, and measures a command's peak memory.

  hostile.py png-bomb OUT KIND MIB       64x64 PNG whose KIND (zTXt, iTXt or
                                        iCCP) chunk inflates to MIB MiB
  hostile.py png16 OUT W H              16-bit grey W x H PNG of zero rows
  hostile.py clean OUT                  a benign 256x256 RGB pattern PNG
  hostile.py chunky IN OUT FORM         IN with ancillary chunks added:
                                        text1001, ztxt5000, itxt2000,
                                        private20m, splt1500, unknown3000
  hostile.py jpeg OUT W H SCANS [C [refine]]
                                        progressive JPEG of W x H zero blocks
                                        (C 1 grey, 3 YCbCr 4:2:0): a DC scan,
                                        then SCANS-1 AC scans (EOB runs; with
                                        refine, refinement scans after the
                                        first of each component)
  hostile.py peak OUTFILE -- CMD...     run CMD, write "PEAK_KB SECONDS RC
                                        CPU_SECONDS" to OUTFILE (peak RSS and
                                        CPU time from wait4)
"""
import os
import struct
import sys
import time
import zlib


def chunk(typ, data):
    typ = typ.encode() if isinstance(typ, str) else typ
    return struct.pack(">I", len(data)) + typ + data + struct.pack(
        ">I", zlib.crc32(typ + data) & 0xFFFFFFFF)


SIG = b"\x89PNG\r\n\x1a\n"


def ihdr(w, h, depth, colour):
    return chunk("IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0))


def zeros_deflated(nbytes):
    """A zlib stream of nbytes zero bytes, compressed as tightly as zlib can."""
    c = zlib.compressobj(9)
    block = bytes(16 << 20)
    out = []
    left = nbytes
    while left > 0:
        n = min(left, len(block))
        out.append(c.compress(block[:n] if n < len(block) else block))
        left -= n
    out.append(c.flush())
    return b"".join(out)


def png_bomb(path, kind, mib):
    z = zeros_deflated(mib << 20)
    if kind == "zTXt":
        extra = chunk("zTXt", b"Comment\x00\x00" + z)
    elif kind == "iTXt":
        extra = chunk("iTXt", b"Comment\x00\x01\x00\x00\x00" + z)
    elif kind == "iCCP":
        extra = chunk("iCCP", b"icc\x00\x00" + z)
    else:
        raise SystemExit("unknown bomb kind " + kind)
    rows = b"".join(b"\x00" + bytes((x * 4 + y) & 255 for x in range(64)) for y in range(64))
    with open(path, "wb") as f:
        f.write(SIG + ihdr(64, 64, 8, 0) + extra + chunk("IDAT", zlib.compress(rows)) +
                chunk("IEND", b""))


def png16(path, w, h):
    c = zlib.compressobj(9)
    row = bytes(1 + 2 * w)
    parts = [c.compress(row) for _ in range(h)]
    parts.append(c.flush())
    data = b"".join(parts)
    with open(path, "wb") as f:
        f.write(SIG + ihdr(w, h, 16, 0))
        for i in range(0, len(data), 1 << 20):
            f.write(chunk("IDAT", data[i:i + (1 << 20)]))
        f.write(chunk("IEND", b""))


def clean(path):
    w = h = 256
    rows = []
    for y in range(h):
        r = bytearray(b"\x00")
        for x in range(w):
            ring = ((x - 128) ** 2 + (y - 100) ** 2) // 300
            r += bytes(((x + ring * 20) & 255, (y * 3 // 4 + ring * 7) & 255,
                        ((x ^ y) + ring * 40) & 255))
        rows.append(bytes(r))
    with open(path, "wb") as f:
        f.write(SIG + ihdr(w, h, 8, 2) + chunk("IDAT", zlib.compress(b"".join(rows), 9)) +
                chunk("IEND", b""))


def chunks_of(data):
    assert data[:8] == SIG
    pos = 8
    while pos < len(data):
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        yield data[pos + 4:pos + 8], data[pos:pos + 12 + n]
        pos += 12 + n


def chunky(src, dst, form):
    with open(src, "rb") as f:
        data = f.read()
    before, after = [], []
    if form == "text1001":
        before = [chunk("tEXt", b"Comment\x00note %d" % i) for i in range(1001)]
    elif form == "ztxt5000":
        before = [chunk("zTXt", b"Comment\x00\x00" + zlib.compress(b"note %d" % i))
                  for i in range(5000)]
    elif form == "itxt2000":
        before = [chunk("iTXt", b"Comment\x00\x01\x00en\x00Kommentar\x00" +
                        zlib.compress("note %d \u00e9".encode() % i)) for i in range(1500)]
        after = [chunk("iTXt", b"Comment\x00\x00\x00\x00\x00plain note %d" % i)
                 for i in range(500)]
    elif form == "private20m":
        before = [chunk("prVt", bytes(20 << 20))]
    elif form == "splt1500":
        before = [chunk("sPLT", b"pal%d\x00\x08" % i + bytes(6 * 16)) for i in range(1500)]
    elif form == "unknown3000":
        before = [chunk("xbWk", b"x" * 100) for _ in range(1500)]
        after = [chunk("xaFt", b"y" * 100) for _ in range(1500)]
    else:
        raise SystemExit("unknown form " + form)
    out = [SIG]
    for typ, raw in chunks_of(data):
        if typ == b"IDAT" and before:
            out += before
            before = []
        if typ == b"IEND":
            out += after
        out.append(raw)
    with open(dst, "wb") as f:
        f.write(b"".join(out))


class Bits:
    """An entropy-coded segment: bits MSB first, 0xFF stuffed, 1-padded."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, nbits):
        self.acc = (self.acc << nbits) | value
        self.n += nbits
        while self.n >= 8:
            self.n -= 8
            b = (self.acc >> self.n) & 255
            self.out.append(b)
            if b == 0xFF:
                self.out.append(0)
        self.acc &= (1 << self.n) - 1

    def zeros(self, nbits):
        # Fast path for long runs of 0 bits (the DC scan).
        while nbits and self.n:
            self.put(0, 1)
            nbits -= 1
        self.out += bytes(nbits // 8)
        if nbits % 8:
            self.put(0, nbits % 8)

    def done(self):
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)
        return bytes(self.out)


def seg(marker, payload):
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def eob_runs(blocks):
    """An AC scan's data: EOB runs (symbol 0xE0, code "0") over every block."""
    b = Bits()
    left = blocks
    while left:
        run = min(left, 32767)
        if left - run and left - run < 16384:
            run = left - 16384
        b.put(0, 1)
        b.put(run - 16384, 14)
        left -= run
    return b.done()


def jpeg(path, w, h, scans, comps=1, refine=False):
    """comps 1: grey; 3: YCbCr 4:2:0, the AC scans taking Y, Cb, Cr in turn.
    refine: the AC scans after the first are refinement scans (Ah 1, Al 0),
    which libjpeg walks all 63 coefficients of every block for."""
    cdiv = lambda n, d: (n + d - 1) // d
    out = bytearray(b"\xff\xd8")
    out += seg(0xDB, b"\x00" + bytes([1] * 64))                       # DQT 0, all ones
    if comps == 1:
        out += seg(0xC2, struct.pack(">BHHB", 8, h, w, 1) + b"\x01\x11\x00")  # SOF2, grey
        dc_bits = cdiv(w, 8) * cdiv(h, 8)
        ac_blocks = [cdiv(w, 8) * cdiv(h, 8)]
    else:
        out += seg(0xC2, struct.pack(">BHHB", 8, h, w, 3) +
                   b"\x01\x22\x00\x02\x11\x00\x03\x11\x00")
        dc_bits = cdiv(w, 16) * cdiv(h, 16) * 6         # 4 Y + Cb + Cr a MCU
        ac_blocks = [cdiv(w, 8) * cdiv(h, 8)] + [cdiv(w, 16) * cdiv(h, 16)] * 2
    # DC table 0: one symbol (0: no difference), code "0".
    out += seg(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00")
    # AC table 0: one symbol 0xE0 (EOB run of 2^14 + 14 bits), code "0".
    out += seg(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\xe0")
    # The DC scan (all components): one 0 bit per block.
    out += seg(0xDA, bytes([comps]) + b"".join(bytes([c + 1, 0]) for c in range(comps)) +
               b"\x00\x00\x00")
    b = Bits()
    b.zeros(dc_bits)
    out += b.done()
    # The AC scans, all alike per component: EOB runs covering every block.
    first = [seg(0xDA, bytes([1, c + 1, 0, 1, 63, 1 if refine else 0])) + eob_runs(n)
             for c, n in enumerate(ac_blocks)]
    again = [seg(0xDA, bytes([1, c + 1, 0, 1, 63, 0x10])) + eob_runs(n)
             for c, n in enumerate(ac_blocks)] if refine else first
    for i in range(scans - 1):
        out += (first if i < comps else again)[i % comps]
    out += b"\xff\xd9"
    with open(path, "wb") as f:
        f.write(out)


def peak(outfile, cmd):
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    rc = os.waitstatus_to_exitcode(status)
    with open(outfile, "w") as f:
        f.write("%d %.2f %d %.2f\n" % (ru.ru_maxrss, time.monotonic() - t0, rc,
                                        ru.ru_utime + ru.ru_stime))


def main(a):
    if a[0] == "png-bomb":
        png_bomb(a[1], a[2], int(a[3]))
    elif a[0] == "png16":
        png16(a[1], int(a[2]), int(a[3]))
    elif a[0] == "clean":
        clean(a[1])
    elif a[0] == "chunky":
        chunky(a[1], a[2], a[3])
    elif a[0] == "jpeg":
        jpeg(a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]) if len(a) > 5 else 1,
             len(a) > 6 and a[6] == "refine")
    elif a[0] == "peak":
        assert a[2] == "--"
        peak(a[1], a[3:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

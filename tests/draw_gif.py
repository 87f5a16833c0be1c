# tests/draw_gif.py OUT -- writes a small benign GIF drawn here (16x16, two
# colours in stripes), for tests that need a GIF without an encoder: one
# LZW image with minimum code size 7 and a clear code before every pixel,
# which is always valid.
import struct
import sys

w, h = 16, 16
gif = b"GIF89a" + struct.pack("<HHBBB", w, h, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
gif += b"\x2c" + struct.pack("<HHHHB", 0, 0, w, h, 0)
codes = []
for i in range(w * h):
    codes += [128, (i // 3) % 2]
codes.append(129)
bits, nbits, out = 0, 0, bytearray()
for c in codes:
    bits |= c << nbits
    nbits += 8
    while nbits >= 8:
        out.append(bits & 0xff)
        bits >>= 8
        nbits -= 8
if nbits:
    out.append(bits & 0xff)
data = bytearray([7])
for i in range(0, len(out), 255):
    chunk = out[i:i + 255]
    data += bytes([len(chunk)]) + chunk
gif += bytes(data) + b"\x00\x3b"
open(sys.argv[1], "wb").write(gif)

# SPDX-License-Identifier: GPL-2.0
# png_stats.py FILE: decode an 8-bit RGB(A) PNG with zlib alone and print its ink, blue and
# orange pixel counts, so a test can tell a rendered plot from a blank picture.
import struct, sys, zlib

data = open(sys.argv[1], 'rb').read()
if data[:8] != b'\x89PNG\r\n\x1a\n':
    sys.exit('not a PNG')
pos, idat = 8, b''
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    pos += 12 + n
    if kind == b'IHDR':
        w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
    elif kind == b'IDAT':
        idat += body
if depth != 8 or interlace or ctype not in (2, 6):
    sys.exit('unexpected PNG layout')
bpp = 4 if ctype == 6 else 3
raw, stride, i = zlib.decompress(idat), w * bpp, 0
prev = bytearray(stride)
ink = blue = orange = 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1:
            line[x] = (line[x] + a) & 255
        elif f == 2:
            line[x] = (line[x] + b) & 255
        elif f == 3:
            line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        r, g, bl = line[x], line[x + 1], line[x + 2]
        if bpp == 4 and line[x + 3] < 128:
            continue
        if min(r, g, bl) < 235:
            ink += 1
        if bl > r + 30 and bl > 150:
            blue += 1
        if r > 220 and bl < r - 50 and g > bl:
            orange += 1
    prev = line
print(w, h, ink, blue, orange)

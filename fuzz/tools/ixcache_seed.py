#!/usr/bin/env python3
"""fuzz/tools/ixcache_seed.py OUT_DIR -- seeds for fuzz_ixcache: index cache
files (src/lib/match/index_cache.h's layout) of the store "0"*32, written
from that description: every kind, none, a list named (refused: other
lists), another store (refused), and cut or altered copies."""
import hashlib, os, struct, sys

def u64(v): return struct.pack('<Q', v)

def cache(store='0' * 32, lists=(), ids=(1, 2), kinds=(2, 1, 1, 1)):
    b = b'bulwark-ixcache1' + store.encode()
    b += u64(len(lists)) + b''.join(u64(len(n)) + n.encode() for n in lists)
    b += u64(len(ids)) + b''.join(u64(i) for i in ids)
    for k, n in enumerate(kinds):
        size = (32, 16, 20, 32)[k]
        b += u64(n) + b''.join(hashlib.sha256(b'seed-%d-%d' % (k, i)).digest()[:size] for i in range(n))
    return b + hashlib.sha256(b).digest()

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
good = cache()
seeds = {
    'all-kinds': good,
    'empty': cache(ids=(), kinds=(0, 0, 0, 0)),
    'pdq-only': cache(kinds=(40, 0, 0, 0)),
    'a-list': cache(lists=('BIG',)),
    'other-store': cache(store='f' * 32),
    'ids-unsorted': cache(ids=(5, 3)),
    'cut-half': good[:len(good) // 2],
    'bad-sum': good[:-1] + bytes([good[-1] ^ 1]),
    'huge-count': good[:48] + u64(1 << 62) + good[56:],
}
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)

#!/usr/bin/env python3
"""conns.py -- many connections at once against `bulwark serve`, for
tests/server/conn.sh (the standard library only: asyncio, sockets).

  conns.py storm PORT N TARGET      N connections opened together, each
        sending one complete GET TARGET (Connection: close) and reading the
        whole reply; prints JSON {"status": {"200": n, ...}, "no_retry_after":
        n (503s without Retry-After), "errors": n, "seconds": s}
  conns.py idle PORT N READY DONE   N connections opened and held without a
        byte sent; writes JSON {"open": n, "closed_at_once": n} to READY once
        they are open (a connection the server closed within 0.5 s counts as
        closed_at_once), then holds them until the file DONE exists (60 s at
        most) and prints {"still_open": n}
  conns.py slow PORT HEAD           sends a request one byte a second (the
        HEAD bytes at once first, then the rest) and prints JSON {"seconds": s,
        "reply": the bytes it got back, "sent": bytes sent} once the server
        answers or closes
"""
import asyncio
import json
import os
import select
import socket
import sys
import time


async def one(port, target, results):
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
        w.write(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                % target.encode())
        await w.drain()
        data = await asyncio.wait_for(r.read(), 30)
        w.close()
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        status = head[0].split(" ")[1] if head and head[0].startswith("HTTP/1.1 ") else "none"
        results["status"][status] = results["status"].get(status, 0) + 1
        if status == "503" and not any(h.lower().startswith("retry-after:") for h in head[1:]):
            results["no_retry_after"] += 1
    except (OSError, asyncio.TimeoutError, IndexError):
        results["errors"] += 1


async def storm(port, n, target):
    results = {"status": {}, "no_retry_after": 0, "errors": 0}
    t0 = time.monotonic()
    await asyncio.gather(*(one(port, target, results) for _ in range(n)))
    results["seconds"] = round(time.monotonic() - t0, 2)
    print(json.dumps(results))


def idle(port, n, ready, done):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
    time.sleep(0.5)

    def alive(s):
        try:
            return s.recv(1, socket.MSG_PEEK) != b""
        except BlockingIOError:
            return True
        except OSError:
            return False
    open_now = [s for s in socks if alive(s)]
    with open(ready + ".tmp", "w") as f:
        json.dump({"open": len(open_now), "closed_at_once": n - len(open_now)}, f)
    os.rename(ready + ".tmp", ready)
    t0 = time.monotonic()
    while not os.path.exists(done) and time.monotonic() - t0 < 60:
        time.sleep(0.05)
    print(json.dumps({"still_open": sum(1 for s in open_now if alive(s))}))


def slow(port, head):
    rest = b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100 + b"\r\n\r\n"
    head = head.encode().decode("unicode_escape").encode("latin-1")
    if head:
        rest = head + b"X-Slow: " + b"a" * 100 + b"\r\n\r\n"
    s = socket.create_connection(("127.0.0.1", port))
    t0 = time.monotonic()
    got = b""
    t1 = None
    s.sendall(rest[:len(head)])
    sent = len(head)
    try:
        for b in rest[len(head):]:
            s.sendall(bytes([b]))
            sent += 1
            # a second until the next byte, unless the server answers first
            if select.select([s], [], [], 1.0)[0]:
                break
        t1 = time.monotonic()
        s.settimeout(5)
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except (EOFError, OSError):
        pass
    print(json.dumps({"seconds": round((t1 or time.monotonic()) - t0, 2),
                      "reply": got.decode("latin-1"), "sent": sent}))


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "storm":
        asyncio.run(storm(port, int(sys.argv[3]), sys.argv[4]))
    elif mode == "idle":
        idle(port, int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif mode == "slow":
        slow(port, sys.argv[3] if len(sys.argv) > 3 else "")
    else:
        sys.exit("conns.py storm|idle|slow PORT ...")


if __name__ == "__main__":
    main()

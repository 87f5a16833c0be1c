#!/usr/bin/env python3
"""origin.py -- a small web server for tests/server/fetch.sh: the origin the
server's ?url= fetches reach. Listens on a free port of 127.0.0.1 only,
writes the port to PORTFILE once it listens, logs each request's path to
LOG (one line each), and serves:

  /img.jpg        IMAGE, image/jpeg
  /img.bin        IMAGE, application/octet-stream (no content type to go by)
  /video.mp4      IMAGE's bytes, video/mp4 (hashed as a video: video_md5)
  /to-same        302 to /img.jpg on the same host (relative)
  /to-loopback    302 to http://127.0.0.1:PORT/secret (another host)
  /to-file        302 to file:///etc/passwd
  /loop           302 to /loop, for ever
  /slow           waits 5 s, then IMAGE
  /huge           declares Content-Length 1 GB, sends 64 KiB, then stops
  /stream         no Content-Length, 4 MiB of zeros until the connection closes
  /secret         IMAGE (reaching it through /to-loopback would be a bug)
  anything else   404

usage: origin.py IMAGE PORTFILE LOG
"""
import http.server
import os
import socketserver
import sys
import time

IMAGE, PORTFILE, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
with open(IMAGE, "rb") as f:
    DATA = f.read()
PORT = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def body(self, data, ctype, code=200):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, where):
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with open(LOG, "a") as log:
            log.write(self.path + "\n")
        p = self.path
        try:
            if p in ("/img.jpg", "/secret"):
                self.body(DATA, "image/jpeg")
            elif p == "/img.bin":
                self.body(DATA, "application/octet-stream")
            elif p == "/video.mp4":
                self.body(DATA, "video/mp4")
            elif p == "/to-same":
                self.redirect("/img.jpg")
            elif p == "/to-loopback":
                self.redirect("http://127.0.0.1:%d/secret" % PORT)
            elif p == "/to-file":
                self.redirect("file:///etc/passwd")
            elif p == "/loop":
                self.redirect("/loop")
            elif p == "/slow":
                time.sleep(5)
                self.body(DATA, "image/jpeg")
            elif p == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(1 << 30))
                self.end_headers()
                self.wfile.write(b"\0" * 65536)
            elif p == "/stream":
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.end_headers()
                for _ in range(64):
                    self.wfile.write(b"\0" * 65536)
            else:
                self.body(b"not found\n", "text/plain", 404)
        except (BrokenPipeError, ConnectionResetError):
            pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
PORT = srv.server_address[1]
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d\n" % PORT)
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()

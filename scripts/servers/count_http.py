#!/usr/bin/env python3
"""Counts HTTP requests on their way to a BOSH server: listens on --listen, forwards every
connection to --to, and after each request seen rewrites --out with the running total.
  count_http.py --listen 15280 --to 127.0.0.1:5280 --out /tmp/count
"""
import argparse, socket, threading


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--to", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    host, port = a.to.rsplit(":", 1)
    total = [0]
    lock = threading.Lock()

    def pipe(src, dst, count):
        seen = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if count:
                    seen = (seen + data)[-8:]
                    n = (b"\n" + seen[:0] + data).count(b"POST /")
                    if n:
                        with lock:
                            total[0] += n
                            with open(a.out, "w") as f:
                                f.write(str(total[0]))
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", a.listen))
    server.listen(16)
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection((host, int(port)))
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pipe, args=(client, upstream, True), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client, False), daemon=True).start()


if __name__ == "__main__":
    main()

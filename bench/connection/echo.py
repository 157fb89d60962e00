# Python's side of `npm run bench -- --connection` (bench/connection.ts): an echo server and a
# timing client over multiprocessing.connection, with an authkey, as Python programs use it.
#   python3 echo.py serve inet|unix          prints the address (port or path), echoes one connection
#   python3 echo.py client ADDRESS SIZE N REPS   N round trips of SIZE bytes, REPS times after a warm-up: JSON ms per rep
import json
import os
import sys
import tempfile
import time
from multiprocessing.connection import Client, Listener

AUTHKEY = b"bench-connection"


def parse(address):
    return ("127.0.0.1", int(address)) if address.isdigit() else address


def serve(family):
    address = ("127.0.0.1", 0) if family == "inet" else os.path.join(tempfile.gettempdir(), f"mp-bench-py-{os.getpid()}")
    with Listener(address, authkey=AUTHKEY) as listener:
        a = listener.address
        print(a[1] if isinstance(a, tuple) else a, flush=True)
        with listener.accept() as conn:
            try:
                while True:
                    conn.send_bytes(conn.recv_bytes())
            except EOFError:
                pass


def client(address, size, n, reps):
    payload = b"x" * size
    samples = []
    with Client(parse(address), authkey=AUTHKEY) as conn:
        i, warm_until = 0, time.perf_counter() + 1.0  # warm-up: n/10 round trips and at least one second, as echo-client.mjs
        while i < n // 10 or time.perf_counter() < warm_until:
            conn.send_bytes(payload)
            conn.recv_bytes()
            i += 1
        for _ in range(reps):
            t0 = time.perf_counter()
            for _ in range(n):
                conn.send_bytes(payload)
                conn.recv_bytes()
            samples.append((time.perf_counter() - t0) * 1000)
    print(json.dumps(samples), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))

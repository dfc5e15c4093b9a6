"""A TCP proxy on loopback that a test switches at run time, to play a failing network part
between the app and Redis or PostgreSQL without touching the real servers.

- PASS: bytes flow both ways.
- BLACK_HOLE: connections are accepted (new ones too) and nothing is forwarded either way,
  like a server or a firewall that swallows packets. Nothing is dropped: what was sent waits
  in the kernel's buffers and flows on once the proxy passes again, as after a partition.
- CUT: every connection is reset and new ones are refused (the listening port is closed),
  like a server that went down.
"""

import contextlib
import select
import socket
import struct
import threading
import time

PASS, BLACK_HOLE, CUT = "pass", "black-hole", "cut"


class TcpProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.host = "127.0.0.1"
        self.mode = PASS
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._closed = False
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._accepting = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepting.start()

    def __repr__(self):
        return f"<TcpProxy {self.host}:{self.port} -> {self.target} {self.mode}>"

    # Switching ------------------------------------------------------------------------------

    def pass_(self) -> None:
        with self._lock:
            if self._listener is None:
                self._listener = self._listen(self.port)
            self.mode = PASS

    def black_hole(self) -> None:
        with self._lock:
            if self._listener is None:
                self._listener = self._listen(self.port)
            self.mode = BLACK_HOLE

    def cut(self) -> None:
        with self._lock:
            self.mode = CUT
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            for sock in list(self._sockets):
                _reset(sock)
            self._sockets.clear()

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._accepting.join(2)

    # The work -------------------------------------------------------------------------------

    def _listen(self, port: int) -> socket.socket:
        # The accept loop's select() keeps a closed listener alive until it returns (50 ms).
        deadline = time.monotonic() + 2
        while True:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind((self.host, port))
            except OSError:
                listener.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
                continue
            listener.listen(64)
            return listener

    def _accept_loop(self) -> None:
        while not self._closed:
            listener = self._listener
            if listener is None:
                time.sleep(0.02)
                continue
            try:
                readable, _, _ = select.select([listener], [], [], 0.05)
                if not readable:
                    continue
                client, _address = listener.accept()
            except (OSError, ValueError):
                continue  # the listener was closed by cut()
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            if self.mode == CUT:
                _reset(client)
                return
            self._sockets.add(client)
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            self._forget(client)
            _reset(client)
            return
        with self._lock:
            if self.mode == CUT:
                _reset(client)
                _reset(upstream)
                return
            self._sockets.add(upstream)
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        while True:
            if self.mode == BLACK_HOLE:
                time.sleep(0.02)  # read nothing: the bytes wait in the kernel
                continue
            try:
                readable, _, _ = select.select([source], [], [], 0.05)
                if not readable:
                    continue
                data = source.recv(65536)
                if self.mode == BLACK_HOLE:
                    # Switched while reading: hold these bytes until the proxy passes again.
                    while self.mode == BLACK_HOLE:
                        time.sleep(0.02)
                if not data or self.mode == CUT:
                    break
                sink.sendall(data)
            except (OSError, ValueError):
                break
        for sock in (source, sink):
            self._forget(sock)
            _reset(sock)

    def _forget(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)


def _reset(sock: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0), as a dead peer's kernel would answer."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()

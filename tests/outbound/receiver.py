"""A webhook receiver on 127.0.0.1 for tests: it answers with the statuses it is told, in
order (then 200), and keeps every request it got."""

import json
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    # time.monotonic() when it arrived.
    at: float

    @property
    def json(self):
        return json.loads(self.body)


class Receiver:
    def __init__(self, *, certificate: tuple[str, str] | None = None):
        """`certificate`: a certificate and key file, to answer HTTPS instead of HTTP."""
        self.requests: list[Received] = []
        # Each answer is a status code, or ("slow", seconds) to answer 200 only after that long.
        self.answers: list = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, dict(self.headers), body, time.monotonic())
                    )
                    answer = receiver.answers.pop(0) if receiver.answers else 200
                if isinstance(answer, tuple):
                    time.sleep(answer[1])
                    answer = 200
                try:
                    self.send_response(answer)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if answer < 400 else b"invalid_payload")
                except OSError:
                    """The client gave up waiting: nothing to answer."""

            def log_message(self, format, *args):
                """Quiet: the test says what matters."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if certificate:
            tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.load_cert_chain(*certificate)
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/debrief"

    def start(self) -> "Receiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.requests)

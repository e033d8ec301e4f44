"""The threaded HTTP/1.1 server ``runsandbox`` uses, built on ``django.core.servers.basehttp``.

Compared to Django's development server, each request's WSGI environ also holds the raw client
socket (``sandbox.socket``), so the ``drop_after_commit`` and ``timeout`` faults can close the
connection after the view has run. Once a fault has closed it (``sandbox.dropped``), the handler
writes nothing and ends the connection quietly. Keep-alive works as in Django's server.
"""

import socket

from django.core.servers.basehttp import ServerHandler, ThreadedWSGIServer, WSGIRequestHandler

from sandbox.faults import DROPPED_KEY, SOCKET_KEY


class SandboxServerHandler(ServerHandler):
    def finish_response(self):
        if self.environ.get(DROPPED_KEY):
            # The connection is already closed: send nothing, just clean up and log.
            self.request_handler.close_connection = True
            self.close()
            return
        super().finish_response()


class SandboxRequestHandler(WSGIRequestHandler):
    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and delayed
        # ACKs add ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get_environ(self):
        environ = super().get_environ()
        environ[SOCKET_KEY] = self.connection
        return environ

    def handle_one_request(self):
        """Django's ``handle_one_request``, with ``SandboxServerHandler``."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = SandboxServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ())
        handler.request_handler = self
        handler.run(self.server.get_app())


class SharedPortServer(ThreadedWSGIServer):
    """Binds with ``SO_REUSEPORT`` so several worker processes can listen on one port; the kernel
    spreads new connections across them."""

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def make_server(host: str, port: int, app, *, shared_port: bool = False) -> ThreadedWSGIServer:
    server_class = SharedPortServer if shared_port else ThreadedWSGIServer
    server = server_class((host, port), SandboxRequestHandler, ipv6=":" in host)
    server.set_app(app)
    return server

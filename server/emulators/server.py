"""One loopback HTTP server that answers like api.weixin.qq.com, like Aliyun's POP gateway and like its own
/_emulator/ admin API, on one port; and beside it the SMTP emulator (``server.emulators.smtp``) on ``smtp_port``,
started and stopped with it.

It is the standard library's ThreadingHTTPServer in a daemon thread: the SDKs it serves are synchronous and run in
executor threads, so nothing here touches an event loop. Connections are kept alive (HTTP/1.1) because both SDKs
pool them; ``stop()`` closes the open ones so a stopped emulator really stops answering.
"""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from server.emulators._http import Reply, Request, json_reply
from server.emulators.admin import AdminApi
from server.emulators.aliyun import AliyunEmulator
from server.emulators.smtp import SmtpEmulator
from server.emulators.state import EmulatorState
from server.emulators.wechat import WeChatEmulator

log = logging.getLogger("emulator.http")

MAX_BODY = 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "yishi-emulator/1"
    # An idle kept-alive connection is dropped after this many seconds.
    timeout = 30
    server: _Server

    def setup(self) -> None:
        super().setup()
        # The headers and the body are two writes: without this, Nagle holds the body until the client's delayed
        # ACK of the headers (40 ms on Linux), and every call looks 40 ms slower than the provider is.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, open_=False)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(json_reply({"error": "body too large"}, 413))
            self.close_connection = True
            return
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path or "/",
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            body=body,
            content_type=self.headers.get("Content-Type", ""),
        )
        try:
            reply = self.server.dispatch(request)
        except Exception:  # the emulator must answer, never hang the SDK waiting
            log.exception("emulator failed on %s %s", self.command, url.path)
            reply = json_reply({"error": "emulator internal error"}, 500)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client went away before its answer (a worker killed mid-call, a timed-out SDK): as for a real
            # provider, that is the client's business, not an emulator error.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handlers: list[Any]) -> None:
        self.handlers = handlers
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def dispatch(self, request: Request) -> Reply:
        for handler in self.handlers:
            reply = handler.handle(request)
            if reply is not None:
                return reply
        return json_reply({"error": f"no emulator answers {request.method} {request.path}"}, 404)

    def track(self, conn: socket.socket, *, open_: bool) -> None:
        with self._open_lock:
            if open_:
                self._open.add(conn)
            else:
                self._open.discard(conn)

    def close_open_connections(self) -> None:
        with self._open_lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class EmulatorServer:
    """WeChat + Aliyun emulators on ``http://host:port`` (port 0 picks a free one; read ``base_url``), and the
    SMTP emulator on ``host:smtp_port`` (0 picks a free one too; read ``.smtp_port``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        wechat_app_id: str,
        wechat_app_secret: str,
        aliyun_access_key_id: str,
        aliyun_access_key_secret: str,
        push_app_key: str,
        sms_sign_name: str,
        sms_templates: dict[str, str],
        subscribe_templates: dict[str, list[str]],
        mail_from: str,
        smtp_username: str,
        smtp_password: str,
        smtp_port: int = 0,
        log_sms: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.state = EmulatorState()
        self.wechat = WeChatEmulator(
            self.state, app_id=wechat_app_id, app_secret=wechat_app_secret, templates=subscribe_templates
        )
        self.aliyun = AliyunEmulator(
            self.state,
            access_key_id=aliyun_access_key_id,
            access_key_secret=aliyun_access_key_secret,
            sms_sign_name=sms_sign_name,
            sms_templates=sms_templates,
            push_app_key=push_app_key,
            log_sms=log_sms,
        )
        self.admin = AdminApi(self.state, subscribe_templates=subscribe_templates)
        self.smtp = SmtpEmulator(
            self.state,
            host,
            smtp_port,
            sender=mail_from,
            username=smtp_username,
            password=smtp_password,
            log_mail=log_sms,
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def address(self) -> str:
        """``host:port``, the form aliyunsdkcore takes as an endpoint."""
        return self.base_url.removeprefix("http://")

    @property
    def smtp_port(self) -> int:
        """The port the SMTP emulator listens on (host is ``self.host``)."""
        return self.smtp.port

    def _bind(self) -> _Server:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        self._server = _Server((self.host, self.port), [self.admin, self.wechat, self.aliyun])
        return self._server

    def start(self) -> None:
        """Serve from a daemon thread; returns once the socket is listening."""
        server = self._bind()
        try:
            self.smtp.start()
        except BaseException:
            self._server = None
            server.server_close()
            raise
        self._thread = threading.Thread(target=server.serve_forever, name="emulator-http", daemon=True)
        self._thread.start()
        self._log_listening()

    def _log_listening(self) -> None:
        log.info(
            "emulators listening on %s (SMS and mail inbox: %s/_emulator/), SMTP on %s:%s",
            self.base_url,
            self.base_url,
            self.host,
            self.smtp_port,
        )

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.smtp.stop()
        server.shutdown()
        server.close_open_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve from the calling thread until interrupted (what ``run_forever`` uses)."""
        server = self._bind()
        self.smtp.start()
        self._log_listening()
        try:
            server.serve_forever()
        finally:
            self.smtp.stop()
            self._server = None
            server.close_open_connections()
            server.server_close()

    def __enter__(self) -> EmulatorServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_forever(host: str = "127.0.0.1", port: int = 8900, *, smtp_port: int = 8925, **config: Any) -> None:
    """Entry point for the CLI: serve the emulators in the foreground until Ctrl-C (SMTP on ``smtp_port``, the
    settings' default ``EMULATOR_SMTP_PORT``)."""
    server = EmulatorServer(host, port, smtp_port=smtp_port, **config)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("emulators stopped")

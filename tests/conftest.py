"""Shared fixtures: a real Redis (embedded, or TEST_REDIS_URL), a real database (SQLite file, or TEST_DATABASE_URL),
the emulators, and the app served on loopback in the session's event loop. Factories are in tests/support/.

Isolation: every test that asks for ``db`` (``client`` does) starts with empty tables and an empty Redis database.
"""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from server.redis import EmbeddedRedis
from tests.support import declared_errors
from tests.support import storage as storage_support

if TYPE_CHECKING:
    from server.emulators import EmulatorServer

_state: dict[str, Any] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Point the settings at test resources before any server module reads them."""
    tmp = Path(tempfile.mkdtemp(prefix="yishi-test-"))
    _state["tmp"] = tmp
    os.environ["APP_ENV"] = "test"
    os.environ["DATA_DIR"] = str(tmp)
    os.environ["LOG_LEVEL"] = os.environ.get("TEST_LOG_LEVEL", "WARNING")
    os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or f"sqlite://{tmp / 'test.sqlite3'}"
    os.environ["REQUEST_MAX_SIZE"] = str(2 * 1024 * 1024)
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        embedded = EmbeddedRedis(tmp / "redis")
        redis_url = embedded.start()
        _state["embedded_redis"] = embedded
    os.environ["REDIS_URL"] = redis_url

    from server.emulators import DEV_CONFIG, EmulatorServer

    emulators = EmulatorServer("127.0.0.1", 0, log_sms=False, **{k: v for k, v in DEV_CONFIG.items()})
    emulators.start()
    _state["emulators"] = emulators
    os.environ["WECHAT_API_BASE"] = emulators.base_url
    os.environ["ALIYUN_SMS_ENDPOINT"] = emulators.address
    os.environ["ALIYUN_PUSH_ENDPOINT"] = emulators.address
    os.environ["ALIYUN_PROTOCOL"] = "http"
    os.environ["SMTP_HOST"] = emulators.host
    os.environ["SMTP_PORT"] = str(emulators.smtp_port)
    os.environ["SMTP_SECURITY"] = "none"
    os.environ["MAIL_FROM"] = DEV_CONFIG["mail_from"]
    # TEST_STORAGE_BACKEND=s3: the whole session keeps its files in the loopback S3 server (default: DATA_DIR/files).
    if os.environ.get("TEST_STORAGE_BACKEND", "local") == "s3":
        _state["s3"] = s3 = storage_support.start_s3_server()
        os.environ.update(s3.settings_env())

    from server.config import reset_settings

    reset_settings()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run when an operation answered an error code the published spec does not declare for it, or a time
    in another format than ISO 8601 with +08:00."""
    missing = declared_errors.undeclared()
    off_format = declared_errors.times_off_format()
    if not missing and not off_format:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    text = ""
    if missing:
        lines = [f"  {op}: {', '.join(codes)}" for op, codes in missing.items()]
        text += "error codes answered but not declared on their operation (add @raises, then `make openapi`):\n"
        text += "\n".join(lines) + "\n"
    if off_format:
        lines = [f"  {op}: " + ", ".join(f"{k}={v}" for k, v in found.items()) for op, found in off_format.items()]
        text += "times not in ISO 8601 with +08:00 (serialise through server.common.web):\n" + "\n".join(lines)
    if reporter is not None:
        reporter.write_line(text, red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    if emulators := _state.pop("emulators", None):
        emulators.stop()
    if embedded := _state.pop("embedded_redis", None):
        embedded.stop()
    if s3 := _state.pop("s3", None):
        s3.stop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the real Redis database the tests may flush."""
    return os.environ["REDIS_URL"]


@pytest.fixture()
def clean_redis_url(redis_url: str) -> str:
    """The same URL, emptied before the test."""
    import redis as sync_redis

    sync_redis.Redis.from_url(redis_url).flushdb()
    return redis_url


@pytest.fixture(scope="session")
def emulators() -> Any:
    """The session's WeChat and Aliyun emulators (the app's SDK clients point at them)."""
    return _state["emulators"]


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorServer]:
    """An emulator server of its own (not the app's), for the tests that drive the emulators and the raw SDKs."""
    from server.emulators import DEV_CONFIG, EmulatorServer

    server = EmulatorServer(**DEV_CONFIG)
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def emulator(emulator_server: EmulatorServer) -> EmulatorServer:
    """That emulator with a clean memory (no codes, tokens, records, faults or time travel)."""
    emulator_server.state.reset()
    return emulator_server


@pytest.fixture()
def black_hole() -> Iterator[str]:
    """``host:port`` of a socket that accepts connections and never answers: every read times out."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture()
def closed_port() -> str:
    """``host:port`` where nothing listens: connections are refused at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"127.0.0.1:{port}"


@pytest.fixture(scope="session")
def is_postgres() -> bool:
    return os.environ["DATABASE_URL"].startswith("postgres")


async def _reset_schema() -> None:
    """Start the session from an empty database, then apply the committed migrations."""
    from server import db
    from server.config import get_settings

    settings = get_settings()
    url = settings.effective_database_url
    if url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()
    await db.migrate_db(settings)


@pytest.fixture(scope="session")
async def server() -> AsyncIterator[str]:
    """The app, served on a loopback port in the session's event loop; yields its base URL."""
    await _reset_schema()
    from server.app import create_app
    from tests.support.routes import bp as test_bp

    app = create_app(name="yishi_test")
    app.blueprint(test_bp)
    declared_errors.install(app)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port chosen by the kernel (Sanic reads port=0 as its default, 8000)
    sock.listen(512)
    srv = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert srv is not None
    await srv.startup()
    await srv.before_start()
    await srv.after_start()
    port = srv.server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    _state["app"] = app
    yield f"http://127.0.0.1:{port}"
    await srv.before_stop()
    srv.close()
    await srv.wait_closed()
    await srv.after_stop()


@pytest.fixture(scope="session")
def app(server: str) -> Any:
    return _state["app"]


async def _truncate_all() -> None:
    from tortoise import Tortoise, connections

    conn = connections.get("default")
    tables = sorted({m._meta.db_table for app in Tortoise.apps.values() for m in app.values()})
    if conn.capabilities.dialect == "postgres":
        quoted = ", ".join(f'"{t}"' for t in tables)
        await conn.execute_script(f"TRUNCATE TABLE {quoted} RESTART IDENTITY CASCADE")
    else:
        script = "PRAGMA foreign_keys=OFF;" + "".join(f'DELETE FROM "{t}";' for t in tables)
        script += "DELETE FROM sqlite_sequence; PRAGMA foreign_keys=ON;"
        await conn.execute_script(script)


@pytest.fixture()
async def db(server: str) -> AsyncIterator[None]:
    """Empty tables and an empty Redis database for this test."""
    from server.redis import get_redis

    await _truncate_all()
    await get_redis().flushdb()
    yield


@pytest.fixture()
async def client(server: str, db: None) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as c:
        yield c


@pytest.fixture(scope="session")
def s3_server() -> storage_support.S3Server:
    """The loopback S3-protocol server (moto), started on first use; the session's own when it runs on S3."""
    if "s3" not in _state:
        _state["s3"] = storage_support.start_s3_server()
    return _state["s3"]  # type: ignore[no-any-return]


@pytest.fixture(params=["local", "s3"])
def storage_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test once on each storage backend: the local folder, and the loopback S3 server under a prefix of
    its own (so what a test finds there is what it stored)."""
    if request.param == "local":
        values = {"STORAGE_BACKEND": "local"}
    else:
        server: storage_support.S3Server = request.getfixturevalue("s3_server")
        values = server.settings_env(prefix=f"t{uuid.uuid4().hex[:12]}/")
    before = storage_support.use_env(values)
    yield request.param
    storage_support.restore_env(before)


@pytest.fixture(scope="session")
def tmp_dir() -> Iterator[Path]:
    yield _state["tmp"]

"""Command line: `python -m server COMMAND`.

run             development: embedded Redis, emulators, migrations, demo data once, the job worker and the server
                (--no-demo: no demo data, as a new deployment starts: create-admin and the registers' import)
serve           the HTTP server only (production: WORKERS processes)
worker          the job worker only
migrate         apply committed migrations
makemigrations  write migrations for model changes (development)
seed-demo       create the demo data (refused in production)
create-admin    create the first administrator of a new deployment (refused once one exists, unless --force)
export-openapi  write app_api_docs/openapi.json and error-codes.md from the code
emulators       the WeChat and Aliyun emulators in the foreground
seal-stored-files  encrypt in place the stored files kept in clear before every upload was sealed (run once)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

from server import db, demo, errortable, openapi
from server.accounts import api as accounts_api
from server.app import create_app
from server.common.logging import configure_logging
from server.config import Settings, get_settings, reset_settings
from server.db import tortoise_config
from server.demo import DEMO_PASSWORD
from server.emulators import DEV_CONFIG, EmulatorServer, run_forever
from server.errors import AppError
from server.integrations import storage
from server.redis import EmbeddedRedis
from server.worker import run_worker

log = logging.getLogger("server.cli")


def _out(text: str = "") -> None:
    """Console output meant for a person (banners), as opposed to log lines."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def cmd_migrate(settings: Settings) -> None:
    asyncio.run(db.migrate_db(settings))
    log.info("migrations applied", extra={"database": _safe_url(settings.effective_database_url)})


def cmd_makemigrations(settings: Settings, name: str | None, *, check: bool = False) -> None:
    if check:
        pending = asyncio.run(_pending_migrations(settings))
        if pending:
            raise SystemExit("models changed without a migration: " + ", ".join(pending))
        log.info("migrations match the models")
        return
    from tortoise.cli.cli import main as tortoise_main

    sys.argv = ["tortoise", "-c", "server.db.TORTOISE_ORM", "makemigrations", *(["-n", name] if name else [])]
    tortoise_main()


async def _pending_migrations(settings: Settings) -> list[str]:
    """Migrations `makemigrations` would write now; empty when the committed ones match the models."""
    from tortoise.cli.cli import tortoise_cli_context
    from tortoise.migrations.autodetector import MigrationAutodetector

    config = tortoise_config(settings, url="sqlite://:memory:")
    async with tortoise_cli_context(config) as ctx:
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [f"{w.app_label}.{w.name}" for w in writers]


def cmd_seed_demo(settings: Settings) -> tuple[list[Any], list[str]]:
    """The demo log-ins and the extra banner lines the parts' demo data print (development only)."""
    if settings.is_production:
        raise SystemExit("seed-demo is for development only")

    async def go() -> tuple[list[Any], list[str]]:
        await db.init_db(settings)
        try:
            accounts, lines = await demo.seed_demo()
            return list(accounts), lines
        finally:
            await db.close_db()

    return asyncio.run(go())


def _read_password(from_stdin: bool) -> str:
    """The new administrator's password: one line on stdin (scripts), else typed twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("create-admin: no terminal to ask for the password; pipe it with --password-stdin")
    first = getpass.getpass("新管理员密码: ")
    if getpass.getpass("再次输入密码: ") != first:
        raise SystemExit("create-admin: 两次输入的密码不一致")
    return first


def cmd_create_admin(
    settings: Settings, *, username: str, real_name: str | None, password_stdin: bool, force: bool
) -> int:
    """The first administrator of a deployment (production too: it needs only the database). Returns the id."""
    password = _read_password(password_stdin)

    async def go() -> int:
        await db.init_db(settings)
        try:
            user = await accounts_api.create_admin(
                username=username, password=password, real_name=real_name, force=force
            )
            return user.id
        finally:
            await db.close_db()

    try:
        user_id = asyncio.run(go())
    except AppError as exc:
        raise SystemExit(f"create-admin: {exc.text} ({exc.code})") from None
    log.info("administrator created", extra={"user_id": user_id, "username": username.lower(), "forced": force})
    return user_id


def cmd_export_openapi(*, check: bool = False) -> None:
    if check:
        current = openapi.render(asyncio.run(openapi.build_spec()))
        if not openapi.SPEC_PATH.exists() or openapi.SPEC_PATH.read_text(encoding="utf-8") != current:
            raise SystemExit(f"{openapi.SPEC_PATH} is stale: run `make openapi` and commit it")
        table = errortable.render()
        if not errortable.TABLE_PATH.exists() or errortable.TABLE_PATH.read_text(encoding="utf-8") != table:
            raise SystemExit(f"{errortable.TABLE_PATH} is stale: run `make openapi` and commit it")
        log.info("OpenAPI document and error-code table are current")
        return
    path = asyncio.run(openapi.export())
    table_path = errortable.export()
    log.info("OpenAPI written", extra={"path": str(path), "error_codes": str(table_path)})


def cmd_serve(settings: Settings) -> None:
    from functools import partial

    from sanic import Sanic
    from sanic.worker.loader import AppLoader

    workers = settings.workers
    if settings.is_sqlite and workers > 1:
        # Two processes writing one SQLite file answer "database is locked" under load: one writer only.
        log.warning("SQLite runs one worker; set DATABASE_URL to PostgreSQL for more", extra={"asked": workers})
        workers = 1
    if workers > 1:
        prom_dir = settings.data_dir / "prometheus"
        shutil.rmtree(prom_dir, ignore_errors=True)
        prom_dir.mkdir(parents=True, exist_ok=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(prom_dir)
    loader = AppLoader(factory=partial(create_app))
    app = loader.load()
    app.prepare(
        host=settings.host,
        port=settings.port,
        workers=workers,
        single_process=workers == 1,
        access_log=False,
        motd=False,
    )
    if workers == 1:
        # One process needs no worker manager. Sanic's manager also hangs for good when SIGTERM arrives while it
        # waits for its worker's start-up acknowledgement (seen when stopping right after /readyz answered).
        Sanic.serve_single(primary=app)
    else:
        Sanic.serve(primary=app, app_loader=loader)


def cmd_worker(settings: Settings) -> None:
    run_worker()


def cmd_emulators(settings: Settings) -> None:
    run_forever("127.0.0.1", settings.emulator_port, smtp_port=settings.emulator_smtp_port, **DEV_CONFIG)


def _safe_url(url: str) -> str:
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def cmd_run(settings: Settings, *, seed_demo: bool = True) -> None:
    """Everything in one process tree, on embedded defaults, for a newcomer's machine (``seed_demo=False``: an empty
    deployment, as production starts, for rehearsing `create-admin` and the registers' import)."""
    started = time.monotonic()
    if settings.is_production:
        raise SystemExit("`run` is the development command; use `serve` and `worker` in production")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stack: list[Any] = []
    worker: subprocess.Popen[bytes] | None = None
    try:
        if not settings.redis_url:
            redis_server = EmbeddedRedis(settings.data_dir / "redis", persist=True)
            os.environ["REDIS_URL"] = redis_server.start()
            stack.append(redis_server)
        if settings.emulators_enabled:
            emulators = EmulatorServer(
                "127.0.0.1", settings.emulator_port, smtp_port=settings.emulator_smtp_port, **DEV_CONFIG
            )
            emulators.start()
            stack.append(emulators)
            os.environ.setdefault("WECHAT_API_BASE", emulators.base_url)
            os.environ.setdefault("ALIYUN_SMS_ENDPOINT", emulators.address)
            os.environ.setdefault("ALIYUN_PUSH_ENDPOINT", emulators.address)
            os.environ.setdefault("ALIYUN_PROTOCOL", "http")
            if "SMTP_HOST" not in os.environ:  # else the developer chose a relay: keep all of its settings
                os.environ.update(
                    SMTP_HOST=emulators.host,
                    SMTP_PORT=str(emulators.smtp_port),
                    SMTP_SECURITY="none",
                    SMTP_USERNAME=DEV_CONFIG["smtp_username"],
                    SMTP_PASSWORD=DEV_CONFIG["smtp_password"],
                    MAIL_FROM=DEV_CONFIG["mail_from"],
                )
        reset_settings()
        settings = get_settings()

        cmd_migrate(settings)
        accounts, demo_lines = cmd_seed_demo(settings) if seed_demo else ([], [])

        if settings.run_worker_in_process:
            worker = subprocess.Popen([sys.executable, "-m", "server", "worker"], env=os.environ.copy())

        _print_banner(settings, accounts, demo_lines, time.monotonic() - started)
        cmd_serve(settings)
    finally:
        if worker is not None and worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        for item in reversed(stack):
            item.stop()


def _print_banner(settings: Settings, accounts: list[Any], demo_lines: list[str], elapsed: float) -> None:
    base = f"http://{settings.host}:{settings.port}"
    lines = [
        "",
        "医师服务 · development server",
        f"  API            {base}",
        f"  API docs       {base}/docs   (the published app_api_docs/openapi.json; guides in app_api_docs/)",
        "  Demo people    app_api_docs/guide/demo-identities.md   (names, ID numbers, phones, what each is for)",
        f"  Health         {base}/healthz   {base}/readyz",
    ]
    if settings.emulators_enabled:
        emu = f"http://127.0.0.1:{settings.emulator_port}"
        lines.append(
            f"  SMS and mail   {emu}/_emulator/   (every SMS and e-mail the emulators receive; JSON at "
            "/_emulator/sms and /_emulator/mail)"
        )
    lines += [
        f"  Database       {_safe_url(settings.effective_database_url)}",
        f"  Redis          {_safe_url(os.environ.get('REDIS_URL', settings.redis_url))}",
        "",
    ]
    if accounts:
        lines.append(f"Demo accounts (password for all: {DEMO_PASSWORD}; physicians log in with their phone):")
        lines += [f"  {a.login:<14} {a.role:<22} {a.description}" for a in accounts]
    else:
        lines.append("No demo data: `python -m server create-admin --username NAME` makes the first administrator.")
    if demo_lines:
        lines += ["", "Demo data (see README for the flows to try):"] + [f"  {line}" for line in demo_lines]
    lines += ["", f"Prepared in {elapsed:.1f}s; starting the server (Ctrl-C stops everything)…", ""]
    _out("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m server", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "worker", "migrate", "seed-demo", "emulators", "seal-stored-files"):
        sub.add_parser(name)
    rn = sub.add_parser("run", help="development: everything in one process tree")
    rn.add_argument("--no-demo", action="store_true", help="start without demo data (a new deployment)")
    ex = sub.add_parser("export-openapi")
    ex.add_argument("--check", action="store_true", help="fail when the committed document is stale")
    ca = sub.add_parser("create-admin", help="create the first administrator of a new deployment")
    ca.add_argument("--username", required=True, help="log-in name (stored in lower case)")
    ca.add_argument("--real-name", help="the administrator's name")
    ca.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    ca.add_argument("--force", action="store_true", help="create one even though an administrator exists")
    mk = sub.add_parser("makemigrations")
    mk.add_argument("-n", "--name")
    mk.add_argument("--check", action="store_true", help="fail when the models need a migration")
    args = parser.parse_args(argv)

    settings = get_settings()
    configure_logging(settings.log_level, as_json=settings.log_json)
    match args.command:
        case "run":
            cmd_run(settings, seed_demo=not args.no_demo)
        case "serve":
            cmd_serve(settings)
        case "worker":
            cmd_worker(settings)
        case "migrate":
            cmd_migrate(settings)
        case "makemigrations":
            cmd_makemigrations(settings, args.name, check=args.check)
        case "seed-demo":
            accounts, demo_lines = cmd_seed_demo(settings)
            for account in accounts:
                _out(f"{account.login:<14} {account.role:<22} {account.description}")
            for line in demo_lines:
                _out(line)
        case "create-admin":
            user_id = cmd_create_admin(
                settings,
                username=args.username,
                real_name=args.real_name,
                password_stdin=args.password_stdin,
                force=args.force,
            )
            _out(f"administrator {args.username.lower()} created (id {user_id})")
        case "export-openapi":
            cmd_export_openapi(check=args.check)
        case "emulators":
            cmd_emulators(settings)
        case "seal-stored-files":
            seen, sealed = storage.seal_plaintext(prefix=storage.LEGACY_PLAIN_PREFIX)
            _out(f"stored files checked: {seen}, sealed now: {sealed}")

"""Candidates for whole-system exam tests: a database and Redis prepared outside the suite's own, and the servers.

``python -m tests.support.exam_load prepare DB_URL REDIS_URL N`` re-creates the schema of ``DB_URL`` (a database of
the caller's own), applies the migrations, imports the demo bank and creates ``N`` physicians with live sessions in
``REDIS_URL``; it prints one JSON list of ``{"user_id", "token"}``. The servers started by :func:`server_env` let
those physicians sit the humanities exam outside any assessment and without a face capture
(``EXAMS_OPEN_TO_ALL``, which production refuses): these tests measure what happens to answers, not the other parts.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from server.config import ROOT


async def prepare(db_url: str, redis_url: str, n: int) -> list[dict[str, Any]]:
    import asyncpg

    from server import db
    from server.accounts.models import User
    from server.common.auth import SESSION_KEY, Principal, issue_access_token
    from server.common.enums import Role
    from server.exams.demo import seed_demo
    from server.redis import create_client, set_redis

    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()
    await db.migrate_db(url=db_url)
    await db.init_db(url=db_url)
    redis = create_client(redis_url)
    set_redis(redis)
    await redis.flushdb()
    await seed_demo()
    users = [User(role=Role.PHYSICIAN, phone=f"1390000{i:04d}", real_name=f"考生{i}") for i in range(n)]
    await User.bulk_create(users, batch_size=500)
    out = []
    for u in await User.filter(role=Role.PHYSICIAN).order_by("id"):
        sid = f"load-{u.id}"
        await redis.set(SESSION_KEY.format(sid=sid), str(u.id), ex=7200)
        token = issue_access_token(Principal(user_id=u.id, role=Role.PHYSICIAN, session_id=sid), ttl_s=7200)
        out.append({"user_id": u.id, "token": token})
    await redis.aclose()
    set_redis(None)
    await db.close_db()
    return out


def server_env(*, port: int, db_url: str, redis_url: str, data_dir: Path, workers: int = 1) -> dict[str, str]:
    """The environment of one ``python -m server serve`` instance on ``port``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "WECHAT_", "ALIYUN_"))}
    env.update(
        APP_ENV="development",
        DATABASE_URL=db_url,
        REDIS_URL=redis_url,
        WORKERS=str(workers),
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_LEVEL="WARNING",
        DATA_DIR=str(data_dir),
        EXAMS_OPEN_TO_ALL="true",
        EMULATORS_ENABLED="false",
        TRUSTED_PROXIES="127.0.0.1/32",
    )
    return env


def main() -> None:
    if len(sys.argv) != 5 or sys.argv[1] != "prepare":
        raise SystemExit("usage: python -m tests.support.exam_load prepare DB_URL REDIS_URL N")
    os.chdir(ROOT)
    people = asyncio.run(prepare(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    sys.stdout.write(json.dumps(people) + "\n")


if __name__ == "__main__":
    main()

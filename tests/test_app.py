"""The foundation through real HTTP: health, readiness, metrics, request ids and the one error shape."""

from __future__ import annotations

import logging

import httpx
import pytest

from server.directory.models import Region


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


async def test_readyz_checks_database_and_redis(client: httpx.AsyncClient) -> None:
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


async def test_request_id_is_generated_and_echoed(client: httpx.AsyncClient) -> None:
    generated = (await client.get("/healthz")).headers["x-request-id"]
    assert len(generated) == 32
    mine = "req-0123456789abcdef"
    assert (await client.get("/healthz", headers={"X-Request-ID": mine})).headers["x-request-id"] == mine
    # A header that could inject into logs is replaced, not echoed.
    bad = (await client.get("/healthz", headers={"X-Request-ID": "x y\tz<script>"})).headers["x-request-id"]
    assert bad != "x y\tz<script>" and len(bad) == 32


async def test_unknown_path_is_404_in_the_error_shape(client: httpx.AsyncClient) -> None:
    r = await client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "NOT_FOUND"
    assert r.headers["x-request-id"]


async def test_wrong_method_is_405_in_the_error_shape(client: httpx.AsyncClient) -> None:
    r = await client.delete("/healthz")
    assert r.status_code == 405
    assert r.json() == {"error": {"code": "METHOD_NOT_ALLOWED", "message": "不支持该请求方法"}}


async def test_oversized_body_is_413_in_the_error_shape(client: httpx.AsyncClient) -> None:
    r = await client.post("/_test/echo", content=b"x" * (3 * 1024 * 1024))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_validation_failure_names_the_field_in_chinese(client: httpx.AsyncClient) -> None:
    r = await client.post("/_test/echo", json={"name": "张", "age": 30})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "VALIDATION_FAILED"
    assert err["field"] == "name"
    assert "长度不足" in err["message"]
    r = await client.post("/_test/echo", json={"name": "张三"})
    assert r.json()["error"]["field"] == "age"


async def test_invalid_json_is_a_clear_400(client: httpx.AsyncClient) -> None:
    r = await client.post("/_test/echo", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "INVALID_JSON"
    r = await client.post("/_test/echo", json=[1, 2])
    assert r.json()["error"]["code"] == "INVALID_JSON"


async def test_valid_body_passes(client: httpx.AsyncClient) -> None:
    r = await client.post("/_test/echo", json={"name": "张三", "age": 30})
    assert r.status_code == 200
    assert r.json() == {"name": "张三", "age": 30}


async def test_unexpected_error_is_a_bare_500(client: httpx.AsyncClient) -> None:
    r = await client.get("/_test/boom")
    assert r.status_code == 500
    assert r.json() == {"error": {"code": "INTERNAL", "message": "服务器内部错误，请稍后再试"}}
    assert "secret" not in r.text


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    text = (await client.get("/metrics")).text
    assert 'http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "http_request_duration_seconds_bucket" in text


async def test_writes_go_through_and_bad_input_changes_nothing(client: httpx.AsyncClient) -> None:
    assert (await client.post("/_test/write")).status_code == 200
    assert await Region.filter(province_code="990000").count() == 2
    await client.post("/_test/echo", json={"name": ""})
    assert await Region.filter(province_code="990000").count() == 2


def test_request_ids_are_unique_hex_and_a_forked_process_draws_its_own_prefix() -> None:
    import os

    from server.common.http import new_request_id

    ids = [new_request_id() for _ in range(1000)]
    assert len(set(ids)) == 1000 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first id, through the pipe
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    assert len(child) == 32 and child[:20] != ids[0][:20]


def test_wire_time_is_the_zones_own_text_also_across_chinas_summer_time_years() -> None:
    """Since 1992 a fixed +08:00 stands in for the zone; before it the zone itself answers (1986-1991 had +09:00)."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from server.common.web import wire_time

    zone = ZoneInfo("Asia/Shanghai")
    moments = [datetime(1988, 7, 1, 4, tzinfo=UTC), datetime(1991, 12, 31, 23, 59, tzinfo=UTC)]
    moments += [datetime(1992, 1, 1, tzinfo=UTC) + timedelta(days=97 * i, seconds=7 * i) for i in range(400)]
    for moment in moments:
        assert wire_time(moment) == moment.astimezone(zone).isoformat()
        assert wire_time(moment.replace(tzinfo=None)) == moment.astimezone(zone).isoformat()  # naive: UTC
    assert wire_time(datetime(1988, 7, 1, 4, tzinfo=UTC)).endswith("+09:00")
    assert wire_time(datetime(2026, 12, 2, 0, 0, 0, 123456, tzinfo=UTC)) == "2026-12-02T08:00:00.123456+08:00"


def test_wire_times_rewrites_every_time_wherever_it_sits_and_nothing_else() -> None:
    """Times as datetimes and as UTC texts, nested in dicts, lists and tuples, and in subclasses of the JSON types,
    come out at +08:00; keys, other texts (also 20+ characters with a T at index 10) and other values are as given."""
    from datetime import UTC, datetime
    from enum import StrEnum

    from server.common.web import wire_times

    class Colour(StrEnum):
        RED = "red"

    class Text(str):
        pass

    class Mapping(dict):  # type: ignore[type-arg]
        pass

    moment = datetime(2026, 12, 2, 1, 2, 3, tzinfo=UTC)
    given = {
        "at": moment,
        "naive": moment.replace(tzinfo=None),
        "text": "2026-12-02T01:02:03+00:00",
        "zulu": "2026-12-02T01:02:03.5Z",
        "wire": "2026-12-02T09:02:03+08:00",
        "2026-12-02T01:02:03Z": "key stays",
        "nested": [{"at": "2026-12-02T01:02:03Z"}, ("2026-12-02T01:02:03Z", 1, 2.5, True, None)],
        "sub": Mapping(at=moment),
        "subtext": Text("2026-12-02T01:02:03Z"),
        "enum": Colour.RED,
        "lookalike": "2026-12-02T01:02:03 is not a time",
        "short": "2026-12-02",
        "plain": "医师定期考核 2026 年度第二次考试安排已经发布",
    }
    wired = "2026-12-02T09:02:03+08:00"
    assert wire_times(given) == {
        "at": wired,
        "naive": wired,
        "text": wired,
        "zulu": "2026-12-02T09:02:03.500000+08:00",
        "wire": wired,
        "2026-12-02T01:02:03Z": "key stays",
        "nested": [{"at": wired}, [wired, 1, 2.5, True, None]],
        "sub": {"at": wired},
        "subtext": wired,
        "enum": Colour.RED,
        "lookalike": "2026-12-02T01:02:03 is not a time",
        "short": "2026-12-02",
        "plain": "医师定期考核 2026 年度第二次考试安排已经发布",
    }


def test_a_client_hanging_up_mid_request_is_not_logged_as_a_server_error(caplog: pytest.LogCaptureFixture) -> None:
    """Sanic raises RequestCancelled into a handler whose caller went away: no "unhandled error" with a traceback
    (thousands of phones losing signal must not bury real faults), and no 500 counted."""
    from sanic.exceptions import RequestCancelled

    from server.common.http import to_app_error

    with caplog.at_level(logging.INFO, logger="server.http"):
        err = to_app_error(RequestCancelled())
    assert err.status == 400 and err.code == "BAD_REQUEST"
    assert [r.levelno for r in caplog.records if r.name == "server.http"] == [logging.INFO]
    assert not any(r.exc_info for r in caplog.records)
    with caplog.at_level(logging.INFO, logger="server.http"):
        assert to_app_error(RuntimeError("a real fault")).status == 500
    assert caplog.records[-1].levelno == logging.ERROR  # a real fault still is one

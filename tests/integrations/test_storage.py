"""The storage interface on both backends (the local folder and the loopback S3 server): round trip, sealing at
rest, keys from outside refused, absent objects, the legacy-plaintext sealing command, an unreachable store."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from server.config import Settings
from server.integrations import storage
from server.integrations.storage.s3 import S3Storage
from tests.support import storage as sf
from tests.support.settings import PRODUCTION

both = pytest.mark.usefixtures("storage_backend")


@both
async def test_save_load_delete_round_trip(storage_backend: str) -> None:
    assert storage.get_storage().name == storage_backend
    stored = await storage.save(b"%PDF-1.4 hello", purpose="proof", ext="pdf")
    assert stored.key.startswith("proof/") and stored.key.endswith(".pdf") and stored.size == 14
    assert await storage.load(stored.key) == b"%PDF-1.4 hello"
    assert await storage.delete(stored.key) is True
    assert await storage.delete(stored.key) is False
    with pytest.raises(FileNotFoundError):
        await storage.load(stored.key)


@both
async def test_every_file_is_sealed_at_rest_and_bound_to_its_key() -> None:
    secret = b"\xff\xd8\xff face bytes"
    a = await storage.save(secret, purpose="face", ext="jpg")
    b = await storage.save(secret, purpose="face", ext="jpg")
    at_rest = sf.raw(a.key)
    assert secret not in at_rest and at_rest[:1] == b"\x01" and at_rest != sf.raw(b.key)  # fresh nonce each time
    assert await storage.load(a.key) == secret
    # one stored file put in the place of another does not open
    storage.get_storage().write(b.key, at_rest)
    with pytest.raises(InvalidTag):
        await storage.load(b.key)


@both
async def test_keys_lists_what_was_stored() -> None:
    keys = {(await storage.save(b"x" * n, purpose="listing", ext="bin")).key for n in (1, 2, 3)}
    assert set(storage.get_storage().keys("listing/")) == keys
    assert set(sf.stored_objects("listing/")) == keys


@both
@pytest.mark.parametrize("key", ["../etc/passwd", "proof/2026/11/x.pdf", "proof/2026/11/" + "a" * 20 + ".exe", "/abs"])
async def test_keys_from_outside_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        await storage.load(key)
    with pytest.raises(ValueError):
        await storage.delete(key)


@both
async def test_legacy_plaintext_files_are_sealed_in_place_once() -> None:
    pdf = b"%PDF-1.4\n% a proof stored in clear before every file was sealed\n"
    legacy = "assessment_proof/2025/06/" + "L" * 32 + ".pdf"
    others = len(list(storage.get_storage().keys(storage.LEGACY_PLAIN_PREFIX)))  # sealed ones of earlier tests
    storage.get_storage().write(legacy, pdf)  # as the old code wrote it
    sealed_one = await storage.save(b"%PDF-1.4 sealed", purpose="assessment_proof", ext="pdf")
    with pytest.raises(ValueError, match="not sealed"):
        await storage.load(legacy)
    assert storage.seal_plaintext(prefix=storage.LEGACY_PLAIN_PREFIX) == (others + 2, 1)
    assert sf.raw(legacy)[:1] == b"\x01" and pdf not in sf.raw(legacy)
    assert await storage.load(legacy) == pdf
    assert await storage.load(sealed_one.key) == b"%PDF-1.4 sealed"
    assert storage.seal_plaintext(prefix=storage.LEGACY_PLAIN_PREFIX) == (others + 2, 0)  # a second run changes nothing


def test_an_unreachable_object_store_is_unavailable_not_missing(closed_port: str) -> None:
    store = S3Storage(Settings(s3_endpoint_url=f"http://{closed_port}", s3_bucket="b", s3_max_attempts=1))
    with pytest.raises(storage.StorageUnavailable) as err:
        store.read("proof/2026/11/" + "a" * 20 + ".pdf")
    assert err.value.status == 503 and err.value.code == "STORAGE_UNAVAILABLE"


def test_a_bucket_that_does_not_exist_is_a_failure(s3_server: sf.S3Server) -> None:
    env = {k.lower(): v for k, v in s3_server.settings_env().items()} | {"s3_bucket": "no-such-bucket"}
    store = S3Storage(Settings(**env))  # type: ignore[arg-type]
    with pytest.raises(storage.StorageFailed) as err:
        store.write("proof/2026/11/" + "a" * 20 + ".pdf", b"x")
    assert err.value.status == 502 and err.value.provider_code == "NoSuchBucket"


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"s3_bucket": ""}, "S3_BUCKET"),
        ({"s3_access_key_id": "CHANGE-ME-key-id"}, "S3_ACCESS_KEY_ID"),
        ({"s3_secret_access_key": "CHANGE-ME"}, "S3_SECRET_ACCESS_KEY"),
        ({"s3_secret_access_key": "short"}, "S3_SECRET_ACCESS_KEY"),
        ({"s3_endpoint_url": "oss-cn-hangzhou.aliyuncs.com"}, "S3_ENDPOINT_URL"),
    ],
)
def test_production_refuses_object_storage_placeholders(changes: dict[str, str], named: str) -> None:
    good = dict(
        PRODUCTION,
        storage_backend="s3",
        s3_endpoint_url="https://oss-cn-hangzhou-internal.aliyuncs.com",
        s3_bucket="yishi-files",
        s3_access_key_id="LTAI5tRealLookingKeyId",
        s3_secret_access_key="r" * 30,
    )
    assert Settings(**good).storage_backend == "s3"  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=named):
        Settings(**(good | changes))  # type: ignore[arg-type]

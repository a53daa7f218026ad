"""File storage in tests: an S3-protocol server on loopback (moto's standalone server), the settings that point
the app at it, and what a backend holds, read straight from it (the bytes at rest, not what `load` opens)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from server.integrations import storage

BUCKET = "yishi-test"
# moto accepts any credentials; these only have to look like real ones to botocore.
ACCESS_KEY_ID = "AKIAYISHITEST0000001"
SECRET_ACCESS_KEY = "yishi-test-secret-for-the-loopback-s3-only"


@dataclass
class S3Server:
    """moto's S3 server in a thread of the test process, on a port the kernel chose."""

    endpoint_url: str
    _server: object

    def settings_env(self, *, prefix: str = "") -> dict[str, str]:
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": BUCKET,
            "S3_PREFIX": prefix,
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "S3_ADDRESSING_STYLE": "path",
        }

    def stop(self) -> None:
        self._server.stop()  # type: ignore[attr-defined]


def start_s3_server() -> S3Server:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = S3Server(f"http://{host}:{port}", server)
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    client.create_bucket(Bucket=BUCKET)
    return s3


def use_env(values: dict[str, str]) -> dict[str, str | None]:
    """Set ``values`` in the environment and forget the cached settings; returns what to restore."""
    from server.config import reset_settings

    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    reset_settings()
    return before


def restore_env(before: dict[str, str | None]) -> None:
    from server.config import reset_settings

    for k, v in before.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    reset_settings()


def stored_objects(prefix: str = "") -> dict[str, bytes]:
    """Every object the configured backend holds under ``prefix``: key → raw bytes as stored."""
    backend = storage.get_storage()
    return {key: backend.read(key) for key in backend.keys(prefix)}


def raw(key: str) -> bytes:
    """The bytes at rest under ``key`` (FileNotFoundError when gone)."""
    return storage.get_storage().read(key)


def exists(key: str) -> bool:
    try:
        raw(key)
    except FileNotFoundError:
        return False
    return True

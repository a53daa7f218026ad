from __future__ import annotations

from pathlib import Path

import pytest

from server.config import get_settings
from server.integrations import storage


async def test_save_load_delete_round_trip() -> None:
    stored = await storage.save(b"%PDF-1.4 hello", purpose="proof", ext="pdf")
    assert stored.key.startswith("proof/") and stored.key.endswith(".pdf")
    assert await storage.load(stored.key) == b"%PDF-1.4 hello"
    assert await storage.delete(stored.key) is True
    assert await storage.delete(stored.key) is False
    with pytest.raises(FileNotFoundError):
        await storage.load(stored.key)


async def test_encrypted_files_are_not_readable_on_disk() -> None:
    secret = b"\xff\xd8\xff face bytes"
    stored = await storage.save(secret, purpose="face", ext="jpg", encrypt=True)
    on_disk = (Path(get_settings().data_dir) / "files" / stored.key).read_bytes()
    assert secret not in on_disk
    assert await storage.load(stored.key, encrypted=True) == secret


@pytest.mark.parametrize("key", ["../etc/passwd", "proof/2026/11/x.pdf", "proof/2026/11/" + "a" * 20 + ".exe", "/abs"])
async def test_keys_from_outside_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        await storage.load(key)

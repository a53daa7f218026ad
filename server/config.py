"""Settings, loaded once from environment variables.

Every value has a safe development default so that ``make run`` works on a fresh machine. In production
(``APP_ENV=production``) the process refuses to start while any secret still has its development value, or while
``DATABASE_URL`` / ``REDIS_URL`` are unset: an embedded SQLite file and an embedded Redis are for development only.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

# Development values: public on purpose, and refused in production.
DEV_SECRET_KEY = "dev-secret-key-not-for-production-0000000000000000"
DEV_DATA_KEY = "ZGV2LWRhdGEta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE="  # base64 of 32 bytes
DEV_BLIND_INDEX_KEY = "dev-blind-index-key-not-for-production-000000000"

# Every demo account's password (`seed-demo`, development only: the seed refuses to run in production).
DEMO_PASSWORD = "Yishi-Demo-2026"

# The provider credentials and template ids the loopback emulators accept (server/emulators reads them from here):
# development defaults a fresh machine runs with, refused in production.
DEV_SMS_TEMPLATE_CODES: dict[str, str] = {
    "register": "SMS_900000001",
    "login": "SMS_900000002",
    "reset_password": "SMS_900000003",
    "change_phone": "SMS_900000004",
    "activation": "SMS_900000005",
    "review_result": "SMS_900000006",
    "password_reset_notice": "SMS_900000007",
}

DEV_SUBSCRIBE_TEMPLATE_IDS: dict[str, str] = {
    "review_result": "dev-review-result-tmpl-0000000000000000001",
    "exam_reminder": "dev-exam-reminder-tmpl-000000000000000001",
    "assessment_result": "dev-assessment-result-tmpl-00000000000001",
}

DEV_PROVIDER_VALUES: dict[str, Any] = {
    "wechat_app_id": "wx00000000d0e1e7a0",
    "wechat_app_secret": "dev-wechat-secret-emulator-only-00000000",
    "aliyun_access_key_id": "LTAI5tDevEmulatorOnly0000",
    "aliyun_access_key_secret": "dev-aliyun-secret-emulator-only-0000",
    "push_app_key": "33330001",
    # SMTP relay: the one sender it accepts (".invalid" can never be a real domain) and its AUTH credentials.
    "mail_from": "noreply@yishi-dev.invalid",
    "smtp_username": "noreply@yishi-dev.invalid",
    "smtp_password": "dev-smtp-password-emulator-only-0000",
    "sms_sign_name": "医师服务",
}
EMULATOR_DEV = DEV_PROVIDER_VALUES


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    app_env: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, le=64)
    public_base_url: str = ""
    data_dir: Path = ROOT / "var"
    log_level: str = "INFO"
    log_json: bool = False

    # Storage
    database_url: str = ""
    db_pool_max: int = Field(default=20, ge=1, le=500)
    db_pool_min: int = Field(default=0, ge=0, le=500)  # connections opened at start-up; 0 = all of db_pool_max
    redis_url: str = ""
    # A dependency that stops answering must cost a request seconds, not forever: every Redis command and connect,
    # and every database connect, gives up after this long; the request then answers 503 SERVICE_UNAVAILABLE.
    redis_timeout_s: float = Field(default=2.0, gt=0, le=60)
    db_connect_timeout_s: float = Field(default=3.0, gt=0, le=60)
    db_command_timeout_s: float = Field(default=30.0, gt=0, le=600)
    # While the database or Redis is down: what Retry-After says, and how often the probe looks for its return
    outage_retry_after_s: int = Field(default=5, ge=1, le=300)
    outage_probe_interval_s: float = Field(default=0.5, gt=0, le=60)
    trusted_proxies: str = ""  # comma-separated addresses whose X-Forwarded-For is believed
    request_max_size: int = 10 * 1024 * 1024
    # Pixels an uploaded image (attachment, proof, ID photo) or an image inside an uploaded PDF may have: 25 MP is a
    # 24-megapixel camera's full frame; a decompression bomb declares billions (server.common.uploads)
    upload_max_pixels: int = Field(default=25_000_000, ge=1_000_000, le=200_000_000)

    # Secrets
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    data_key: SecretStr = SecretStr(DEV_DATA_KEY)
    blind_index_key: SecretStr = SecretStr(DEV_BLIND_INDEX_KEY)

    # Tokens
    jwt_issuer: str = "yishi-platform"
    jwt_audience: str = "yishi-api"
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600

    # The service agreement and privacy policy a person must accept to register (bump to ask everyone again)
    agreement_version: str = "2026.1"
    privacy_version: str = "2026.1"

    # How long a staff account's one-time password (new account, password reset) may be used for the first log-in
    staff_one_time_password_hours: int = Field(default=72, ge=1, le=24 * 90)

    # Observability: how often the event-loop lag monitor wakes (finer = more precise, a little more work)
    loop_lag_interval_s: float = Field(default=0.02, gt=0, le=1)

    # WeChat mini-program (wechat_api_base empty = the real api.weixin.qq.com)
    wechat_app_id: str = EMULATOR_DEV["wechat_app_id"]
    wechat_app_secret: SecretStr = SecretStr(EMULATOR_DEV["wechat_app_secret"])
    wechat_api_base: str = ""

    # Aliyun SMS and mobile push (endpoints empty = the real hosts)
    aliyun_access_key_id: str = EMULATOR_DEV["aliyun_access_key_id"]
    aliyun_access_key_secret: SecretStr = SecretStr(EMULATOR_DEV["aliyun_access_key_secret"])
    aliyun_region_id: str = "cn-hangzhou"
    aliyun_sms_endpoint: str = ""
    aliyun_push_endpoint: str = ""
    aliyun_protocol: Literal["http", "https"] = "https"
    sms_sign_name: str = EMULATOR_DEV["sms_sign_name"]
    push_app_key: str = EMULATOR_DEV["push_app_key"]

    # Emulators (development and tests): started by `run`, the SDKs pointed at them
    emulators_enabled: bool = True
    emulator_port: int = 8900

    # Provider templates by purpose (JSON objects in the environment), defaulting to the emulator's
    sms_templates: dict[str, str] = Field(default_factory=lambda: dict(DEV_SMS_TEMPLATE_CODES))
    # How long an SMS or e-mail verification code lives. The one number: the code's lifetime in Redis and the
    # "${minutes}分钟内有效" of the text (SMS templates get it as the parameter ``minutes``) both come from here.
    sms_code_ttl_minutes: int = Field(default=10, ge=1, le=60)
    subscribe_templates: dict[str, str] = Field(default_factory=lambda: dict(DEV_SUBSCRIBE_TEMPLATE_IDS))

    # Jobs
    run_worker_in_process: bool = True

    # File storage (server/integrations/storage): every stored file is sealed with DATA_KEY before it leaves the
    # process. "local" = DATA_DIR/files (the default, one machine); "s3" = S3-compatible object storage (Aliyun OSS,
    # MinIO, AWS S3), so that no replica needs a shared volume. S3_ENDPOINT_URL empty = AWS's own endpoint for
    # S3_REGION; Aliyun OSS: https://oss-<region>-internal.aliyuncs.com with S3_ADDRESSING_STYLE=virtual.
    storage_backend: Literal["local", "s3"] = "local"
    storage_threads: int = Field(default=8, ge=1, le=128)  # blocking storage calls run on this many threads
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_bucket: str = ""
    s3_prefix: str = Field(default="", pattern=r"^([A-Za-z0-9._-]+/)*$")  # e.g. "yishi/": keys inside the bucket
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    s3_timeout_s: float = Field(default=10.0, gt=0, le=120)
    s3_max_attempts: int = Field(default=3, ge=1, le=10)

    # E-mail (security verification codes, password recovery) through an SMTP relay. The defaults point at the
    # SMTP emulator (started by `run` and the tests, which also set its AUTH credentials); production refuses its
    # sender. SMTP_USERNAME empty = no AUTH. SMTP_SECURITY: "ssl" = implicit TLS (465), "starttls" (587), "none" =
    # plain text, for the emulator or a relay on this host only.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8925, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_security: Literal["none", "starttls", "ssl"] = "none"
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=120)
    mail_from: str = EMULATOR_DEV["mail_from"]
    mail_from_name: str = "医师服务"
    emulator_smtp_port: int = 8925

    # Proctoring: face capture thresholds (server/proctoring/image.py FaceThresholds), capture validity,
    # snapshot schedule and face-image retention
    face_max_bytes: int = Field(default=2 * 1024 * 1024, ge=64 * 1024)
    # The one capture size limit: at most this many pixels (width × height, either orientation). The image check,
    # the OpenAPI description and the guide all state it from here (server.proctoring.checks.capture_size_text)
    face_max_width: int = Field(default=4096, ge=640, le=16384)
    face_max_height: int = Field(default=3072, ge=480, le=16384)
    face_min_face_ratio: float = Field(default=0.2, gt=0, lt=1)
    face_edge_margin: float = Field(default=0.15, ge=0, lt=1)
    face_max_center_offset: float = Field(default=0.25, gt=0, le=0.5)
    face_min_brightness: float = Field(default=60.0, ge=0, le=255)
    face_max_brightness: float = Field(default=200.0, ge=0, le=255)
    face_min_sharpness: float = Field(default=20.0, ge=0)
    face_check_threads: int = Field(default=2, ge=1, le=64)
    face_capture_valid_minutes: int = Field(default=30, ge=1)
    face_snapshot_count: int = Field(default=3, ge=0, le=20)
    face_snapshot_window_s: int = Field(default=3300, ge=60)  # offsets fall in [60 s, this] after the start
    face_snapshot_grace_s: int = Field(default=120, ge=10)  # a snapshot this late still answers its slot
    face_retention_days: int = Field(default=180, ge=1)
    # Face comparison with the approved ID photo (dlib ResNet embedding, in a process pool)
    face_match_threshold: float = Field(default=0.6, gt=0, lt=2)  # distance above it is a mismatch
    face_match_workers: int = Field(default=1, ge=1, le=32)  # processes; each holds the models (~100 MB)
    face_identity_valid_days: int = Field(default=60, ge=1)  # an identity confirmed the non-face way lasts this long

    # 成绩申诉: a physician may appeal a result for this many days after it is published
    appeal_period_days: int = Field(default=30, ge=1, le=365)

    # Load benchmarks only: any physician may sit an exam, outside any assessment and without a face capture.
    # Refused in production.
    exams_open_to_all: bool = False

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite://{self.data_dir / 'yishi.sqlite3'}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_dev_values_in_production(self) -> Settings:
        if not self.is_production:
            return self
        problems = []
        for name, dev in (
            ("SECRET_KEY", DEV_SECRET_KEY),
            ("DATA_KEY", DEV_DATA_KEY),
            ("BLIND_INDEX_KEY", DEV_BLIND_INDEX_KEY),
            ("WECHAT_APP_SECRET", EMULATOR_DEV["wechat_app_secret"]),
            ("ALIYUN_ACCESS_KEY_SECRET", EMULATOR_DEV["aliyun_access_key_secret"]),
        ):
            value = getattr(self, name.lower()).get_secret_value()
            if value == dev or len(value) < 16 or "CHANGE-ME" in value.upper():
                problems.append(f"{name} is unset, a development value or shorter than 16 characters")
        if not self.database_url:
            problems.append("DATABASE_URL must be set (SQLite is for development only)")
        if not self.redis_url:
            problems.append("REDIS_URL must be set (the embedded Redis is for development only)")
        if self.emulators_enabled:
            problems.append("EMULATORS_ENABLED must be false")
        if self.exams_open_to_all:
            problems.append("EXAMS_OPEN_TO_ALL is for load benchmarks and must be false")
        problems += self._mail_problems_in_production()
        problems += self._storage_problems_in_production()
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self

    def _mail_problems_in_production(self) -> list[str]:
        # A relay on this host (127.0.0.1:25, no AUTH) is a fine production set-up, so the host alone says little:
        # the emulator's sender and credentials are what give a development configuration away.
        problems = []
        host = self.smtp_host.strip().lower()
        if not host:
            problems.append("SMTP_HOST must be set (the mail relay)")
        if self.mail_from == EMULATOR_DEV["mail_from"] or "@" not in self.mail_from:
            problems.append("MAIL_FROM must be the platform's own sender address, not the SMTP emulator's")
        if self.smtp_username == EMULATOR_DEV["smtp_username"]:
            problems.append("SMTP_USERNAME is the SMTP emulator's (set the relay's, or leave it empty for no AUTH)")
        elif self.smtp_username and (
            self.smtp_password.get_secret_value() in ("", EMULATOR_DEV["smtp_password"])
            or "CHANGE-ME" in self.smtp_password.get_secret_value().upper()
        ):
            problems.append("SMTP_PASSWORD is unset, a placeholder or a development value while SMTP_USERNAME is set")
        if self.smtp_security == "none" and host and host not in ("127.0.0.1", "::1", "localhost"):
            # Credentials and verification codes would cross the network in clear text.
            problems.append("SMTP_SECURITY must be ssl or starttls for a relay on another host")
        return problems

    def _storage_problems_in_production(self) -> list[str]:
        if self.storage_backend != "s3":
            return []  # DATA_DIR/files on this machine: fine for one machine (systemd), see deploy/README.md
        problems = []
        if not self.s3_bucket or "CHANGE-ME" in self.s3_bucket.upper():
            problems.append("S3_BUCKET must be set when STORAGE_BACKEND=s3")
        if not self.s3_access_key_id or "CHANGE-ME" in self.s3_access_key_id.upper():
            problems.append("S3_ACCESS_KEY_ID must be set when STORAGE_BACKEND=s3")
        secret = self.s3_secret_access_key.get_secret_value()
        if len(secret) < 16 or "CHANGE-ME" in secret.upper():
            problems.append("S3_SECRET_ACCESS_KEY is unset, a placeholder or shorter than 16 characters")
        endpoint = urlsplit(self.s3_endpoint_url)
        if self.s3_endpoint_url and (endpoint.scheme not in ("http", "https") or not endpoint.hostname):
            problems.append("S3_ENDPOINT_URL must be an http(s):// URL (empty = AWS's endpoint for S3_REGION)")
        return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment before starting a server)."""
    get_settings.cache_clear()

"""Runtime settings: where state lives and how to reach the database and bus.

Everything a deployment tunes comes from `GOVBRIDGE_*` environment variables.
All state of an embedded installation lives under one data directory,
`GOVBRIDGE_HOME` (default `~/.govbridge`).
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVBRIDGE_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".govbridge")
    database_url: str | None = None
    bus_url: str = "inprocess://"
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 512 * 1_048_576
    # "auto": cookies are Secure when public_url is https (never from what a client sends).
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    # Reverse proxies (addresses or networks) whose X-Forwarded-For names the client a
    # login is throttled under; from anyone else the header is ignored.
    trusted_proxies: list[str] = Field(default_factory=list)
    session_hours: int = 8
    password_history: int = 5
    # Working days a provider has to answer a conditional sharing request (有条件共享).
    agreement_answer_days: int = 10
    # Public holidays and make-up working days (调休) for working-day deadlines.
    holidays: list[date] = Field(default_factory=list)
    makeup_workdays: list[date] = Field(default_factory=list)
    # Unusual-access flags (exchange/anomaly.py): rows a day above factor × the usual day
    # and above the floor; calls about this many subjects outside working hours.
    flag_volume_factor: float = 5.0
    flag_volume_floor: int = 200
    flag_bulk_subjects: int = 20
    # Lookups by subject under an agreement that masks the subject field: flagged at the
    # n-th that finds nothing in a day, refused for the rest of the day from the limit on.
    exchange_subject_miss_flag: int = 3
    exchange_subject_miss_limit: int = 10
    # Hosts a live source (同源) may point at: exact names or addresses, or ".domain" for a
    # whole domain. Empty: no live source can be registered until the bureau lists the
    # departments' hosts (otherwise an officer could make the platform reach any host).
    live_source_hosts: list[str] = Field(default_factory=list)
    # Signed tree heads on a schedule (seconds; 0: only on demand), witnessed in-process
    # by every department on the embedded default.
    checkpoint_seconds: float = 300
    # Exchange queries at work at once in one server process, and how long a query may
    # wait for its turn before it is answered 503 (exchange/admission.py says why).
    exchange_slots: int = Field(default=2, ge=1, le=64)
    exchange_queue_seconds: float = Field(default=10.0, gt=0, le=300)
    # Case time limits and BPMN timers checked this often (seconds; 0: only by hand).
    case_tick_seconds: float = 60
    embedded_witnesses: bool = True
    # Where the public reaches this installation: certificates' QR codes open
    # <public_url>/verify/<identifier>; an https URL makes cookies Secure (cookie_secure).
    public_url: str = "http://localhost:8000"
    # Stream ingest micro-batches (ingest/stream_store.py): a durable subscriber hands
    # over up to this many messages, collected for at most this long after the first,
    # stored with one commit and acknowledged after it. 500 / 200 ms: 0.31-0.51 of a
    # bare NATS consumer end to end on SQLite and PostgreSQL (0.75-2.3k messages/s on
    # 2 busy vCPUs), against 0.05 and 0.01 (151 and 63 messages/s) with a commit per
    # message (`govbridge bench stream`); 1,000 measured ~0.1 better, 250 no worse
    # than 500 but twice the commits. A quiet stream holds a message <= 200 ms.
    stream_batch_messages: int = Field(default=500, ge=1, le=10_000)
    stream_batch_wait_ms: int = Field(default=200, ge=1, le=60_000)
    # Notifications (notifications/): written with the change that causes them, delivered
    # after commit by a dispatcher round every `notify_seconds` (0: only by hand,
    # `govbridge notify deliver`). A failed send waits base × 2^(attempt-1) seconds, at
    # most `notify_retry_cap_seconds`; 12 attempts at 30 s capped at 1 h span ~5 h (18,210 s).
    # E-mail goes through SMTP when `smtp_host` is set (none: no e-mail is written);
    # the password is a secret (never logged, never shown). A webhook may only point at a
    # host on `webhook_hosts` (exact names or ".domain"; empty: none can be registered),
    # as a live source may only at `live_source_hosts`.
    notify_seconds: float = Field(default=30, ge=0)
    notify_batch: int = Field(default=100, ge=1, le=10_000)
    notify_timeout_seconds: float = Field(default=10, gt=0, le=120)
    notify_retry_base_seconds: float = Field(default=30, ge=0)
    notify_retry_cap_seconds: float = Field(default=3600, ge=0)
    notify_max_attempts: int = Field(default=12, ge=1, le=100)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_from: str = "govbridge@localhost"
    smtp_starttls: bool = True
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # Campaign tasks (tasks/remind.py): the reminder and escalation round this often
    # (seconds; 0: only by hand, `govbridge task remind`). Each reminder goes once.
    task_remind_seconds: float = Field(default=300, ge=0)
    webhook_hosts: list[str] = Field(default_factory=list)
    # Emergency rules (emergency/): a reading dated more than this after the platform's
    # clock is refused (the gauge's clock is wrong); an alert joins the open incident of
    # its district whose newest alert lies within `emergency_join_hours` of it.
    emergency_clock_skew_seconds: int = Field(default=600, ge=0, le=86_400)
    emergency_join_hours: float = Field(default=12, gt=0, le=24 * 14)
    # Privacy jobs (privacy/): a released count or aggregate over fewer subjects than
    # `privacy_min_group` is refused (a histogram's small bins suppressed); a dataset takes
    # part in at most `privacy_job_budget` runs in any `privacy_budget_days`; a party's
    # process that does not answer a round within `privacy_round_seconds` has dropped out.
    # `privacy_node_dirs`: department code -> its node directory, where the party reads
    # the node's own rows (rows.db) instead of the hub-stored dataset.
    privacy_min_group: int = Field(default=10, ge=1, le=10_000)
    privacy_job_budget: int = Field(default=20, ge=1)
    privacy_budget_days: int = Field(default=30, ge=1)
    privacy_round_seconds: float = Field(default=600, gt=0)
    privacy_node_dirs: dict[str, Path] = Field(default_factory=dict)

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'govbridge.db'}"

    @cached_property
    def secret_key(self) -> bytes:
        """The installation's own secret (session signing, keyed hashes).

        Created once with mode 0600 in the data directory; never logged.
        """
        path = self.home / "secret.key"
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


def load_settings() -> Settings:
    return Settings()

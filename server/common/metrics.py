"""Prometheus metrics. With several worker processes, PROMETHEUS_MULTIPROC_DIR makes /metrics add them up."""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request duration",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0),
)
APP_ERRORS = Counter("app_errors_total", "Client-visible errors by code", ["code"])
LOOP_LAG = Histogram(
    "event_loop_lag_seconds",
    "How late the event loop woke a timer (time it was held by other work)",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
DEPENDENCY_FAILURES = Counter(
    "dependency_failures_total", "Requests and jobs that met the database or Redis down", ["dependency"]
)
DEPENDENCY_UP = Gauge(
    "dependency_up",
    "1 while the dependency answers, 0 while this process holds it for down",
    ["dependency"],
    multiprocess_mode="min",
)

_request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """One answered request: its count and its duration (the label children looked up once per series)."""
    key = (method, route, status)
    series = _request_series.get(key)
    if series is None:
        series = _request_series[key] = (REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route))
    series[0].inc()
    series[1].observe(seconds)


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST

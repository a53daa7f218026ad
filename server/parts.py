"""The manifest: every part of the platform, bottom layer first, and what each brings.

The app reads it for blueprints, the worker for jobs, the database set-up for models and migrations, the event
bus for subscribers and ``seed-demo`` for each part's demo data (in this order, so a part finds what lower parts
seeded). A part is named here once; nothing else lists the parts. The order is the layer order that
``.importlinter`` enforces (a part imports only parts before it, through their public face ``api.py``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    package: str
    models: bool = False  # models.py + migrations/: one tortoise app named after the part
    routes: bool = False  # routes.py exposing ``bp``
    tasks: bool = False  # tasks.py exposing FUNCTIONS, CRON_JOBS (and optionally AFTER_OUTAGE) for the worker
    subscribers: bool = False  # subscribers.py exposing SUBSCRIPTIONS for the event bus
    demo: bool = False  # demo.py exposing ``async seed_demo() -> list[str]`` (banner lines)

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{name}")


PARTS: tuple[Part, ...] = (
    Part("core", "server.common", models=True),
    Part("directory", "server.directory", models=True, routes=True, demo=True),
    Part("accounts", "server.accounts", models=True, routes=True, demo=True),
    Part("workflow", "server.workflow", models=True, routes=True),
    Part("notifications", "server.notifications", models=True, routes=True, tasks=True, subscribers=True, demo=True),
    Part("proctoring", "server.proctoring", models=True, routes=True, tasks=True, subscribers=True),
    Part("registry", "server.registry", models=True, routes=True, subscribers=True, demo=True),
    Part("exams", "server.exams", models=True, routes=True, tasks=True, subscribers=True, demo=True),
    Part("assessment", "server.assessment", models=True, routes=True, subscribers=True, demo=True),
)


def with_(feature: str) -> tuple[Part, ...]:
    """The parts that bring ``feature`` ("models", "routes", "tasks", "subscribers", "demo"), in layer order."""
    return tuple(p for p in PARTS if getattr(p, feature))

"""What the assessment does when the parts below it report something (all inside their transactions)."""

from __future__ import annotations

from server.assessment import outcome, reviews
from server.common.events import Subscriptions
from server.exams import api as exams_api
from server.workflow import api as workflow_api

SUBSCRIPTIONS: Subscriptions = {
    workflow_api.ReviewDecided: [reviews.apply_decision],
    workflow_api.ReviewWithdrawn: [reviews.apply_withdrawal],
    exams_api.AttemptScored: [outcome.record_scored],
    exams_api.AttemptInvalidated: [outcome.record_invalidated],
}

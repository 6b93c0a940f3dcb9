"""Every package's blueprints, registered by the app factory."""
from __future__ import annotations

from flask import Blueprint

from intake import api
from intake.sms import domestic_webhooks, webhooks
from intake.web import admin, kiosk, notices_admin, ops, outbox_admin, pages, staff_intake
from routing.web import auth, callback_pages, case_pages, escalation_pages, policy_pages, rule_pages
from scoring.web import dashboard, entry, overview


def all_blueprints() -> list[Blueprint]:
    return [ops.bp, pages.bp, kiosk.bp, webhooks.bp, domestic_webhooks.bp, admin.bp, outbox_admin.bp,
            notices_admin.bp, api.bp, auth.bp, case_pages.bp, callback_pages.bp, escalation_pages.bp,
            policy_pages.bp, rule_pages.bp, dashboard.bp, entry.bp, overview.bp, staff_intake.bp]

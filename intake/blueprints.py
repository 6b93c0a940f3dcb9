"""Every package's blueprints, registered by the app factory."""


def all_blueprints():
    from intake import admin, api, ops, pages, sms
    from intake import outbox_admin as _outbox_admin  # noqa: F401  (adds the outbox's pages to admin.bp)
    from routing import auth, callback_views, case_views, escalation_views, policy_admin
    from scoring import api as _scoring_api  # noqa: F401  (adds /scorecards and /metrics to api.bp)
    from scoring import views as _scoring_views

    return [ops.bp, pages.bp, sms.bp, admin.bp, api.bp, auth.bp, case_views.bp,
            callback_views.bp, escalation_views.bp, policy_admin.bp, _scoring_views.bp]

"""Every package's blueprints, registered by the app factory."""


def all_blueprints():
    from intake import ops, pages
    from routing import auth, case_views

    return [ops.bp, pages.bp, auth.bp, case_views.bp]

"""The words people read for a case's status: shown by the pages and used in
the rules' own messages, so a refusal never shows a raw code."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

STATUS_LABELS = {
    "new": lazy_pgettext("case status", "New"), "claimed": _l("Claimed"), "in_progress": _l("In progress"),
    "waiting": _l("Waiting for the customer"), "resolved": _l("Resolved"), "closed": _l("Closed"),
}

"""Flask extensions, created unbound and bound in the app factory."""
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

import routing.foundation.limit_storage  # noqa: F401  registers local:// with limits

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# No X-RateLimit-* headers: no browser reads them, and writing them cost every
# limited POST (a customer's tap) a twentieth of its time. A refusal still
# says when to come back (Retry-After, intake.errors).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)

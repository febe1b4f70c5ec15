"""HTML pages of the sandbox's browser origins (Canvas Credentials UI and Canvas LMS).

Every value that came from a request or from issuer data is escaped with :func:`html.escape`:
these pages reflect ``client_id``, ``state`` and ``redirect_uri`` back, exactly the spot where a
careless server lets a hostile link inject markup. No scripts: forms post plainly, so the
embedded browser and a test driver both work without JavaScript.
"""

from __future__ import annotations

from html import escape

SCOPE_TEXT = {
    "openid": "Confirm who you are to the app (your name and e-mail address)",
    "r:profile": "See your name and e-mail addresses",
    "rw:profile": "See and change your profile",
    "r:backpack": "See the badges in your backpack",
    "rw:backpack": "See, accept, remove and import badges in your backpack",
    "rw:issuer": "Manage issuers and award badges on your behalf",
}

_BADGR_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f1f2f7;margin:0;color:#1e1e2f}
header{background:#05012c;color:#fff;padding:14px 28px;font-weight:600;letter-spacing:.02em}
main{max-width:420px;margin:48px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 2px 10px #0002}
h1{font-size:22px;margin:0 0 18px} label{display:block;margin:14px 0 4px;font-size:14px}
input[type=email],input[type=password],input[type=text]{width:100%;box-sizing:border-box;padding:10px;border:1px solid #b9bccc;border-radius:4px;font-size:15px}
button,.button{font-family:inherit;display:inline-block;margin-top:20px;padding:10px 18px;border-radius:4px;border:0;font-size:15px;cursor:pointer;text-decoration:none}
.primary{background:#492bb8;color:#fff}.secondary{background:#e4e4ee;color:#1e1e2f}
.canvas{background:#fff;color:#c7162b;border:2px solid #c7162b;width:100%;text-align:center;box-sizing:border-box}
.error{background:#fde8ea;color:#8a0d1c;padding:10px;border-radius:4px}.muted{color:#5c5f73;font-size:13px}
ul{padding-left:20px} .or{text-align:center;color:#5c5f73;margin:18px 0 0}
"""

_CANVAS_STYLE = """
body{font-family:'Lato',system-ui,sans-serif;background:#394b58;margin:0;color:#2d3b45}
main{max-width:380px;margin:70px auto;background:#fff;border-radius:6px;padding:30px}
.brand{color:#c7162b;font-weight:700;font-size:24px;margin-bottom:6px}
label{display:block;margin:12px 0 4px;font-size:14px}
input{width:100%;box-sizing:border-box;padding:9px;border:1px solid #c7cdd1;border-radius:4px}
button{font-family:inherit;margin-top:18px;background:#c7162b;color:#fff;border:0;border-radius:4px;padding:10px 16px;font-size:15px}
.error{background:#fde8ea;color:#8a0d1c;padding:8px;border-radius:4px} a{color:#0374b5}
"""


def _page(title: str, body: str, style: str, header: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width"><style>{style}</style></head>'
        f"<body>{header}<main>{body}</main></body></html>"
    )


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def _error(message: str | None) -> str:
    return f'<p class="error" role="alert" id="error">{escape(message)}</p>' if message else ""


def badgr_login(next_url: str, canvas_url: str, error: str | None = None, email: str = "") -> str:
    """The Canvas Credentials sign-in page."""
    body = (
        f"<h1>Sign in to Canvas Credentials</h1>{_error(error)}"
        f'<form method="post" action="/auth/login" id="login">{_hidden({"next": next_url})}'
        f'<label for="email">Email</label><input type="email" id="email" name="email" value="{escape(email)}" autocomplete="username" required>'
        f'<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>'
        '<button class="primary" type="submit" id="submit">Sign in</button></form>'
        '<p class="or">or</p>'
        f'<a class="button canvas" id="canvas" href="{escape(canvas_url)}">Sign in with Canvas</a>'
        '<p class="muted">Sandbox server for Backpack Desktop. No real accounts.</p>'
    )
    return _page(
        "Sign in · Canvas Credentials", body, _BADGR_STYLE, "<header>Canvas Credentials · sandbox</header>"
    )


def badgr_consent(app_name: str, user_name: str, scopes: tuple[str, ...], fields: dict[str, str]) -> str:
    """The consent page with Allow and Deny."""
    items = "".join(f"<li>{escape(SCOPE_TEXT.get(s, s))}</li>" for s in scopes)
    body = (
        f"<h1>Authorize {escape(app_name)}</h1>"
        f"<p>Signed in as <strong>{escape(user_name)}</strong>. {escape(app_name)} would like to:</p>"
        f'<ul id="scopes">{items}</ul>'
        f'<form method="post" action="/auth/oauth2/authorize" id="consent">{_hidden(fields)}'
        '<button class="primary" name="decision" value="allow" id="allow">Allow</button> '
        '<button class="secondary" name="decision" value="deny" id="deny">Deny</button></form>'
    )
    return _page(
        "Authorize · Canvas Credentials", body, _BADGR_STYLE, "<header>Canvas Credentials · sandbox</header>"
    )


def badgr_error(title: str, message: str) -> str:
    """An error page that does not redirect anywhere."""
    body = f"<h1>{escape(title)}</h1>{_error(message)}"
    return _page(title, body, _BADGR_STYLE, "<header>Canvas Credentials · sandbox</header>")


def badgr_public_award(name: str, issuer: str, issued: str, image_url: str, description: str) -> str:
    """The human-readable public page of an award (where share links land in a browser)."""
    body = (
        f'<img src="{escape(image_url)}" alt="" width="160" height="160">'
        f"<h1>{escape(name)}</h1><p>Issued by <strong>{escape(issuer)}</strong> on {escape(issued)}</p>"
        f"<p>{escape(description)}</p>"
    )
    return _page(name, body, _BADGR_STYLE, "<header>Canvas Credentials · sandbox</header>")


def canvas_login(fields: dict[str, str], cancel_url: str, error: str | None = None) -> str:
    """The Canvas LMS login page of the "Sign in with Canvas" hop."""
    body = (
        '<div class="brand">Canvas LMS</div><p>Sandbox institution login</p>'
        f'{_error(error)}<form method="post" action="/login/canvas" id="login">{_hidden(fields)}'
        '<label for="username">Email</label><input type="email" id="username" name="username" autocomplete="username" required>'
        '<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>'
        '<button type="submit" id="submit">Log In</button></form>'
        f'<p><a id="cancel" href="{escape(cancel_url)}">Cancel</a></p>'
    )
    return _page("Log In to Canvas", body, _CANVAS_STYLE)

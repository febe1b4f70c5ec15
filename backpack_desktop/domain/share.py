"""Share links built from the cached award, with no network (reference a.8 and badgr-ui).

The templates are Canvas Credentials' own (``apps/backpack/sharing.py``), written correctly
where the server has quirks: LinkedIn gets the issuer's name and the badge name (the server
sends a fixed title and the repr of a tuple), and every query value is percent-encoded (the
server leaves Pinterest's raw). "Add to profile" uses LinkedIn's documented certification
form, which the server has disabled in code. Everything an issuer wrote is encoded or escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.models import Award

PROVIDERS = ("link", "linkedin", "linkedin-profile", "twitter", "facebook", "pinterest", "email", "embed")
SOCIAL = ("linkedin", "linkedin-profile", "twitter", "facebook", "pinterest")
NO_PUBLIC_URL = "This badge has no public web address, so it cannot be shared as a link."
HASHED_ONLY = (
    "The issuer shared only a fingerprint of the recipient's address, so it cannot be added to the link."
)


@dataclass(frozen=True)
class ShareTarget:
    """What one provider's share opens: ``url``, or for embed the HTML ``snippet``."""

    provider: str
    url: str
    snippet: str = ""


def public_url(award: Award, include_identifier: bool = False) -> str:
    """The award's public page, with ``identity__<type>=<value>`` when asked (as the server does).

    Raises:
        UserFacingError: no public URL, or the identifier is known only as a hash.
    """
    url = award.open_badge_id
    if not url.startswith(("https://", "http://")):
        raise UserFacingError(NO_PUBLIC_URL)
    if not include_identifier:
        return url
    value = award.recipient.plaintext or (None if award.recipient.hashed else award.recipient.identity)
    if not value:
        raise UserFacingError(HASHED_ONLY)
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}identity__{quote(award.recipient.type, safe='')}={quote(value)}"


def share(award: Award, provider: str, include_identifier: bool = False) -> ShareTarget:
    """The share URL (or snippet) for ``provider``, one of :data:`PROVIDERS`."""
    link = public_url(award, include_identifier)
    name, issuer = award.name, award.issuer.name
    if provider == "link":
        return ShareTarget(provider, link)
    if provider == "facebook":
        return ShareTarget(provider, "https://www.facebook.com/sharer/sharer.php?" + _encode({"u": link}))
    if provider == "linkedin":
        query = {"mini": "true", "url": link, "title": f"I earned a badge from {issuer}!", "summary": name}
        return ShareTarget(provider, "https://www.linkedin.com/shareArticle?" + _encode(query))
    if provider == "linkedin-profile":
        return ShareTarget(provider, linkedin_profile_url(award, link))
    if provider == "twitter":
        text = f"I earned a badge from {issuer}! {link}"
        return ShareTarget(provider, "https://twitter.com/intent/tweet?" + _encode({"text": text}))
    if provider == "pinterest":
        query = {
            "url": link,
            "media": award.image_url or award.badgeclass.image_url or "",
            "description": name,
        }
        return ShareTarget(provider, "https://www.pinterest.com/pin/create/button/?" + _encode(query))
    if provider == "email":
        return ShareTarget(provider, mailto(award, link))
    if provider == "embed":
        return ShareTarget(provider, link, embed_html(award, link))
    raise UserFacingError(f"Unknown share provider {provider[:40]!r}.")


def _encode(query: dict[str, str]) -> str:
    """Percent-encode every value as the server encodes its share links (``/`` kept)."""
    return urlencode(query, safe="/", quote_via=quote)


def linkedin_profile_url(award: Award, link: str) -> str:
    """LinkedIn's "Add licence or certification" form, filled in from the award."""
    query: dict[str, str] = {
        "startTask": "CERTIFICATION_NAME",
        "name": award.name,
        "organizationName": award.issuer.name,
        "issueYear": str(award.issued_on.year),
        "issueMonth": str(award.issued_on.month),
        "certUrl": link,
        "certId": award.entity_id,
    }
    if award.expires is not None:
        query["expirationYear"] = str(award.expires.year)
        query["expirationMonth"] = str(award.expires.month)
    return "https://www.linkedin.com/profile/add?" + _encode(query)


def mailto(award: Award, link: str) -> str:
    """A ``mailto:`` with no addressee, a subject and a body naming the badge, issuer and link."""
    subject = f"My badge: {award.name}"
    body = f'I earned the badge "{award.name}" from {award.issuer.name}.\r\n\r\nSee it here: {link}\r\n'
    return "mailto:?" + _encode({"subject": subject, "body": body})


def embed_html(award: Award, link: str) -> str:
    """The badge image linking to its public page, with the award date and recipient name.

    Every value is HTML-escaped (quotes included), so a hostile badge name stays text.
    """
    image = award.image_url or award.badgeclass.image_url or ""
    recipient = award.recipient_name or award.recipient.plaintext or ""
    issued = award.issued_on.date().isoformat()
    alt = f"{award.name} — {award.issuer.name}"
    by = f" by {html.escape(recipient)}" if recipient else ""
    return (
        f'<a href="{html.escape(link)}" target="_blank" rel="noopener">'
        f'<img src="{html.escape(image)}" alt="{html.escape(alt)}" width="128" height="128"></a>\n'
        f"<p>{html.escape(award.name)}: awarded on {issued}{by}</p>"
    )

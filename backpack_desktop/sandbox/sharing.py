"""Share URLs as badgr-server's ``apps/backpack/sharing.py`` builds them (reference a.8).

Quirks kept on purpose so the client is tested against the real thing: LinkedIn's title is the
fixed, unencoded "I earned a badge from Badgr!" and its summary is the repr of a one-item tuple
(a trailing comma in the server code); Pinterest's ``media`` and ``description`` are not
percent-encoded.
"""

from __future__ import annotations

from urllib.parse import quote

from backpack_desktop.sandbox.records import AwardRecord
from backpack_desktop.sandbox.serializers import Urls


def public_share_url(award: AwardRecord, urls: Urls, include_identifier: bool) -> str:
    """The public assertion URL, with ``identity__email=`` when the learner asks for it."""
    url = urls.assertion(award)
    if include_identifier:
        url += f"?identity__email={quote(award.recipient_email)}"
    return url


def share_url(provider: str, award: AwardRecord, urls: Urls, include_identifier: bool) -> str | None:
    """The provider's share URL, or None for an unknown provider."""
    link = public_share_url(award, urls, include_identifier)
    name = award.badgeclass.name
    if provider == "facebook":
        return f"https://www.facebook.com/sharer/sharer.php?u={quote(link)}"
    if provider == "linkedin":
        summary = (name,)  # badgr-server's trailing comma: the summary is a tuple's repr
        return (
            "https://www.linkedin.com/shareArticle?mini=true"
            f"&url={quote(link)}&title=I earned a badge from Badgr!&summary={summary}"
        )
    if provider == "twitter":
        text = f"I earned a badge from {award.badgeclass.issuer.name}! {link}"
        return f"https://twitter.com/intent/tweet?text={quote(text)}"
    if provider == "pinterest":
        return (
            f"http://www.pinterest.com/pin/create/button/?url={quote(link)}"
            f"&media={urls.assertion(award)}/image&description={name}"
        )
    return None

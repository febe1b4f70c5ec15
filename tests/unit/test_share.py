"""Share URLs and snippets built offline from the cached award (issue: share tray)."""

from __future__ import annotations

import html.parser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from backpack_desktop.domain.errors import UserFacingError
from backpack_desktop.domain.models import Award, parse_award
from backpack_desktop.domain.share import HASHED_ONLY, NO_PUBLIC_URL, embed_html, public_url, share

PUBLIC = "https://api.badgr.io/public/assertions/AbC123"


def award(
    name: str = 'Data & Analysis #1 "Pro"', issuer: str = "Université d'Été & Co", **extra: Any
) -> Award:
    raw: dict[str, Any] = {
        "entityId": "AbC123",
        "openBadgeId": PUBLIC,
        "issuedOn": "2026-03-05T10:00:00Z",
        "image": "https://api.badgr.io/public/assertions/AbC123/image",
        "recipient": {"identity": "ada@example.org", "hashed": False, "type": "email"},
        "badgeclass": {
            "id": "https://api.badgr.io/public/badges/B1",
            "name": name,
            "description": "d",
            "issuer": {"id": "https://api.badgr.io/public/issuers/I1", "name": issuer},
        },
    }
    raw.update(extra)
    return parse_award(raw)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_link_and_the_identifier_variant() -> None:
    assert share(award(), "link").url == PUBLIC
    assert public_url(award(), include_identifier=True) == PUBLIC + "?identity__email=ada%40example.org"


def test_a_hashed_identity_cannot_be_added() -> None:
    hashed = award(recipient={"identity": "sha256$abc", "hashed": True, "type": "email"})
    with pytest.raises(UserFacingError, match="fingerprint"):
        public_url(hashed, include_identifier=True)
    assert HASHED_ONLY
    assert public_url(hashed) == PUBLIC


def test_no_public_url_is_a_clear_error() -> None:
    with pytest.raises(UserFacingError) as caught:
        share(award(openBadgeId=""), "link")
    assert str(caught.value) == NO_PUBLIC_URL


def test_exact_social_urls_with_awkward_names() -> None:
    a = award()
    assert share(a, "facebook").url == (
        "https://www.facebook.com/sharer/sharer.php?u=https%3A//api.badgr.io/public/assertions/AbC123"
    )
    linkedin = share(a, "linkedin").url
    assert linkedin.startswith("https://www.linkedin.com/shareArticle?mini=true&url=https%3A//")
    assert query(linkedin) == {
        "mini": ["true"],
        "url": [PUBLIC],
        "title": ["I earned a badge from Université d'Été & Co!"],
        "summary": ['Data & Analysis #1 "Pro"'],
    }
    assert "#" not in linkedin and " " not in linkedin and '"' not in linkedin
    tweet = share(a, "twitter").url
    assert tweet.startswith("https://twitter.com/intent/tweet?text=")
    assert query(tweet)["text"] == [f"I earned a badge from Université d'Été & Co! {PUBLIC}"]
    pin = share(a, "pinterest").url
    assert query(pin) == {
        "url": [PUBLIC],
        "media": ["https://api.badgr.io/public/assertions/AbC123/image"],
        "description": ['Data & Analysis #1 "Pro"'],
    }


def test_linkedin_add_to_profile_carries_the_certification() -> None:
    a = award(expires="2028-07-01T00:00:00Z")
    url = share(a, "linkedin-profile").url
    assert url.startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&")
    assert query(url) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ['Data & Analysis #1 "Pro"'],
        "organizationName": ["Université d'Été & Co"],
        "issueYear": ["2026"],
        "issueMonth": ["3"],
        "certUrl": [PUBLIC],
        "certId": ["AbC123"],
        "expirationYear": ["2028"],
        "expirationMonth": ["7"],
    }


def test_the_identifier_travels_inside_every_provider() -> None:
    url = share(award(), "facebook", include_identifier=True).url
    assert query(url)["u"] == [PUBLIC + "?identity__email=ada%40example.org"]


def test_mailto_is_well_formed() -> None:
    url = share(award(), "email").url
    assert url.startswith("mailto:?subject=")
    fields = query(url.replace("mailto:", "http://x/", 1))
    assert fields["subject"] == ['My badge: Data & Analysis #1 "Pro"']
    body = fields["body"][0]
    assert 'Data & Analysis #1 "Pro"' in body and "Université d'Été & Co" in body and PUBLIC in body
    assert "\r\n" in body and " " not in url and "&Co" not in url


class _Collector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_embed_escapes_hostile_names() -> None:
    hostile = award(name='<script>alert(1)</script>" onerror="x', issuer="<img src=x>")
    snippet = embed_html(hostile, PUBLIC)
    parsed = _Collector()
    parsed.feed(snippet)
    assert [tag for tag, _ in parsed.tags] == ["a", "img", "p"]  # nothing injected
    img = parsed.tags[1][1]
    assert img["alt"] == '<script>alert(1)</script>" onerror="x — <img src=x>'
    assert "onerror" not in img and parsed.tags[0][1]["href"] == PUBLIC
    assert "<script>" not in snippet
    assert share(hostile, "embed").snippet == snippet


def test_unknown_provider() -> None:
    with pytest.raises(UserFacingError):
        share(award(), "myspace")

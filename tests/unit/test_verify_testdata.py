"""Every file of the shared Open Badges test data, verified with its expected outcome.

The expectations come from ../shared/testdata/open-badges/README.md. "web" serves the
validator's ob20/assets at the example.org addresses the badges use; "offline" fetches
nothing. JSON-LD contexts always come from the README's table (never from the network).

complete.json: the 1EdTech validator calls it invalid for an inline-schema reason (a 404 on
the schema reference) that this wallet does not reproduce. We say "could not be checked"
because its revocation status list cannot be fetched; what matters is that it is never
"verified" and its revocation status is never claimed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from backpack_desktop.domain.badgefile import read_badge_file
from backpack_desktop.domain.errors import BadgeFileError, NoBadgeDataError
from backpack_desktop.domain.verify import (
    MAX_FETCHES,
    MapResolver,
    OfflineResolver,
    Outcome,
    Unavailable,
    Verification,
    verify,
)

NOW = datetime(2025, 6, 1, tzinfo=UTC)
V, X, U = Outcome.VERIFIED, Outcome.INVALID, Outcome.UNCHECKED  # X: invalid
NO_DATA, NOT_A_BADGE = "no-data", "not-a-badge"
ASSET_JSON = (
    "badge-from-organization-with-empty-revocation-list.json",
    "badge-from-organization-with-revocation-list.json",
    "empty-revocation-list.json",
    "key1.json",
    "key2.json",
    "key3.json",
    "organization-with-empty-revocation-list.json",
    "organization-with-revocation-list.json",
    "organization.json",
    "revocation-list.json",
    "robotics-badge.json",
)
# file -> (outcome with the example.org assets served, outcome offline)
EXPECTED: dict[str, tuple[Outcome | str, Outcome | str]] = {
    "dcpv/ob20/simple.jwt": (V, U),
    "dcpv/ob20/simple-not-revoked.jwt": (V, U),
    "dcpv/ob20/simple-revoked.jwt": (X, U),
    # The hosted id https://example.org/beths-robotics-badge.json is not among the assets.
    "dcpv/ob20/basic-assertion.json": (U, U),
    "dcpv/ob20/simple-badge.png": (U, U),
    "dcpv/ob30/simple-jwt.png": (V, V),
    "dcpv/ob30/simple-jwt_v1.svg": (V, V),
    "dcpv/ob30/simple.jwt": (U, U),
    "dcpv/ob30/simple-err-expired.json": (X, X),
    "dcpv/ob30/complete.json": (U, U),
    "bakery/baked_heart.png": (U, U),
    "bakery/baked_example.svg": (U, U),
    "bakery/public_domain_heart.png": (NO_DATA, NO_DATA),
    "bakery/unbaked_example.svg": (NO_DATA, NO_DATA),
    "dcpv/ob20/assets/robotics-badge.png": (NO_DATA, NO_DATA),
    "dcpv/ob20/assets/beths-robot-badge.png": (NO_DATA, NO_DATA),
    "dcpv/ob20/assets/beths-robot-work.html": (NOT_A_BADGE, NOT_A_BADGE),
    # Support files are not assertions; the criteria file has no context, so it reads as a 1.0
    # hosted assertion without an address and cannot be checked.
    "dcpv/ob20/assets/badgecriteria.json": (U, U),
    **{f"dcpv/ob20/assets/{name}": (X, X) for name in ASSET_JSON},
}
_CONTEXT_ROW = re.compile(r"^\| `(https://[^`]+)` \| `(dcpv/contexts/[^`]+)` \|", re.MULTILINE)


class CountingResolver:
    """Counts what the verifier asks for, to hold it to the fetch cap."""

    def __init__(self, inner: MapResolver | OfflineResolver) -> None:
        self.inner = inner
        self.urls: list[str] = []

    def fetch(self, url: str) -> bytes:
        self.urls.append(url)
        return self.inner.fetch(url)


def context_resolver(shared: Path) -> MapResolver:
    """The JSON-LD contexts, mapped exactly as the test-data README's table says."""
    rows = _CONTEXT_ROW.findall((shared / "README.md").read_text(encoding="utf-8"))
    mapping: dict[str, Path | bytes] = {url: shared / path for url, path in rows}
    assert len(mapping) >= 10, "the README's context table was not found"
    alias = "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld"
    mapping[alias] = mapping["https://purl.imsglobal.org/spec/ob/v3p0/context.json"]
    return MapResolver(mapping)


def web_resolver(shared: Path) -> MapResolver:
    assets = shared / "dcpv" / "ob20" / "assets"
    return MapResolver(
        {
            f"{host}/": assets
            for host in ("https://example.org", "https://www.example.org", "http://example.org")
        }
    )


def run(shared: Path, name: str, online: bool) -> tuple[Verification, CountingResolver]:
    resolver = CountingResolver(web_resolver(shared) if online else OfflineResolver())
    badge = read_badge_file((shared / name).read_bytes())
    return verify(badge, resolver=resolver, now=NOW, context_resolver=context_resolver(shared)), resolver


def test_every_shared_file_has_an_expectation(shared_testdata: Path) -> None:
    files = {
        p.relative_to(shared_testdata).as_posix()
        for p in shared_testdata.rglob("*")
        if p.is_file() and p.name not in ("README.md", "MANIFEST.sha256") and "contexts" not in p.parts
    }
    assert files == set(EXPECTED)


def test_every_context_file_is_in_the_readme_table(shared_testdata: Path) -> None:
    resolver = context_resolver(shared_testdata)
    for path in (shared_testdata / "dcpv" / "contexts").iterdir():
        served = [url for url, target in resolver._exact.items() if target == path]
        assert served, f"{path.name} is not in the README's context table"


@pytest.mark.parametrize("online", [True, False], ids=["web", "offline"])
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shared_file_outcome(shared_testdata: Path, name: str, online: bool) -> None:
    expected = EXPECTED[name][0 if online else 1]
    if expected in (NO_DATA, NOT_A_BADGE):
        error = NoBadgeDataError if expected == NO_DATA else BadgeFileError
        with pytest.raises(error):
            read_badge_file((shared_testdata / name).read_bytes())
        return
    result, resolver = run(shared_testdata, name, online)
    assert result.outcome is expected, result.to_json()
    assert result.reasons, "a verdict other than a clean verified always says why"
    assert len(resolver.urls) <= MAX_FETCHES
    assert result.checked_at == NOW
    assert result.to_json()["result"] == str(expected)


def _check(result: Verification, name: str) -> Outcome:
    outcomes = [c.outcome for c in result.checks if c.name == name]
    assert outcomes, f"no {name!r} check in {result.to_json()}"
    return outcomes[0]


def test_revoked_signed_badge_gives_the_issuers_reason(shared_testdata: Path) -> None:
    result, _ = run(shared_testdata, "dcpv/ob20/simple-revoked.jwt", online=True)
    assert result.revocation_reason == "A good reason, for sure"
    assert "A good reason, for sure" in result.reasons[0]
    assert _check(result, "signature") is V


def test_not_revoked_badge_was_looked_up_in_the_empty_list(shared_testdata: Path) -> None:
    result, resolver = run(shared_testdata, "dcpv/ob20/simple-not-revoked.jwt", online=True)
    assert "http://example.org/empty-revocation-list.json" in resolver.urls
    assert _check(result, "revocation") is V
    assert result.revocation_reason is None


@pytest.mark.parametrize(
    "name", ["dcpv/ob20/basic-assertion.json", "dcpv/ob20/simple-badge.png", "bakery/baked_heart.png"]
)
def test_hosted_badge_offline_is_unchecked_never_invalid(shared_testdata: Path, name: str) -> None:
    result, _ = run(shared_testdata, name, online=False)
    assert result.outcome is U
    assert "issuer's copy could not be fetched" in result.reasons[0]


def test_expired_credential_has_a_valid_proof(shared_testdata: Path) -> None:
    result, _ = run(shared_testdata, "dcpv/ob30/simple-err-expired.json", online=False)
    assert _check(result, "proof") is V
    assert _check(result, "expiry") is X
    assert "expired on 2010-01-01" in result.reasons[0]


def test_complete_credential_proof_passes_but_revocation_is_unknown(shared_testdata: Path) -> None:
    result, resolver = run(shared_testdata, "dcpv/ob30/complete.json", online=False)
    assert _check(result, "proof") is V
    assert _check(result, "revocation") is U
    assert "Revocation status unknown (offline)" in result.reasons[0]
    assert not any("not revoked" in r.lower() for r in result.reasons)
    # The key is looked for at the issuer first, then the status list is asked for.
    assert resolver.urls == [
        "https://1edtech.edu/issuers/565049",
        "https://1edtech.edu/credentials/3732/revocations",
    ]


def test_inline_key_is_reported_as_integrity_only(shared_testdata: Path) -> None:
    result, _ = run(shared_testdata, "dcpv/ob30/simple-jwt.png", online=False)
    assert _check(result, "signature") is V
    assert any("carried in the file itself" in r for r in result.reasons)


def test_old_context_credential_is_verified_with_a_warning(shared_testdata: Path) -> None:
    result, _ = run(shared_testdata, "dcpv/ob30/simple-jwt_v1.svg", online=False)
    assert any("outdated Open Badges 3.0 context" in r for r in result.reasons)


def test_keyless_vc_jwt_is_never_verified(shared_testdata: Path) -> None:
    result, _ = run(shared_testdata, "dcpv/ob30/simple.jwt", online=True)
    assert "no verification key" in result.reasons[0]


def test_map_resolver_refuses_paths_outside_its_directory(shared_testdata: Path) -> None:
    resolver = web_resolver(shared_testdata)
    assert resolver.fetch("https://example.org/key1.json").startswith(b"{")
    for url in (
        "https://example.org/../ob20/simple.jwt",
        "https://example.org/",
        "https://example.org/nope.json",
    ):
        with pytest.raises(Unavailable):
            resolver.fetch(url)

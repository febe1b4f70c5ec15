"""The sandbox's backpack: the hand-written demo (a resource) or N generated awards.

Both are deterministic for a given seed and day: ids and texts come from ``random.Random(seed)``
and dates are whole days relative to the UTC day the sandbox starts, so statuses (expired,
expiring soon) stay meaningful whenever the demo is run.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from backpack_desktop import resources
from backpack_desktop.sandbox import ids
from backpack_desktop.sandbox.records import (
    AwardRecord,
    BadgeClassRecord,
    EmailRecord,
    IssuerRecord,
    UserRecord,
)

DEMO_RESOURCE = "sandbox/demo.json"


@dataclass(frozen=True)
class Dataset:
    """Everything the sandbox serves; awards stay mutable (acceptance, deletion)."""

    user: UserRecord
    issuers: tuple[IssuerRecord, ...]
    badgeclasses: tuple[BadgeClassRecord, ...]
    awards: list[AwardRecord]
    _by_id: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, Any] = {a.entity_id: a for a in self.awards}
        index.update({a.hex_id: a for a in self.awards})
        index.update({b.entity_id: b for b in self.badgeclasses})
        index.update({i.entity_id: i for i in self.issuers})
        object.__setattr__(self, "_by_id", index)  # frozen: set once here

    def award(self, entity_id: str) -> AwardRecord | None:
        """Find an award by ``entityId`` or hex ``id`` in O(1) (backpacks reach 100,000)."""
        found = self._by_id.get(entity_id)
        return found if isinstance(found, AwardRecord) else None

    def badgeclass(self, entity_id: str) -> BadgeClassRecord | None:
        """Find a badge class by ``entityId``."""
        found = self._by_id.get(entity_id)
        return found if isinstance(found, BadgeClassRecord) else None

    def issuer(self, entity_id: str) -> IssuerRecord | None:
        """Find an issuer by ``entityId``."""
        found = self._by_id.get(entity_id)
        return found if isinstance(found, IssuerRecord) else None


def anchor_day(now: datetime | None = None) -> datetime:
    """Midnight UTC of the day the sandbox starts: the origin of every relative date."""
    now = now or datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def load_demo(seed: int, password: str, anchor: datetime) -> Dataset:
    """Build the demo backpack from ``resources/sandbox/demo.json``."""
    spec = json.loads(resources.read_text(DEMO_RESOURCE))
    rng = random.Random(seed)
    user = _user(spec["user"], rng, password)
    issuers = {i["key"]: _issuer(i, rng) for i in spec["issuers"]}
    classes = {b["key"]: _badgeclass(b, issuers[b["issuer"]], rng) for b in spec["badgeclasses"]}
    awards = [_award(a, classes[a["badgeclass"]], rng, anchor, n) for n, a in enumerate(spec["awards"])]
    return Dataset(user, tuple(issuers.values()), tuple(classes.values()), awards)


def _user(spec: dict[str, Any], rng: random.Random, password: str) -> UserRecord:
    emails = tuple(EmailRecord(e["email"], e["verified"], e.get("primary", False)) for e in spec["emails"])
    return UserRecord(ids.entity_id(rng), spec["first_name"], spec["last_name"], emails, password)


def _issuer(spec: dict[str, Any], rng: random.Random) -> IssuerRecord:
    return IssuerRecord(
        ids.entity_id(rng),
        ids.hex_id(rng),
        spec["name"],
        spec["url"],
        spec["email"],
        spec["description"],
        spec.get("signing", False),
    )


def _badgeclass(spec: dict[str, Any], issuer: IssuerRecord, rng: random.Random) -> BadgeClassRecord:
    return BadgeClassRecord(
        ids.entity_id(rng),
        ids.hex_id(rng),
        issuer,
        spec["name"],
        spec["description"],
        spec.get("criteria_narrative"),
        spec.get("criteria_url"),
        spec.get("image", "png"),
        tuple(spec.get("alignments", ())),
        tuple(spec.get("tags", ())),
    )


def _award(
    spec: dict[str, Any], bc: BadgeClassRecord, rng: random.Random, anchor: datetime, index: int
) -> AwardRecord:
    issued = anchor + timedelta(
        days=spec["issued_days"], hours=9, minutes=index * 7, microseconds=rng.randrange(1_000_000)
    )
    expires_days = spec.get("expires_days")
    extensions: dict[str, Any] = {}
    if spec.get("recipient_profile_name"):
        extensions["extensions:recipientProfile"] = {
            "@context": "https://openbadgespec.org/extensions/recipientProfile/context.json",
            "type": ["Extension", "extensions:RecipientProfile"],
            "name": spec["recipient_profile_name"],
        }
    return AwardRecord(
        entity_id=ids.entity_id(rng),
        hex_id=ids.hex_id(rng),
        badgeclass=bc,
        recipient_email=spec["recipient"],
        hashed=spec.get("hashed", True),
        salt=ids.salt(rng),
        issued_on=issued,
        expires=anchor + timedelta(days=expires_days, hours=23) if expires_days is not None else None,
        revoked=spec.get("revoked", False),
        revocation_reason=spec.get("revocation_reason"),
        pending=spec.get("pending", False),
        acceptance=spec.get("acceptance", "Accepted"),
        narrative=spec.get("narrative"),
        evidence=tuple(spec.get("evidence", ())),
        extensions=extensions,
        verification=spec.get("verification", "hosted"),
    )


# Generated backpacks (``--badges N``), for benchmarks: word lists make plausible names.
_ADJECTIVES = (
    "Applied",
    "Advanced",
    "Practical",
    "Foundations of",
    "Introduction to",
    "Modern",
    "Collaborative",
    "Responsible",
    "Creative",
    "Strategic",
    "Digital",
    "Inclusive",
)
_TOPICS = (
    "Data Analysis",
    "Cloud Computing",
    "Project Management",
    "Public Speaking",
    "Statistics",
    "Web Accessibility",
    "Machine Learning",
    "Team Leadership",
    "Cybersecurity",
    "Design Thinking",
    "Technical Writing",
    "Research Methods",
    "Negotiation",
    "Bookkeeping",
    "Robotics",
    "Ethics",
)
_LEVELS = ("I", "II", "III", "Level 1", "Level 2", "Capstone", "Workshop", "Certificate")
_PLACES = (
    "Northgate",
    "Riverside",
    "Lakeshore",
    "Hillcrest",
    "Eastfield",
    "Westbrook",
    "Harbor",
    "Summit",
    "Pinewood",
    "Meadowvale",
)
_KINDS = ("College", "Academy", "Institute", "Learning Centre", "University", "Skills Hub")


def generate(count: int, seed: int, password: str, anchor: datetime) -> Dataset:
    """Generate ``count`` awards from a pool of issuers and badge classes (deterministic)."""
    rng = random.Random(seed)
    demo_user = load_demo(seed, password, anchor).user
    n_issuers = max(4, min(60, count // 150))
    issuers = tuple(_generated_issuer(rng, i) for i in range(n_issuers))
    n_classes = max(12, min(3000, count // 4))
    classes = tuple(_generated_class(rng, issuers[i % n_issuers], i) for i in range(n_classes))
    awards = [_generated_award(rng, rng.choice(classes), demo_user, anchor) for _ in range(count)]
    return Dataset(demo_user, issuers, classes, awards)


def _generated_issuer(rng: random.Random, index: int) -> IssuerRecord:
    name = f"{rng.choice(_PLACES)} {rng.choice(_KINDS)}"
    slug = f"{name.lower().replace(' ', '-')}-{index}"
    return IssuerRecord(
        ids.entity_id(rng),
        ids.hex_id(rng),
        name,
        f"https://{slug}.example.edu",
        f"badges@{slug}.example.edu",
        f"{name} awards digital badges for its courses.",
    )


def _generated_class(rng: random.Random, issuer: IssuerRecord, index: int) -> BadgeClassRecord:
    name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_TOPICS)} {rng.choice(_LEVELS)}"
    return BadgeClassRecord(
        ids.entity_id(rng),
        ids.hex_id(rng),
        issuer,
        name,
        f"Awarded for completing {name} at {issuer.name}.",
        "Complete every module and pass the final assessment.",
        None,
        "svg" if index % 7 == 0 else "png",
        (),
        (name.split()[-1].lower(),),
        # 40 drawings shared by all generated classes: a 100,000-award backpack must not cost
        # the server minutes of drawing before a benchmark can even start.
        art_seed=f"generated-{index % 40}",
    )


def _generated_award(
    rng: random.Random, bc: BadgeClassRecord, user: UserRecord, anchor: datetime
) -> AwardRecord:
    issued = anchor - timedelta(days=rng.randrange(1, 2000), seconds=rng.randrange(86400))
    roll = rng.random()  # 8 % expired, 4 % revoked, 5 % new, 3 % pending, the rest active
    pending = 0.39 <= roll < 0.42  # imported for the learner's unverified address
    expires = None
    if roll < 0.08:
        expires = anchor - timedelta(days=rng.randrange(1, 300))
    elif roll < 0.3:
        expires = anchor + timedelta(days=rng.randrange(1, 900))
    return AwardRecord(
        entity_id=ids.entity_id(rng),
        hex_id=ids.hex_id(rng),
        badgeclass=bc,
        recipient_email=user.emails[-1].email if pending else user.primary_email,
        hashed=True,
        salt=ids.salt(rng),
        issued_on=issued,
        expires=expires,
        revoked=0.3 <= roll < 0.34,
        revocation_reason="Revoked by the issuer." if 0.3 <= roll < 0.34 else None,
        pending=pending,
        acceptance="Unaccepted" if 0.34 <= roll < 0.39 else "Accepted",
    )

"""What a certificate needs from the offline copy: the award, its pictures, the learner's name.

Shared by ``certificate`` on the command line and the window's print actions. Pictures come
from the cache only (reportlab never fetches): the first raster image of the award (its baked
PNG) or of its badge class; an SVG-only badge gets the certificate's drawn placeholder.
"""

from __future__ import annotations

from collections.abc import Sequence

from backpack_desktop.domain.errors import CacheIntegrityError, MalformedDataError
from backpack_desktop.domain.models import Award
from backpack_desktop.services.backpack import cached_image, load_profile
from backpack_desktop.services.cache import CacheStore
from backpack_desktop.services.certificates import CertificateInput
from backpack_desktop.services.imports_store import imported_file

RASTER = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def raster_image(store: CacheStore, urls: Sequence[str | None]) -> bytes | None:
    """The first cached raster image among ``urls``."""
    for url in urls:
        try:
            found = cached_image(store, url)
        except (CacheIntegrityError, MalformedDataError):
            continue
        if found is not None and found[0] in RASTER:
            return found[1]
    return None


def certificate_inputs(
    store: CacheStore, awards: Sequence[Award], names: dict[str, str] | None = None
) -> list[CertificateInput]:
    """One input per award; ``names`` gives names entered at printing (hashed recipients)."""
    profile = load_profile(store)
    names = names or {}
    items = []
    for award in awards:
        badge = raster_image(store, [award.image_url, award.badgeclass.image_url])
        if badge is None and award.origin == "imported":
            found = imported_file(store, award.entity_id)
            if found is not None and found.badge.container == "png":
                badge = found.data
        items.append(
            CertificateInput(
                award,
                badge_image=badge,
                issuer_image=raster_image(store, [award.issuer.image_url]),
                recipient_name=names.get(award.entity_id),
                name_entered_at_print=award.entity_id in names,
                profile_name=profile.display_name if profile else None,
            )
        )
    return items

"""The detail pane's Verification section: checks run off the GUI thread, told honestly.

Selecting a badge checks it offline only (looking at a badge must not tell its issuer that
someone looked); "Check online" fetches the hosted copy, keys and revocation lists, and the
result is kept so that offline the pane can say when the badge was last checked.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from backpack_desktop.domain.models import Award
from backpack_desktop.ui.account import AccountController

if TYPE_CHECKING:  # the verifier loads at the first check, not at start-up
    from backpack_desktop.domain.verify import Verification
    from backpack_desktop.services.verify_online import AwardCheck

SYMBOLS = {"verified": "✓ Verified", "invalid": "✕ Invalid", "unchecked": "? Could not be checked"}


def describe_check(check: AwardCheck) -> str:
    """Plain text for the pane: the verdict, its reasons, and when it was last checked online."""
    lines = [_verdict(check.result)]
    last = check.last_online
    if last and check.result.outcome.value == "unchecked":
        when = _when(last.get("checked_at"))
        word = {"verified": "verified", "invalid": "invalid", "unchecked": "could not be checked"}
        lines.append(f"Last checked online on {when}: {word.get(str(last.get('result')), 'unknown')}.")
    elif not last:
        lines.append("Not checked online yet.")
    return "\n".join(lines)


def _verdict(result: Verification) -> str:
    return "\n".join([SYMBOLS[result.outcome.value], *(f"• {reason}" for reason in result.reasons[:4])])


def _when(value: Any) -> str:
    try:
        return (
            datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone().strftime("%d %b %Y %H:%M")
        )
    except ValueError:
        return "an unknown date"


class VerificationController(QObject):
    """Runs checks for the detail pane.

    Signals:
        checked(str, str): the award's id and the text to show.
    """

    checked = Signal(str, str)

    def __init__(self, account: AccountController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._account = account

    def check(self, award: Award, online: bool = False) -> None:
        """Verify ``award`` in the background; ``checked`` reports the outcome."""
        from backpack_desktop.services.verify_online import check_award

        self._account.with_cache(
            "verify online" if online else "verify",
            lambda store, _cancel: check_award(store, award, datetime.now(UTC), online),
            self._on_checked,
            self._on_failed_for(award.entity_id),
        )

    def _on_checked(self, check: AwardCheck) -> None:
        self.checked.emit(check.entity_id, describe_check(check))

    def _on_failed_for(self, entity_id: str) -> Any:
        def report(exc: BaseException) -> None:
            from backpack_desktop.ui import messages

            self.checked.emit(entity_id, f"? Could not be checked: {messages.user_text(exc)}")

        return report

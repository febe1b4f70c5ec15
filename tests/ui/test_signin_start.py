"""Choosing where to sign in: hosted regions without a client offer password sign-in; custom servers."""

from __future__ import annotations

from backpack_desktop.services.regions import CUSTOM, regions
from backpack_desktop.ui.signin_start import RegionDialog


def test_a_region_without_a_registered_client_offers_password_sign_in(qtbot) -> None:
    dialog = RegionDialog(regions({}), "us")
    qtbot.addWidget(dialog)
    assert dialog.chosen.key == "us"
    assert not dialog.browser.isEnabled() and dialog.password.isEnabled()
    assert "password" in dialog.note.text().lower()


def test_a_configured_client_enables_browser_sign_in(qtbot) -> None:
    config = {"eu": {"client_id": "backpack-desktop", "redirect_uri": "http://127.0.0.1/callback"}}
    dialog = RegionDialog(regions(config), "eu")
    qtbot.addWidget(dialog)
    assert dialog.chosen.key == "eu" and dialog.browser.isEnabled()
    assert "eu.badgr.com" in dialog.note.text()


def test_custom_server_checks_its_addresses(qtbot) -> None:
    dialog = RegionDialog(regions({}), CUSTOM)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.is_custom and dialog.custom_api.isVisible()
    dialog.custom_api.setText("http://badgr.example.edu")  # plain http to another machine
    dialog.custom_ui.setText("https://badgr.example.edu")
    assert not dialog.password.isEnabled() and not dialog.browser.isEnabled()
    dialog.custom_api.setText("https://api.badgr.example.edu")
    assert dialog.password.isEnabled()
    assert dialog.chosen.api == "https://api.badgr.example.edu"
    assert dialog.custom_settings() == {
        "api": "https://api.badgr.example.edu",
        "ui": "https://badgr.example.edu",
    }

"""Qt item models over the domain's dataclasses, for the Backpack window's views."""

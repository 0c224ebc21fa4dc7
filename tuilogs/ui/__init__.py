"""The Textual explorer. Everything below tuilogs/ui imports nothing from here."""

"""Helpers shared by every chapter of the Pakistan digital-economy book."""

"""Offline emulators of the other systems of the brief: one small module per source (real HTTP on 127.0.0.1)."""

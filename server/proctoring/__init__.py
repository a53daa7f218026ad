"""Proctoring: the face capture before an exam, snapshots during it, and the registry's ID-photo rules."""

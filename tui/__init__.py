"""The inspectors' Textual terminal UI (jointcheck.tui).

Nothing here is imported by the CLI's light commands (DESIGN.md principle 8).
"""

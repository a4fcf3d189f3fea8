"""The inspectors' Textual terminal UI (jointcheck.tui).

Nothing here is imported by the CLI's light commands (docs/architecture.md#principle-8).
"""

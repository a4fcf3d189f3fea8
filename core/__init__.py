"""jointcheck core: hookspecs, plugin loading, merge, classification, store, draw, CLI.

Keep this module free of imports: ``jointcheck --help`` imports it on start-up.
"""

__version__ = "0.1.0"

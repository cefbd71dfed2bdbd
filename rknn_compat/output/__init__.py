"""Reporting: results turned into table, Markdown, CSV, JSON or JSON Lines; one module per thing shown.

May import errors, versions, tables, results and host results; never a transport, a reader or the
simulator. Nothing here decides anything: the library already did.
"""

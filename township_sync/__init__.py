"""township-sync: the reference township client of the sync API (CONTRACT §8, docs/sync-api.md).

Mirrors a township's members, report-ins, check-ins, payments (with refunds and reversals), status changes,
evaluations and activity certificates into a local SQLite ledger, proves it equal to the service with the digest, receives pushes, and
exports the ledger to XLSX for the office. Standard library, `requests` and `openpyxl` only: it never imports
Flask or the service (`server`), which imports its signature and digest rules from here instead.

    cli       the `township-sync` command
    client    signed calls, pull and verify
    ledger    the SQLite mirror, one function per change type
    receiver  the push receiver
    signing   the sync signature (shared with the service)
    digest    the digest hash (shared with the service)
    export    the workbook; xlsx its small sheet writer
"""

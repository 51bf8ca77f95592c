"""Deploy rehearsal: the example app deployed with the CDK CLI to a local AWS emulator, then read back.

``python -m rehearsal.rehearse`` (``make rehearse``) runs it; :mod:`rehearsal.checks` holds its pure
parts (resolving template values, filling export placeholders, comparing what the emulator reports).
"""

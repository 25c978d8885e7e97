# SPDX-License-Identifier: Apache-2.0
"""What the cases found, for the report: rows per case, notes per case, and the detail lines
of every exec-overhead pair. Keys starting with "_" carry a case's extra data."""
from lib.env import CASES

ROWS = {c: [] for c in CASES}
DETAILS = []
NOTES = {c: [] for c in CASES}


def row(case, **k):
    ROWS[case].append(k)


def note(case, text):
    NOTES[case].append(text)

"""Plans for INSERT ... VALUES with many rows of the same shape, translated from two rows.

pandas' ``to_sql(method="multi")`` and similar bulk loaders send one INSERT with thousands
of rows ``($1, $2), ($3, $4), ...`` that differ only in their parameter numbers. The
translator's cost grows with the rows (about 0.15 ms a parameter: ten seconds for 60,000),
while its output per row does not change. So the statement is translated with one row and
with that row twice; where the second text is the first with the row's SQLite text repeated,
that text is repeated for every row with its parameters renumbered. Anything else (literals
taken out by the normaliser, parameters outside the rows, rows of different shapes, a
translation that is not row by row or that changes with the parameter types a client sent
for a row) takes the ordinary path.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

from aurora.engine.sql import dml, lexer

MIN_ROWS = 16  # below this the ordinary translation is cheap enough
MAX_ROW_TYPES = 16  # distinct parameter types of a row, each a translation

_SQLITE_PARAM = re.compile(r"\?(\d+)")


def build_plan(
    text: str,
    nuser: int,
    lit_kinds: list[str],
    given: Sequence[int],
    translate: Callable[[str, int, list[str], Sequence[int]], Any],
) -> Any | None:
    """The plan of ``text`` (what ``translate`` would make of the whole statement), or None
    when the statement is not such an INSERT."""
    if nuser < MIN_ROWS or lit_kinds:
        return None
    found = lexer.values_rows(text)
    if found is None:
        return None
    head, rows, tail = found
    if len(rows) < MIN_ROWS:
        return None
    first = text[rows[0][0] : rows[0][1]]
    template, numbers = lexer.param_template(first)
    width = len(numbers)
    if (
        width == 0
        or sorted(numbers) != list(range(1, width + 1))
        or width * len(rows) != nuser
        or lexer.param_count(text[:head] + text[tail:])
    ):
        return None
    for i, (start, end) in enumerate(rows[1:], 1):
        t, ns = lexer.param_template(text[start:end])
        if t != template or ns != [n + i * width for n in numbers]:
            return None
    types = list(given) + [0] * (nuser - len(given))
    row_types = [tuple(types[i : i + width]) for i in range(0, nuser, width)]
    # psycopg types an int parameter int2, int4 or int8 by its value and None as unknown:
    # one translation per distinct row of types, and all of them must be the same text.
    kinds = dict.fromkeys(row_types)
    if len(kinds) > MAX_ROW_TYPES:
        return None
    one = text[:head] + first + text[tail:]
    template = dml.ROW_TEMPLATE.set(True)
    try:
        plans = {kind: translate(one, width, [], list(kind)) for kind in kinds}
        plan1 = plans[row_types[0]]
        if any(p.sql != plan1.sql for p in plans.values()):
            return None
        two = text[:head] + first + ", " + first + text[tail:]
        sql = _repeat(plan1.sql, translate(two, width, [], list(row_types[0])).sql, width,
                      len(rows))
    finally:
        dml.ROW_TEMPLATE.reset(template)
    if sql is None:
        return None
    return dataclasses.replace(
        plan1,
        sql=sql,
        nparams=nuser,
        param_oids=[oid for kind in row_types for oid in plans[kind].param_oids],
        nbind=None,
    )


def _repeat(one: str, two: str, width: int, count: int) -> str | None:
    """``one`` with its row repeated ``count`` times, where ``two`` shows where the row is."""
    size = len(two) - len(one) - 2  # two = one[:q] + ", " + row + one[q:], row = one[q-size:q]
    if size <= 0:
        return None
    for q in range(size, len(one) + 1):
        row = one[q - size : q]
        if two == one[:q] + ", " + row + one[q:]:
            break
    else:
        return None
    rest = one[: q - size] + one[q:]
    if _SQLITE_PARAM.search(rest) or not (row.startswith("(") and row.endswith(")")):
        return None
    parts = [one[:q]]
    parts.extend(", " + lexer.shift_sqlite_params(row, i * width) for i in range(1, count))
    parts.append(one[q:])
    return "".join(parts)

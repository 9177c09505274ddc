"""Full text search as PostgreSQL has it: tsvector and tsquery, ``@@``, ts_headline.

Values are stored as PostgreSQL prints them (a tsvector's lexemes sorted, each once, with
its positions; a tsquery in infix form), so the stored text is the output text. Two
configurations exist, ``simple`` and ``english`` (english.stop, then the Snowball stemmer of
:mod:`aurora.engine.sql.stemmer`). The text parser knows the default parser's words,
hyphenated words and integers; text holding what it would read as a URL, e-mail address,
host, file path, float, version or XML tag is refused (0A000) rather than split differently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from aurora.engine.sql import jsonb
from aurora.engine.sql.stemmer import stem
from aurora.engine.sqlapi import SqlError

MAXPOS = 16383  # positions past this one count as this one
MAXENTRYPOS = 256  # positions kept per lexeme
_WEIGHTS = "DCBA"  # weight 0 (D, not printed) to 3 (A)

# PostgreSQL's english.stop
_ENGLISH_STOP_TEXT = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing a an the
and but if or because as until while of at by for with about against between into through
during before after above below to from up down in out on off over under again further then
once here there when where why how all any both each few more most other some such no nor
not only own same so than too very s t can will just don should now
"""
ENGLISH_STOP = frozenset(_ENGLISH_STOP_TEXT.split())

# -- the parser ------------------------------------------------------------------------------

# Text the default parser reads as a token this parser does not have: a URL, host, e-mail,
# file path, float or version (a '.', '@' or '/' next to a word), an XML tag or entity,
# a number in scientific notation with a sign, a signed number running into letters.
_UNSUPPORTED = re.compile(
    r"\w[.@]\w|/\w|\w/|<[A-Za-z/!?]|&#?\w+;|\d[eE][-+]\d|(?<!\w)[-+]\d+[^\W\d_]|\w:/",
)
_TOKEN = re.compile(
    r"(?P<compound>[^\W_]*[^\W\d_][^\W_]*(?:-[^\W_]*[^\W\d_][^\W_]*)+)"
    r"|(?P<int>[-+]\d+(?![^\W_]))"
    r"|(?P<alnum>[^\W_]+)"
)


def _kind(word: str, part: bool) -> str:
    if any(c.isdigit() for c in word):
        return "hword_numpart" if part else "numword"
    if word.isascii():
        return "hword_asciipart" if part else "asciiword"
    return "hword_part" if part else "word"


def parse(text: str) -> list[tuple[str, str]]:
    """The default parser's tokens of ``text`` as (type, text); "blank" for separators. A
    hyphenated word is its whole (asciihword, hword or numhword) then its parts."""
    if _UNSUPPORTED.search(text):
        raise SqlError("0A000", "text search of URLs, e-mail addresses, hosts, file paths, "
                                "floats, versions and XML tags is not supported")
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _TOKEN.finditer(text):
        if m.start() > pos:
            out.append(("blank", text[pos:m.start()]))
        pos = m.end()
        tok = m.group()
        if m.lastgroup == "compound":
            parts = tok.split("-")
            kinds = [_kind(p, True) for p in parts]
            whole = ("numhword" if "hword_numpart" in kinds else
                     "asciihword" if tok.isascii() else "hword")
            out.append((whole, tok))
            for i, (p, k) in enumerate(zip(parts, kinds, strict=True)):
                if i:
                    out.append(("blank", "-"))
                out.append((k, p))
        elif m.lastgroup == "int":
            out.append(("int", tok))
        elif tok.isdigit():
            out.append(("uint", tok))
        else:
            out.append((_kind(tok, False), tok))
    if pos < len(text):
        out.append(("blank", text[pos:]))
    return out


_STEMMED = frozenset(("asciiword", "word", "asciihword", "hword", "hword_asciipart",
                      "hword_part"))
CONFIGS = ("simple", "english")


def config_name(name: object) -> str:
    """A configuration's name (``english``, ``pg_catalog.english``, ``'simple'::regconfig``)."""
    n = str(name).strip().strip('"').lower()
    if n.startswith("pg_catalog."):
        n = n[len("pg_catalog."):]
    if n not in CONFIGS:
        raise SqlError("42704", f'text search configuration "{name}" does not exist')
    return n


def lexize(config: str, kind: str, word: str) -> str | None:
    """The lexeme of one token; None for a stop word (which still takes a position)."""
    w = word.lower()
    if config == "english" and kind in _STEMMED:
        if w in ENGLISH_STOP:
            return None
        return stem(w) if len(w.encode()) <= 1000 else w
    return w


def words(config: str, text: str) -> Iterator[tuple[int, str | None, int]]:
    """Each word token as (index in ``parse``'s list, lexeme or None, position from 1)."""
    pos = 0
    for i, (kind, tok) in enumerate(parse(text)):
        if kind == "blank" or len(tok.encode()) >= 2047:
            continue
        pos += 1
        yield i, lexize(config, kind, tok), pos


# -- tsvector --------------------------------------------------------------------------------

TsVector = dict[str, list[tuple[int, int]]]  # lexeme -> [(position, weight 0..3)]


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("'", "''").replace("\\", "\\\\") + "'"


def vector_out(vec: TsVector) -> str:
    parts = []
    for lex in sorted(vec, key=lambda x: x.encode()):
        entries = sorted(set(vec[lex]))[:MAXENTRYPOS]
        s = _quote(lex)
        if entries:
            s += ":" + ",".join(f"{p}{_WEIGHTS[w] if w else ''}" for p, w in entries)
        parts.append(s)
    return " ".join(parts)


def _dedup(vec: TsVector) -> TsVector:
    """One entry per position (the highest weight), as tsvector input keeps them."""
    out: TsVector = {}
    for lex, entries in vec.items():
        best: dict[int, int] = {}
        for p, w in entries:
            best[p] = max(w, best.get(p, 0))
        out[lex] = sorted(best.items())
    return out


def _syntax(kind: str, text: str) -> SqlError:
    return SqlError("42601" if kind == "tsquery" else "22P02",
                    f'syntax error in {kind}: "{text}"')


def _read_word(text: str, i: int, stops: str) -> tuple[str, int]:
    """A lexeme at ``text[i]``: quoted ('it''s', backslash escapes) or up to a space or one
    of ``stops``."""
    out = []
    n = len(text)
    if text[i] == "'":
        i += 1
        while True:
            if i >= n:
                raise ValueError
            c = text[i]
            if c == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
            elif c == "'":
                if i + 1 < n and text[i + 1] == "'":
                    out.append("'")
                    i += 2
                else:
                    return "".join(out), i + 1
            else:
                out.append(c)
                i += 1
    while i < n and not text[i].isspace() and text[i] not in stops:
        if text[i] == "\\" and i + 1 < n:
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), i


def vector_in(text: object) -> str | None:
    """tsvector input: ``'a':1A,2 b c:3``, printed back in canonical form."""
    if text is None:
        return None
    return vector_out(parse_vector(str(text)))


def parse_vector(text: str) -> TsVector:
    vec: TsVector = {}
    i, n = 0, len(text)
    try:
        while True:
            while i < n and text[i].isspace():
                i += 1
            if i >= n:
                return _dedup(vec)
            lex, i = _read_word(text, i, ":")
            if not lex and (i >= n or text[i] != ":"):
                raise ValueError
            entries = vec.setdefault(lex, [])
            if i < n and text[i] == ":":
                while True:
                    i += 1
                    m = re.match(r"(\d+)([ABCDabcd*]*)", text[i:])
                    if m is None:
                        raise ValueError
                    p = int(m.group(1))
                    if p == 0:
                        raise SqlError("22P02", "wrong position info in tsvector: "
                                                f'"{text}"')
                    w = max((_WEIGHTS.index(c) for c in m.group(2).upper() if c != "*"),
                            default=0)
                    entries.append((min(p, MAXPOS), w))
                    i += m.end()
                    if i >= n or text[i] != ",":
                        break
            if i < n and not text[i].isspace():
                raise ValueError
    except ValueError:
        raise _syntax("tsvector", text) from None


def to_vector(config: str, text: str, vec: TsVector | None = None, start: int = 0) -> int:
    """Adds the lexemes of ``text`` (positions after ``start``) to ``vec``; the last
    position used."""
    last = start
    for _i, lex, pos in words(config, text):
        last = start + pos
        if lex is not None and vec is not None:
            vec.setdefault(lex, []).append((min(last, MAXPOS), 0))
    return last


def to_tsvector(*args: object) -> str | None:
    """``to_tsvector([config,] text)``."""
    config, text = _config_args(args)
    if text is None:
        return None
    vec: TsVector = {}
    to_vector(config, str(text), vec)
    return vector_out(vec)


_default_config: Callable[[], str] = lambda: "english"  # noqa: E731 - the session sets it


def _config_args(args: tuple) -> tuple[str, Any]:
    if not 1 <= len(args) <= 2:  # to_tsvector(): PostgreSQL finds no such function
        raise SqlError("42883", f"function takes 1 or 2 arguments, not {len(args)}",
                       hint="No function matches the given name and argument types.")
    if len(args) == 1:
        return config_name(_default_config()), args[0]
    if args[0] is None:
        return "simple", None
    return config_name(args[0]), args[1]


# -- json(b) to tsvector ---------------------------------------------------------------------

class _Num(str):
    """A JSON number as the text that spells it."""


_FLAGS = {"string": 1, "numeric": 2, "boolean": 4, "key": 8, "all": 15}


def _json_texts(node: Any, flags: int) -> Iterator[str]:
    """The texts json(b)_to_tsvector indexes, in document order (objects as key pairs)."""
    if isinstance(node, _Pairs):
        for k, v in node:
            if flags & 8:
                yield k
            yield from _json_texts(v, flags)
    elif isinstance(node, list):
        for v in node:
            yield from _json_texts(v, flags)
    elif isinstance(node, _Num):
        if flags & 2:
            yield str(node)
    elif isinstance(node, bool):
        if flags & 4:
            yield "true" if node else "false"
    elif isinstance(node, str) and flags & 1:
        yield node


class _Pairs(list):
    """A JSON object as its (key, value) pairs, in the order of the text."""


_PAIRS_DECODER = json.JSONDecoder(parse_float=_Num, parse_int=_Num, parse_constant=_Num,
                                  object_pairs_hook=_Pairs)


def _pairs(text: object) -> Any:
    try:
        return _PAIRS_DECODER.decode(str(text))
    except ValueError:
        raise SqlError("22P02", "invalid input syntax for type json") from None


def _flags(spec: object) -> int:
    doc = _pairs(spec)
    items = doc if isinstance(doc, list) and not isinstance(doc, _Pairs) else None
    if items is None:
        if isinstance(doc, _Pairs):
            raise SqlError("22023", "wrong flag type, only arrays and scalars are allowed")
        items = [doc]
    flags = 0
    for it in items:
        if not isinstance(it, str) or isinstance(it, _Num):
            raise SqlError("22023", "flag array element is not a string",
                           hint='Possible values are: "string", "numeric", "boolean", '
                                '"key", and "all".')
        if it.lower() not in _FLAGS:
            raise SqlError("22023", f'wrong flag in flag array: "{it}"',
                           hint='Possible values are: "string", "numeric", "boolean", '
                                '"key", and "all".')
        flags |= _FLAGS[it.lower()]
    return flags


def json_to_tsvector(*args: object) -> str | None:
    """``json(b)_to_tsvector([config,] json, filter)``."""
    if None in args:
        return None
    return _json_vector(args[:-1], _flags(args[-1]))


def json_strings_to_tsvector(*args: object) -> str | None:
    """``to_tsvector([config,] json)``: the words of the string values."""
    return None if None in args else _json_vector(args, 1)


def _json_vector(args: tuple, flags: int) -> str:
    """Each value's words, one position left free between values."""
    config, doc = _config_args(args)
    vec: TsVector = {}
    pos = 0
    for text in _json_texts(_pairs(doc), flags):
        last = to_vector(config, text, vec, pos)
        if any(lex is not None for _i, lex, _p in words(config, text)):
            last += 1
        pos = last
    return vector_out(vec)


# -- tsquery ---------------------------------------------------------------------------------

# A query is a tree: ("v", lexeme, weights bitmask (A=8 .. D=1), prefix), ("!", q),
# ("&", l, r), ("|", l, r), ("<>", distance, l, r); None is the empty query.
_PRIORITY = {"|": 1, "&": 2, "<>": 3, "!": 4}


class _QueryParser:
    def __init__(self, text: str, operand: Callable[[str, int, bool], Any]) -> None:
        self.text = text
        self.i = 0
        self.operand = operand

    def error(self) -> SqlError:
        return _syntax("tsquery", self.text)

    def skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def parse(self) -> Any:
        self.skip()
        if self.i >= len(self.text):
            return None
        q = self.expr(1)
        self.skip()
        if self.i < len(self.text):
            raise self.error()
        return q

    def binary_op(self) -> tuple[str, int] | None:
        self.skip()
        t, i = self.text, self.i
        if i >= len(t):
            return None
        if t[i] in "&|":
            return t[i], 1
        m = re.match(r"<(-|\d+)>", t[i:])
        if m is None:
            return None
        d = 1 if m.group(1) == "-" else int(m.group(1))
        if d > MAXPOS + 1:
            raise SqlError("22023", "distance in phrase operator must be an integer value "
                                    "between zero and 16384 inclusive")
        return "<>", d

    def expr(self, min_prio: int) -> Any:
        left = self.unary()
        while True:
            op = self.binary_op()
            if op is None or _PRIORITY[op[0]] < min_prio:
                return left
            kind, dist = op
            self.i += 1 if kind in "&|" else self.text.index(">", self.i) - self.i + 1
            right = self.expr(_PRIORITY[kind] + 1)
            left = (kind, dist, left, right) if kind == "<>" else (kind, left, right)

    def unary(self) -> Any:
        self.skip()
        t = self.text
        if self.i >= len(t):
            raise self.error()
        c = t[self.i]
        if c == "!":
            self.i += 1
            return ("!", self.unary())
        if c == "(":
            self.i += 1
            q = self.expr(1)
            self.skip()
            if self.i >= len(t) or t[self.i] != ")":
                raise self.error()
            self.i += 1
            return q
        if c in "&|)<:":
            raise self.error()
        try:
            word, self.i = _read_word(t, self.i, "!&|()<:")
        except ValueError:
            raise self.error() from None
        weight, prefix = 0, False
        if self.i < len(t) and t[self.i] == ":":
            self.i += 1
            while self.i < len(t) and t[self.i] in "*ABCDabcd":
                c = t[self.i].upper()
                if c == "*":
                    prefix = True
                else:
                    weight |= 1 << _WEIGHTS.index(c)
                self.i += 1
        if not word:
            raise self.error()
        return self.operand(word, weight, prefix)


_STOP = ("stop",)


def _clean(q: Any) -> tuple[Any, int, int]:
    """PostgreSQL's clean_stopwords_intree: drops stop-word placeholders, widening the phrase
    distances around them; (query, left correction, right correction)."""
    if q is None or q is _STOP:
        return None, 0, 0
    if q[0] == "v":
        return q, 0, 0
    if q[0] == "!":
        child, ladd, radd = _clean(q[1])
        return (None if child is None else ("!", child)), ladd, radd
    if q[0] == "<>":
        dist, lq, rq = q[1], q[2], q[3]
    else:
        dist, lq, rq = 0, q[1], q[2]
    phrase = q[0] == "<>"
    left, lladd, lradd = _clean(lq)
    right, rladd, rradd = _clean(rq)
    if left is None and right is None:
        return None, *((lladd + dist + rradd,) * 2 if phrase else (0, 0))
    if left is None:
        return right, (lladd + dist + rladd if phrase else rladd), rradd
    if right is None:
        return left, lladd, (lradd + dist + rradd if phrase else lradd)
    if phrase:
        return ("<>", dist + lradd + rladd, left, right), lladd, rradd
    return (q[0], left, right), 0, 0


def _join(op: str, items: list[Any]) -> Any:
    q = items[0]
    for it in items[1:]:
        q = ("<>", 1, q, it) if op == "<>" else (op, q, it)
    return q


def _morph(config: str, text: str, op: str, weight: int, prefix: bool) -> Any:
    """One operand of to_tsquery (or a whole plainto_/phraseto_tsquery text): its words,
    stop words as placeholders, joined by ``op``."""
    items: list[Any] = []
    for _i, lex, _pos in words(config, text):
        items.append(_STOP if lex is None else ("v", lex, weight, prefix))
    return _join(op, items) if items else _STOP


def _query_result(q: Any) -> str:
    q, _l, _r = _clean(q)
    return query_out(q)


def query_in(text: object) -> str | None:
    """tsquery input: operands as written."""
    if text is None:
        return None
    return query_out(parse_query(str(text)))


def parse_query(text: str) -> Any:
    if text.strip() == "":
        return None
    return _QueryParser(text, lambda w, wt, p: ("v", w, wt, p)).parse()


def to_tsquery(*args: object) -> str | None:
    config, text = _config_args(args)
    if text is None:
        return None
    parser = _QueryParser(str(text), lambda w, wt, p: _morph(config, w, "<>", wt, p))
    return _query_result(parser.parse())


def plainto_tsquery(*args: object) -> str | None:
    config, text = _config_args(args)
    return None if text is None else _query_result(_morph(config, str(text), "&", 0, False))


def phraseto_tsquery(*args: object) -> str | None:
    config, text = _config_args(args)
    return None if text is None else _query_result(_morph(config, str(text), "<>", 0, False))


def query_out(q: Any) -> str:
    return "" if q is None else _infix(q, -1, False)


def _infix(q: Any, parent: int, right_phrase: bool) -> str:
    kind = q[0]
    if kind == "v":
        s = _quote(q[1])
        if q[3] or q[2]:
            s += ":" + ("*" if q[3] else "") + "".join(
                c for b, c in ((8, "A"), (4, "B"), (2, "C"), (1, "D")) if q[2] & b)
        return s
    prio = _PRIORITY[kind]
    if kind == "!":
        s = "!" + _infix(q[1], prio, False)
        return f"( {s} )" if prio < parent else s
    if kind == "<>":
        dist, lq, rq = q[1], q[2], q[3]
        sym = " <-> " if dist == 1 else f" <{dist}> "
    else:
        lq, rq = q[1], q[2]
        sym = f" {kind} "
    right = _infix(rq, prio, kind == "<>")
    left = _infix(lq, prio, False)
    s = left + sym + right
    return f"( {s} )" if prio < parent or (kind == "<>" and right_phrase) else s


# -- matching --------------------------------------------------------------------------------

_NO, _YES, _MAYBE = 0, 1, 2


def _operand_positions(vec: TsVector, q: tuple, phrase: bool) -> tuple[int, list[int]]:
    """Whether an operand is in the vector, and its positions (weights filtered). A lexeme
    without positions (strip) matches whatever the weight, but only maybe in a phrase."""
    _v, lex, weight, prefix = q
    found = False
    positions: set[int] = set()
    bare = False
    for word, entries in vec.items():
        if word == lex or (prefix and word.startswith(lex)):
            if not entries:
                bare = True
                continue
            for p, w in entries:
                if not weight or weight & (1 << w):
                    found = True
                    positions.add(p)
    if found:
        return _YES, sorted(positions)
    if bare:
        return (_MAYBE if phrase else _YES), []
    return _NO, []


class _Phrase:
    __slots__ = ("negate", "pos", "width")

    def __init__(self) -> None:
        self.pos: list[int] = []
        self.negate = False
        self.width = 0


def _phrase_output(data: _Phrase, ld: _Phrase, rd: _Phrase, both: bool, l_only: bool,
                   r_only: bool, loff: int, roff: int) -> int:
    left = {p + loff for p in ld.pos}
    right = {p + roff for p in rd.pos}
    out: set[int] = set()
    if both:
        out |= left & right
    if l_only:
        out |= left - right
    if r_only:
        out |= right - left
    data.pos = sorted(out)
    return _YES if out else _NO


def _phrase(vec: TsVector, q: Any, data: _Phrase) -> int:
    kind = q[0]
    if kind == "v":
        res, data.pos = _operand_positions(vec, q, True)
        return res
    if kind == "!":
        res = _phrase(vec, q[1], data)
        if res == _NO:
            data.negate = True
            return _YES
        if res == _YES:
            if data.pos:
                data.negate = not data.negate
                return _YES
            data.negate = False
            return _NO
        return _MAYBE
    ld, rd = _Phrase(), _Phrase()
    if kind in ("<>", "&"):
        lq, rq = (q[2], q[3]) if kind == "<>" else (q[1], q[2])
        lm = _phrase(vec, lq, ld)
        if lm == _NO:
            return _NO
        rm = _phrase(vec, rq, rd)
        if rm == _NO:
            return _NO
        if _MAYBE in (lm, rm):
            return _MAYBE
        if kind == "<>":
            loff, roff = q[1] + rd.width, 0
            data.width = q[1] + ld.width + rd.width
        else:
            data.width = max(ld.width, rd.width)
            loff, roff = data.width - ld.width, data.width - rd.width
        if ld.negate and rd.negate:
            _phrase_output(data, ld, rd, True, True, True, loff, roff)
            data.negate = True
            return _YES
        if ld.negate:
            return _phrase_output(data, ld, rd, False, False, True, loff, roff)
        if rd.negate:
            return _phrase_output(data, ld, rd, False, True, False, loff, roff)
        return _phrase_output(data, ld, rd, True, False, False, loff, roff)
    lm = _phrase(vec, q[1], ld)
    rm = _phrase(vec, q[2], rd)
    if lm == _NO and rm == _NO:
        return _NO
    if _MAYBE in (lm, rm):
        return _MAYBE
    if lm == _NO:
        ld.width = 0
    if rm == _NO:
        rd.width = 0
    data.width = max(ld.width, rd.width)
    loff, roff = data.width - ld.width, data.width - rd.width
    if ld.negate and rd.negate:
        _phrase_output(data, ld, rd, True, False, False, loff, roff)
    elif ld.negate:
        _phrase_output(data, ld, rd, False, True, False, loff, roff)
    elif rd.negate:
        _phrase_output(data, ld, rd, False, False, True, loff, roff)
    else:
        return _phrase_output(data, ld, rd, True, True, True, loff, roff)
    data.negate = True
    return _YES


def _execute(vec: TsVector, q: Any) -> int:
    kind = q[0]
    if kind == "v":
        return _operand_positions(vec, q, False)[0]
    if kind == "!":
        r = _execute(vec, q[1])
        return _MAYBE if r == _MAYBE else (_NO if r == _YES else _YES)
    if kind == "<>":  # a phrase that cannot be placed (no positions) does not match
        r = _phrase(vec, q, _Phrase())
        return _NO if r == _MAYBE else r
    left = _execute(vec, q[1])
    if kind == "&":
        if left == _NO:
            return _NO
        right = _execute(vec, q[2])
        return _NO if right == _NO else (_YES if left == right == _YES else _MAYBE)
    if left == _YES:
        return _YES
    right = _execute(vec, q[2])
    return _YES if right == _YES else (_MAYBE if _MAYBE in (left, right) else _NO)


def match(vector: object, query: object) -> int | None:
    """``tsvector @@ tsquery``."""
    if vector is None or query is None:
        return None
    q = parse_query(str(query))
    if q is None:
        return 0
    return int(_execute(parse_vector(str(vector)), q) != _NO)


def match_text(text: object, query: object) -> int | None:
    """``text @@ tsquery`` (the text through the default configuration)."""
    return match(to_tsvector(text), query)


def match_texts(text: object, query: object) -> int | None:
    """``text @@ text``: to_tsvector(a) @@ plainto_tsquery(b)."""
    return match(to_tsvector(text), plainto_tsquery(query))


# -- ts_headline -----------------------------------------------------------------------------

_NONWORD = frozenset(("blank", "asciihword", "hword", "numhword"))


def _options(spec: str | None) -> dict[str, str]:
    opts = {"startsel": "<b>", "stopsel": "</b>", "maxwords": "35", "minwords": "15",
            "shortword": "3", "maxfragments": "0", "highlightall": "false",
            "fragmentdelimiter": " ... "}
    if spec:
        for m in re.finditer(r'\s*([^\s=,]+)\s*=\s*("(?:[^"]|"")*"|[^,]*?)\s*(?:,|$)', spec):
            key, val = m.group(1).lower(), m.group(2)
            if val.startswith('"'):
                val = val[1:-1].replace('""', '"')
            if key not in opts:
                raise SqlError("22023", f'unrecognized headline parameter: "{m.group(1)}"')
            opts[key] = val
    return opts


def _int_option(opts: dict[str, str], key: str) -> int:
    try:
        return int(opts[key])
    except ValueError:
        raise SqlError("22P02", f'invalid value for integer option "{key}": '
                                f'"{opts[key]}"') from None


def _bool_option(v: str) -> bool:
    return v.strip().lower() in ("1", "on", "true", "t", "y", "yes")


class _Headline:
    """One ts_headline call's configuration, query and options, applied to texts."""

    def __init__(self, config: str, query: object, spec: object) -> None:
        self.config = config
        q = parse_query(str(query))
        self.operands: list[tuple] = []
        stack = [q] if q is not None else []
        while stack:
            n = stack.pop()
            if n[0] == "v":
                self.operands.append(n)
            else:
                stack.extend(x for x in n[1:] if isinstance(x, tuple))
        opts = _options(None if spec is None else str(spec))
        self.start, self.stop = opts["startsel"], opts["stopsel"]
        self.all = _bool_option(opts["highlightall"])
        min_words = _int_option(opts, "minwords")
        max_words = _int_option(opts, "maxwords")
        fragments = _int_option(opts, "maxfragments")
        if not self.all:
            if min_words >= max_words:
                raise SqlError("22023", "MinWords should be less than MaxWords")
            if min_words <= 0:
                raise SqlError("22023", "MinWords should be positive")
            if _int_option(opts, "shortword") < 0:
                raise SqlError("22023", "ShortWord should be >= 0")
            if fragments < 0:
                raise SqlError("22023", "MaxFragments should be >= 0")
        self.min_words = min_words
        self.fragments = fragments

    def _hit(self, lex: str | None) -> bool:
        return lex is not None and any(
            lex == o[1] or (o[3] and lex.startswith(o[1])) for o in self.operands)

    def apply(self, text: str) -> str:
        tokens = parse(text)
        lexemes = {i: lex for i, lex, _p in words(self.config, text)}
        count = sum(1 for kind, _t in tokens if kind not in _NONWORD)
        if not self.all and (self.fragments > 0 or count >= self.min_words):
            raise SqlError("0A000", "ts_headline choosing a fragment of a longer text is not "
                                    "supported (HighlightAll = true shows the whole text)")
        out = []
        for i, (kind, tok) in enumerate(tokens):
            if kind in ("asciihword", "hword", "numhword"):
                continue
            if self._hit(lexemes.get(i)):
                out.append(self.start + tok + self.stop)
            else:
                out.append(tok)
        return "".join(out)


def ts_headline(*args: object) -> str | None:
    """``ts_headline([config,] text, query [, options])``."""
    if None in args:
        return None
    config, text, query, spec = _headline_args(args)
    return _Headline(config, query, spec).apply(str(text))


def _headline_args(args: tuple) -> tuple[str, Any, Any, Any]:
    if len(args) == 4:
        return config_name(args[0]), args[1], args[2], args[3]
    if len(args) == 3 and _is_config(args[0]):
        return config_name(args[0]), args[1], args[2], None
    if len(args) == 3:
        return config_name(_default_config()), args[0], args[1], args[2]
    return config_name(_default_config()), args[0], args[1], None


def _is_config(v: object) -> bool:
    return isinstance(v, str) and v.strip().strip('"').lower().removeprefix("pg_catalog.") \
        in CONFIGS


def json_headline(binary: bool, *args: object) -> str | None:
    """``ts_headline`` of a json(b) document: each string value (not keys) highlighted."""
    if None in args:
        return None
    config, doc, query, spec = _headline_args(args)
    hl = _Headline(config, query, spec)
    if binary:
        return jsonb.dumps(_map_strings(jsonb.loads(str(doc)), hl.apply))
    return _compact(_map_strings(_pairs(doc), hl.apply))


def _map_strings(node: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(node, _Pairs):
        return _Pairs((k, _map_strings(v, fn)) for k, v in node)
    if isinstance(node, dict):
        return {k: _map_strings(v, fn) for k, v in node.items()}
    if isinstance(node, list):
        return [_map_strings(v, fn) for v in node]
    if isinstance(node, str) and not isinstance(node, _Num):
        return fn(node)
    return node


def _compact(node: Any) -> str:
    """json's text as PostgreSQL rebuilds it: no spaces, numbers as written."""
    if isinstance(node, _Pairs):
        return "{" + ",".join(f"{jsonb.string_text(k)}:{_compact(v)}" for k, v in node) + "}"
    if isinstance(node, list):
        return "[" + ",".join(_compact(v) for v in node) + "]"
    if isinstance(node, _Num):
        return str(node)
    if node is None:
        return "null"
    if node is True:
        return "true"
    if node is False:
        return "false"
    return jsonb.string_text(node)


def register(conn: Any, default_config: Callable[[], str]) -> None:
    """The text search functions on a connection; ``default_config`` reads the session's
    default_text_search_config."""
    global _default_config
    _default_config = default_config

    def f(name: str, fn: Callable, nargs: int = -1) -> None:
        conn.create_scalar_function(name, fn, nargs, deterministic=True)

    f("pg_tsvector_in", vector_in, 1)
    f("pg_tsquery_in", query_in, 1)
    f("tsquery", query_in, 1)
    f("tsvector", vector_in, 1)
    f("to_tsvector", to_tsvector)
    f("pg_json_to_tsvector", json_strings_to_tsvector)
    f("json_to_tsvector", json_to_tsvector)
    f("jsonb_to_tsvector", json_to_tsvector)
    f("to_tsquery", to_tsquery)
    f("plainto_tsquery", plainto_tsquery)
    f("phraseto_tsquery", phraseto_tsquery)
    f("ts_headline", ts_headline)
    f("pg_json_headline", lambda *a: json_headline(False, *a))
    f("pg_jsonb_headline", lambda *a: json_headline(True, *a))
    f("pg_ts_match", match, 2)
    f("pg_ts_match_text", match_text, 2)
    f("pg_ts_match_texts", match_texts, 2)
    f("strip", lambda v: None if v is None else vector_out(
        {lex: [] for lex in parse_vector(str(v))}), 1)
    f("pg_tsvector_length", lambda v: None if v is None else len(parse_vector(str(v))), 1)
    f("numnode", lambda q: None if q is None else _numnode(parse_query(str(q))), 1)


def _numnode(q: Any) -> int:
    if q is None:
        return 0
    return 1 + sum(_numnode(x) for x in q[1:] if isinstance(x, tuple))

"""The Snowball English (Porter2) stemmer, as PostgreSQL's ``english_stem`` dictionary runs it.

A transcription of Snowball's ``english.sbl`` (the version PostgreSQL 15 ships): the
exceptional forms, the regions R1 and R2, steps 1a to 5. Letters outside ``aeiouy`` count as
consonants, so a word with other characters stems the way Snowball's UTF-8 stemmer does.
"""

from __future__ import annotations

_V = frozenset("aeiouy")
_NON_V_WXY = frozenset("aeiouywxY")  # the complement: a short syllable cannot end in these
_VALID_LI = frozenset("cdeghkmnrt")
_DOUBLES = ("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt")

_EXCEPTION1 = {
    "skis": "ski", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie",
    "idly": "idl", "gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli",
    "singly": "singl", "sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas",
    "cosmos": "cosmos", "bias": "bias", "andes": "andes",
}
_EXCEPTION2 = frozenset(
    ("inning", "outing", "canning", "herring", "earring", "proceed", "exceed", "succeed"))

_STEP2 = (  # suffix in R1 -> replacement; the longest suffix that ends the word decides
    ("ization", "ize"), ("ational", "ate"), ("fulness", "ful"), ("ousness", "ous"),
    ("iveness", "ive"), ("tional", "tion"), ("biliti", "ble"), ("lessli", "less"),
    ("entli", "ent"), ("ation", "ate"), ("alism", "al"), ("aliti", "al"), ("ousli", "ous"),
    ("iviti", "ive"), ("fulli", "ful"), ("enci", "ence"), ("anci", "ance"), ("abli", "able"),
    ("izer", "ize"), ("ator", "ate"), ("alli", "al"), ("bli", "ble"), ("ogi", "og"),
    ("li", ""),
)
_STEP3 = (
    ("ational", "ate"), ("tional", "tion"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"),
    ("ative", ""), ("ical", "ic"), ("ness", ""), ("ful", ""),
)
_STEP4 = (  # deleted when in R2
    "ement", "ance", "ence", "able", "ible", "ment", "ant", "ent", "ism", "ate", "iti",
    "ous", "ive", "ize", "ion", "al", "er", "ic",
)


def _longest(word: str, suffixes: tuple[str, ...]) -> str | None:
    """The longest of ``suffixes`` (listed longest first) that ends ``word``."""
    for s in suffixes:
        if word.endswith(s):
            return s
    return None


def _region(w: str, start: int) -> int:
    """The position after the first non-vowel that follows a vowel, from ``start``."""
    i = start
    n = len(w)
    while i < n and w[i] not in _V:
        i += 1
    while i < n and w[i] in _V:
        i += 1
    return i + 1 if i < n else n


def _short_syllable_end(w: str) -> bool:
    """``shortv``: the word ends non-vowel, vowel, non-vowel other than w, x, Y; or it is a
    vowel then a non-vowel and nothing before."""
    if len(w) >= 3 and w[-1] not in _NON_V_WXY and w[-2] in _V and w[-3] not in _V:
        return True
    return len(w) == 2 and w[0] in _V and w[1] not in _V


def stem(word: str) -> str:
    """The stem of a lower-case word."""
    if word in _EXCEPTION1:
        return _EXCEPTION1[word]
    if len(word) < 3:
        return word
    w = word[1:] if word.startswith("'") else word
    # prelude: a y that is a consonant becomes Y
    chars = list(w)
    for i, c in enumerate(chars):
        if c == "y" and (i == 0 or chars[i - 1] in _V):
            chars[i] = "Y"
    w = "".join(chars)
    for prefix in ("gener", "commun", "arsen"):
        if w.startswith(prefix):
            p1 = len(prefix)
            break
    else:
        p1 = _region(w, 0)
    p2 = _region(w, p1)
    w = _step1a(w)
    if w not in _EXCEPTION2:
        w = _step1b(w, p1)
        w = _step1c(w)
        w = _step2(w, p1)
        w = _step3(w, p1, p2)
        w = _step4(w, p2)
        w = _step5(w, p1, p2)
    return w.replace("Y", "y")


def _step1a(w: str) -> str:
    for s in ("'s'", "'s", "'"):
        if w.endswith(s):
            w = w[: -len(s)]
            break
    s = _longest(w, ("sses", "ied", "ies", "us", "ss", "s"))
    if s == "sses":
        return w[:-2]
    if s in ("ied", "ies"):
        stem = w[:-3]
        return stem + ("i" if len(stem) >= 2 else "ie")
    if s == "s":
        stem = w[:-1]
        if any(c in _V for c in stem[:-1]):
            return stem
    return w


def _step1b(w: str, p1: int) -> str:
    s = _longest(w, ("eedly", "ingly", "edly", "eed", "ing", "ed"))
    if s is None:
        return w
    if s in ("eed", "eedly"):
        return w[: -len(s)] + "ee" if len(w) - len(s) >= p1 else w
    stem = w[: -len(s)]
    if not any(c in _V for c in stem):
        return w
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"
    if stem.endswith(_DOUBLES):
        return stem[:-1]
    if len(stem) == p1 and _short_syllable_end(stem):
        return stem + "e"
    return stem


def _step1c(w: str) -> str:
    if len(w) > 2 and w[-1] in "yY" and w[-2] not in _V:
        return w[:-1] + "i"
    return w


def _step2(w: str, p1: int) -> str:
    for s, rep in _STEP2:
        if w.endswith(s):
            if len(w) - len(s) < p1:
                return w
            stem = w[: -len(s)]
            if s == "ogi":
                return stem + rep if stem.endswith("l") else w
            if s == "li":
                return stem if stem and stem[-1] in _VALID_LI else w
            return stem + rep
    return w


def _step3(w: str, p1: int, p2: int) -> str:
    for s, rep in _STEP3:
        if w.endswith(s):
            if len(w) - len(s) < p1:
                return w
            if s == "ative" and len(w) - len(s) < p2:
                return w
            return w[: -len(s)] + rep
    return w


def _step4(w: str, p2: int) -> str:
    s = _longest(w, _STEP4)
    if s is None or len(w) - len(s) < p2:
        return w
    stem = w[: -len(s)]
    if s == "ion":
        return stem if stem.endswith(("s", "t")) else w
    return stem


def _step5(w: str, p1: int, p2: int) -> str:
    if w.endswith("e"):
        at = len(w) - 1
        if at >= p2 or (at >= p1 and not _short_syllable_end(w[:-1])):
            return w[:-1]
    elif w.endswith("l"):
        at = len(w) - 1
        if at >= p2 and w[-2:-1] == "l":
            return w[:-1]
    return w

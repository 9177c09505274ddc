"""Comprehend-like sentiment detection with VADER.

Amazon Comprehend answers ``DetectSentiment`` with one of four labels, POSITIVE, NEGATIVE,
NEUTRAL or MIXED, and a score per label; Aurora's ``aws_comprehend.detect_sentiment`` returns
the label and its score as the confidence. VADER (a lexicon and rules for English, shipped
inside the ``vaderSentiment`` package) gives the share of positive, negative and neutral
words and a normalised ``compound`` score in [-1, 1]. The mapping:

- MIXED when the text is clearly both: positive and negative shares each at least 0.15 and
  the compound score short of a strong verdict (|compound| < 0.5). Confidence: 0.5 plus half
  the ratio of the smaller share to the larger (two equal shares: 1.0).
- else POSITIVE when compound >= 0.05 and NEGATIVE when compound <= -0.05 (VADER's own
  thresholds). Confidence: (1 + |compound|) / 2, from 0.525 to 1.0.
- else NEUTRAL. Confidence: 1 - |compound| * 10, from 0.5 to 1.0 (a text with no opinion
  words at all is NEUTRAL with confidence 1.0).

Only English is analysed: another language code gets Comprehend's
UnsupportedLanguageException; a code Comprehend does not know at all gets its
ValidationException.
"""

from __future__ import annotations

from collections.abc import Sequence

from aurora.engine.ml.errors import MlError

# The language codes DetectSentiment accepts; only "en" has a lexicon here.
COMPREHEND_LANGUAGES = frozenset(
    {"en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"})
SUPPORTED = frozenset({"en"})
MAX_TEXT_BYTES = 5000  # Comprehend's limit for one document

_analyzer = None


def analyzer():  # type: ignore[no-untyped-def]
    global _analyzer
    if _analyzer is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def label(scores: dict[str, float]) -> tuple[str, float]:
    """VADER's scores as Comprehend's (label, confidence); see the module's docstring."""
    pos, neg, compound = scores["pos"], scores["neg"], scores["compound"]
    if pos >= 0.15 and neg >= 0.15 and abs(compound) < 0.5:
        return "MIXED", round(0.5 + 0.5 * min(pos, neg) / max(pos, neg), 4)
    if compound >= 0.05:
        return "POSITIVE", round((1 + compound) / 2, 4)
    if compound <= -0.05:
        return "NEGATIVE", round((1 - compound) / 2, 4)
    return "NEUTRAL", round(1 - abs(compound) * 10, 4)


def check_language(language: str) -> None:
    if language not in COMPREHEND_LANGUAGES:
        raise MlError("ValidationException",
                      f"Value '{language}' at 'languageCode' failed to satisfy constraint: "
                      f"Member must satisfy enum value set: {sorted(COMPREHEND_LANGUAGES)}")
    if language not in SUPPORTED:
        raise MlError("UnsupportedLanguageException",
                      f"The language code '{language}' is not supported for sentiment detection "
                      "here: only 'en' is")


def detect(texts: Sequence[str | None], language: str) -> list[tuple[str, float] | None]:
    """One (label, confidence) per text; None for a NULL text."""
    check_language(language)
    scores = analyzer().polarity_scores
    out: list[tuple[str, float] | None] = []
    for text in texts:
        if text is None:
            out.append(None)
            continue
        if len(text.encode()) > MAX_TEXT_BYTES:
            raise MlError("TextSizeLimitExceededException",
                          f"Input text size exceeds limit. Max length of request text allowed is "
                          f"{MAX_TEXT_BYTES} bytes while in this request the text size is "
                          f"{len(text.encode())} bytes")
        out.append(label(scores(text)))
    return out

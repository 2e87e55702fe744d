"""Grades a trainee's root cause against a scenario's answer key, tolerantly, like an expert would.

A concept is a list of synonyms; an answer must contain one synonym of every concept. Text is
compared after normalisation (case, punctuation, leading dashes of flags) and with fuzzy
matching for small typos, so "listen-client-url flag mispelled in etcd manifest" passes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

FUZZY_THRESHOLD = 86


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).lower()
    text = re.sub(r"(?<![\w])-{1,2}(?=\w)", "", text)  # --flag and -flag read as flag
    text = re.sub(r"[^\w\s./:-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[\w./:-]+", text)


def mentions(answer: str, synonym: str) -> bool:
    """Whether the normalised answer mentions a synonym (regex when written /like this/)."""
    if len(synonym) > 2 and synonym.startswith("/") and synonym.endswith("/"):
        try:
            return re.search(synonym[1:-1], answer, re.IGNORECASE) is not None
        except re.error:
            return False
    syn = normalise(synonym)
    if not syn:
        return False
    if syn in answer:
        return True
    if len(syn) < 5:
        return re.search(rf"\b{re.escape(syn)}", answer) is not None
    # Fuzzy: compare against windows of as many words as the synonym has.
    n = len(syn.split())
    words = _words(answer)
    for i in range(len(words)):
        window = " ".join(words[i:i + n])
        if fuzz.ratio(window, syn) >= FUZZY_THRESHOLD:
            return True
        # A plural or a suffix ("misspelled" for "misspel") still counts.
        if window.startswith(syn[:-1]) and len(syn) >= 6:
            return True
    return False


@dataclass
class Verdict:
    correct: bool
    component_ok: bool
    concepts_found: int
    concepts_total: int
    symptom_only: bool
    feedback: str


def grade(component: str, cause: str, *, components: list[str], concepts: list[list[str]],
          not_causes: list[str]) -> Verdict:
    answer = normalise(cause)
    component_ok = component in components
    found = sum(1 for group in concepts if any(mentions(answer, s) for s in group))
    total = len(concepts)
    symptom = any(mentions(answer, s) for s in not_causes)
    all_concepts = found == total and total > 0
    correct = component_ok and all_concepts
    if correct:
        feedback = "Correct: that is the root cause."
    elif not answer:
        feedback = "Describe the cause in your own words."
    elif component_ok and symptom and found < total:
        feedback = ("Right component, but that is a symptom: what makes it happen? "
                    "Name the mechanism.")
    elif component_ok and found == 0:
        feedback = "Right component, but the cause you describe isn't what we found. Dig deeper."
    elif component_ok:
        feedback = (f"Right component and you are close: you named {found} of the {total} "
                    "parts of the cause. Be more specific about what changed and where.")
    elif all_concepts or found:
        feedback = "You named the mechanism, but not the component where it happens."
    else:
        feedback = "Not this component. Look again at what fails first."
    return Verdict(correct, component_ok, found, total, symptom and not correct, feedback)

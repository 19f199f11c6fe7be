"""Languages: which one a text is in (`detect`), and how the lexical side reads each one
(`analyzers`, with the short lists of `function_words`)."""

from embeddings.language.analyzers import Analyzer, analyzer
from embeddings.language.detect import UNDETERMINED, detect_language

__all__ = ["UNDETERMINED", "Analyzer", "analyzer", "detect_language"]

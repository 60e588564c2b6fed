"""The statistical step: TF-IDF over character n-grams of the cleaned description, then a
multinomial logistic regression (scikit-learn), trained on everything categorised so far.

Character n-grams cope with the truncation and glued words of bank text (`SAINSBURYS S/MKTS`,
`AMZNMKTPLACE`). The trained model is stored as plain arrays (vocabulary, idf, weights) in an .npz
blob, never as a pickle, so loading a model from the database cannot execute code. Prediction is a
sparse matrix product done here rather than by a rebuilt sklearn object, for the same reason.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np

# scikit-learn and scipy are imported where they are used: importing them costs seconds, and a sync
# worker that has no trained model yet should not pay for that.

NGRAMS = (2, 4)
MAX_FEATURES = 40_000
MIN_TRAINING_ROWS = 30


def model_text(text: str, merchant_name: str, amount) -> str:
    """What the model reads: the direction first (money in and out mean different things for the
    same words), then the cleaned description and the merchant name."""
    direction = "zin" if amount > 0 else "zout"
    return f"{direction} {text} {merchant_name.upper()}".strip()


@dataclass
class TextModel:
    vocabulary: dict[str, int]
    idf: np.ndarray  # float32 (n_features,)
    coef: np.ndarray  # float32 (n_classes, n_features)
    intercept: np.ndarray  # float32 (n_classes,)
    classes: list[str]
    trained_on: int = 0

    # --- training ---------------------------------------------------------------------------
    @classmethod
    def train(cls, texts: list[str], labels: list[str], weights: list[float] | None = None,
              *, c: float = 20.0) -> TextModel:
        if len(texts) < MIN_TRAINING_ROWS or len(set(labels)) < 2:
            raise ValueError(f"need at least {MIN_TRAINING_ROWS} rows and two categories to train")
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, lowercase=False, sublinear_tf=True,
                                     max_features=MAX_FEATURES, dtype=np.float32)
        features = vectorizer.fit_transform(texts)
        classifier = LogisticRegression(C=c, max_iter=300)
        classifier.fit(features, labels, sample_weight=weights)
        return cls(
            vocabulary={term: int(index) for term, index in vectorizer.vocabulary_.items()},
            idf=vectorizer.idf_.astype(np.float32),
            coef=classifier.coef_.astype(np.float32),
            intercept=classifier.intercept_.astype(np.float32),
            classes=[str(c) for c in classifier.classes_],
            trained_on=len(texts),
        )

    # --- prediction ---------------------------------------------------------------------------
    def _counter(self):
        counter = getattr(self, "_count_vectorizer", None)
        if counter is None:
            from sklearn.feature_extraction.text import CountVectorizer

            counter = CountVectorizer(analyzer="char_wb", ngram_range=NGRAMS, lowercase=False,
                                      vocabulary=self.vocabulary, dtype=np.float32)
            self._count_vectorizer = counter
        return counter

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """(n_texts, n_classes) class probabilities."""
        from scipy import sparse
        from sklearn.preprocessing import normalize

        counts = self._counter().transform(texts).tocsr()
        counts.data = 1.0 + np.log(counts.data)  # sublinear tf, as in training
        features = normalize(counts @ sparse.diags(self.idf), norm="l2", copy=False)
        scores = features @ self.coef.T + self.intercept
        if len(self.classes) == 2:  # sklearn's binary case has one weight row
            positive = 1.0 / (1.0 + np.exp(-scores[:, :1]))
            return np.hstack([1.0 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    # --- storage ----------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        np.savez_compressed(
            buffer, idf=self.idf, coef=self.coef, intercept=self.intercept,
            meta=np.frombuffer(json.dumps({"terms": terms, "classes": self.classes,
                                           "trained_on": self.trained_on}).encode(), dtype=np.uint8),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> TextModel:
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode())
            return cls(vocabulary={term: i for i, term in enumerate(meta["terms"])}, idf=arrays["idf"],
                       coef=arrays["coef"], intercept=arrays["intercept"], classes=meta["classes"],
                       trained_on=meta.get("trained_on", 0))

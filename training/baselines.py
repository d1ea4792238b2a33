"""Baselines measured in the same evaluation run as the model.

- TF-IDF + logistic regression: word and character n-grams of the sentence (and, separately
  weighted, its context), one classifier per output, trained on the same train split.
- Evidence finders alone: the deterministic finders with no learned scorer.
"""

from __future__ import annotations

import numpy as np


class TfidfBaseline:
    name = "tfidf-logreg"

    def __init__(self, seed: int = 0):
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._hstack = hstack
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=100_000, sublinear_tf=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), min_df=3, max_features=100_000, sublinear_tf=True)
        self.context = TfidfVectorizer(ngram_range=(1, 1), min_df=2, max_features=30_000, sublinear_tf=True)
        self.models: list = []
        self.seed = seed

    def _features(self, sentences, contexts, fit: bool = False):
        parts = []
        for vec, texts in ((self.words, sentences), (self.chars, sentences), (self.context, contexts)):
            parts.append(vec.fit_transform(texts) if fit else vec.transform(texts))
        return self._hstack(parts).tocsr()

    def fit(self, sentences, contexts, labels: np.ndarray) -> TfidfBaseline:
        from sklearn.linear_model import LogisticRegression

        x = self._features(sentences, contexts, fit=True)
        self.models = []
        for k in range(labels.shape[1]):
            y = labels[:, k].round().astype(int)
            if 0 < y.sum() < len(y):
                self.models.append(LogisticRegression(C=4.0, max_iter=2000, random_state=self.seed).fit(x, y))
            else:
                self.models.append(float(y.mean()) if len(y) else 0.0)
        return self

    def predict(self, sentences, contexts) -> np.ndarray:
        x = self._features(sentences, contexts)
        cols = [m.predict_proba(x)[:, 1] if not isinstance(m, float) else np.full(x.shape[0], m) for m in self.models]
        return np.stack(cols, axis=1).astype(np.float32)

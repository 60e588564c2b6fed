"""Retrain the statistical step on everything categorised so far (every user's confident answers,
the user's own corrections counting triple), keep the newest few models, and report the accuracy on
a held-out slice so an operator can see whether retraining helped."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter

from django.db import transaction

from transactions.categoriser.answers import SOURCE_USER, TRAINABLE_SOURCES
from transactions.categoriser.model import MIN_TRAINING_ROWS, TextModel, model_text
from transactions.categoriser.normalise import normalise
from transactions.models import CategoriserModel
from transactions.selectors.transactions import training_rows

logger = logging.getLogger(__name__)

TRAINING_LIMIT = 200_000
KEEP_MODELS = 3
USER_WEIGHT = 3.0
HOLDOUT_SHARE = 10  # percent


def training_examples(rows) -> tuple[list[str], list[str], list[float]]:
    """Deduplicate: one example per (text, category), weighted by how often it occurs (capped, so
    a thousand Tesco receipts do not drown everything else) and by whether a person chose it."""
    counts: Counter = Counter()
    by_user: set = set()
    for description, merchant, amount, category, source in rows:
        text = model_text(normalise(description, merchant or "").text, merchant or "", amount)
        counts[(text, category)] += 1
        if source == SOURCE_USER:
            by_user.add((text, category))
    texts, labels, weights = [], [], []
    for (text, category), n in counts.items():
        texts.append(text)
        labels.append(category)
        weights.append(min(1.0 + n / 10, 3.0) * (USER_WEIGHT if (text, category) in by_user else 1.0))
    return texts, labels, weights


def _in_holdout(text: str) -> bool:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 100 < HOLDOUT_SHARE


def categoriser_model_train(*, limit: int = TRAINING_LIMIT) -> CategoriserModel | None:
    texts, labels, weights = training_examples(training_rows(TRAINABLE_SOURCES, limit))
    if len(texts) < MIN_TRAINING_ROWS or len(set(labels)) < 2:
        logger.info("categoriser retrain skipped: %s examples", len(texts))
        return None
    train = [i for i, t in enumerate(texts) if not _in_holdout(t)]
    held = [i for i, t in enumerate(texts) if _in_holdout(t)]
    if len(train) < MIN_TRAINING_ROWS or len({labels[i] for i in train}) < 2:
        train, held = list(range(len(texts))), []
    model = TextModel.train([texts[i] for i in train], [labels[i] for i in train], [weights[i] for i in train])
    accuracy = None
    if held:
        probabilities = model.probabilities([texts[i] for i in held])
        predicted = [model.classes[j] for j in probabilities.argmax(axis=1)]
        accuracy = sum(p == labels[i] for p, i in zip(predicted, held, strict=True)) / len(held)
    with transaction.atomic():
        saved = CategoriserModel.objects.create(
            trained_on=len(train), classes=len(model.classes), blob=model.to_bytes(),
            holdout_accuracy=None if accuracy is None else round(accuracy, 3))
        old = list(CategoriserModel.objects.order_by("-created_at", "-id").values_list("id", flat=True)[KEEP_MODELS:])
        CategoriserModel.objects.filter(pk__in=old).delete()
    logger.info("categoriser retrained model=%s rows=%s classes=%s holdout_accuracy=%s", saved.pk, len(train),
                len(model.classes), accuracy)
    return saved

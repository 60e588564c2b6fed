"""Step 6 learns from everything categorised so far; retraining is a Celery task."""

from datetime import date

import pytest

from open_banking.models import BankTransaction
from transactions.models import CategoriserModel
from transactions.services import categorisation
from transactions.services.training import categoriser_model_train
from transactions.tasks import categoriser_retrain

from .conftest import rec, sync

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_model_cache():
    categorisation._model_cache.update(id=None, model=None)
    yield
    categorisation._model_cache.update(id=None, model=None)


def teach(account, user):
    """Users labelled two unknown merchants by hand many times."""
    branches = [f"K{a}{b}Q" for a in "ABCDEFGH" for b in "NOPQR"]  # 40 distinct branch names
    rows = [rec(f"QQ NIBBLEWORTH {b} LTD", "-4.20", day=date(2026, 1, 1 + i % 28)) for i, b in enumerate(branches)]
    rows += [rec(f"ZX MOTOR WORKS {b}", "-80", day=date(2026, 2, 1 + i % 28)) for i, b in enumerate(branches)]
    sync(account, rows)
    BankTransaction.objects.filter(description__startswith="QQ").update(
        category="FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", category_source="user")
    BankTransaction.objects.filter(description__startswith="ZX").update(
        category="GENERAL_SERVICES_AUTOMOTIVE", category_source="user")


def test_too_little_data_trains_nothing():
    assert categoriser_model_train() is None
    assert not CategoriserModel.objects.exists()


def test_retrain_task_stores_a_model_the_next_sync_uses(account, user, make_account):
    teach(account, user)
    model_id = categoriser_retrain.delay().get()
    stored = CategoriserModel.objects.get(pk=model_id)
    assert stored.classes == 2 and stored.trained_on > 30
    other = make_account()
    sync(other, [rec("QQ NIBBLEWORTH HIGH STREET", "-3.10", ext_id="new")])
    tx = BankTransaction.objects.get(external_id="new")
    assert (tx.category, tx.category_source) == ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "model")


def test_model_guesses_are_not_training_data(account, user):
    teach(account, user)
    BankTransaction.objects.update(category_source="model")
    assert categoriser_model_train() is None


def test_only_the_newest_models_are_kept(account, user):
    teach(account, user)
    for _ in range(5):
        categoriser_model_train()
    assert CategoriserModel.objects.count() == 3


def test_model_can_be_switched_off(account, user, settings):
    teach(account, user)
    categoriser_model_train()
    settings.TRANSACTIONS_MODEL_ENABLED = False
    assert categorisation.categoriser_model_current() is None

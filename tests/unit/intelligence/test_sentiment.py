"""SentimentScorer: the side of 0, negation, complaint cues, learning, determinism, bad input."""

import pytest

from podium.intelligence import SentimentScorer
from podium.intelligence.sentiment import MAX_CHARS, NEGATIVE_CUTOFF

ANGRY = [
    "This is the worst service I have ever had. Absolutely terrible!",
    "I hate this app, it is useless and broken.",
    "Still waiting for my refund after three weeks.",
    "My flight was delayed 4 hours and nobody told us anything",
    "You lost my luggage and customer service hung up on me",
    "Never again. Cancel my subscription now.",
    "why does your website never work?",
    "thanks for nothing 😡",
    "charged twice for the same order",
]
HAPPY = [
    "Thank you so much, the support team was wonderful!",
    "Great product, works perfectly and arrived early :)",
    "I love this, best purchase this year",
    "The agent was friendly and fixed it in minutes, very happy",
]
NEUTRAL = ["What time does the store open on Sunday?", "Order 1234 ships from Ohio."]


@pytest.fixture
def sc() -> SentimentScorer:
    return SentimentScorer()


@pytest.mark.parametrize("text", ANGRY)
def test_angry_messages_score_below_zero(sc, text):
    assert sc.score(text) < NEGATIVE_CUTOFF


@pytest.mark.parametrize("text", HAPPY)
def test_happy_messages_score_above_zero(sc, text):
    assert sc.score(text) > 0.3


@pytest.mark.parametrize("text", NEUTRAL)
def test_neutral_messages_are_not_flagged(sc, text):
    assert sc.score(text) >= NEGATIVE_CUTOFF


def test_scores_stay_in_range(sc):
    for text in [*ANGRY, *HAPPY, *NEUTRAL, "!!!!!!!! TERRIBLE HORRIBLE AWFUL WORST " * 50]:
        assert -1.0 <= sc.score(text) <= 1.0


def test_negation_flips_the_sign(sc):
    assert sc.score("The service was good") > 0
    assert sc.score("The service was not good") < 0
    assert sc.score("The staff were helpful") > 0
    assert sc.score("The staff weren't helpful") < 0
    assert sc.score("I am not unhappy with it") > 0


def test_rules_shift_intensity(sc):
    plain = sc.score("The food was good")
    assert sc.score("The food was very good") > plain
    assert sc.score("The food was good!!!") > plain
    assert sc.score("The food was GOOD and cheap") > sc.score("The food was good and cheap")
    # after "but" weighs more than before it
    assert sc.score("The room was nice but the staff were rude") < 0
    assert sc.score("The staff were rude but the room was nice") > 0


def test_sarcastic_thanks_is_a_complaint(sc):
    assert sc.score("thanks for the 3 hour delay") < 0
    assert sc.score("thanks for the quick reply") > 0


def test_empty_and_blank_text_score_zero(sc):
    assert sc.score("") == 0.0
    assert sc.score("   \n\t ") == 0.0
    assert sc.score("the of and") == 0.0


def test_huge_text_is_capped_and_scored(sc):
    head = "This is terrible and broken. "
    text = head * (MAX_CHARS // len(head) + 10) + "wonderful " * 100_000
    assert sc.score(text) == sc.score(text[:MAX_CHARS]) < 0


def test_non_str_raises_type_error_naming_the_fix(sc):
    with pytest.raises(TypeError, match="decode"):
        sc.score(b"bytes are not text")
    with pytest.raises(TypeError, match="str"):
        sc.score(None)
    with pytest.raises(TypeError, match="bool"):
        sc.learn("fine", negative="yes")
    with pytest.raises(TypeError):
        sc.learn(42, negative=True)


def test_deterministic_across_instances():
    a, b = SentimentScorer(), SentimentScorer()
    texts = ANGRY + HAPPY + NEUTRAL
    assert [a.score(t) for t in texts] == [b.score(t) for t in texts]
    for sc in (a, b):
        sc.learn("the gizmo overheats", negative=True)
        sc.learn("the gizmo is blue", negative=False)
    assert [a.score(t) for t in texts] == [b.score(t) for t in texts]
    assert a.score("my gizmo overheats") == b.score("my gizmo overheats")


def test_learn_changes_later_scores(sc):
    text = "the parcel went to the depot in Springfield"
    before = sc.score(text)
    assert before == 0.0
    for _ in range(5):
        sc.learn(text, negative=True)
    after = sc.score(text)
    assert after < NEGATIVE_CUTOFF
    # a text sharing the words moves too; one sharing none moves only by the learned base
    # rate (the bias), less, and stays on its side
    assert sc.score("my parcel went to the depot again") < 0
    fresh = SentimentScorer().score("what a lovely morning")
    learned = sc.score("what a lovely morning")
    assert 0 < learned < fresh
    assert fresh - learned < before - after
    assert sc.score("") == 0.0


def test_learning_a_base_rate_does_not_blur_the_ranking():
    """Feedback with a base rate (a quarter unhappy) keeps angry texts below happy ones.

    The bias takes the base rate, so the words' weights need not; every angry text still
    scores below every happy one after 300 seeded feedback steps.
    """
    import random

    rng = random.Random(7)
    pool = [(t, True) for t in ANGRY] + [(t, False) for t in HAPPY + NEUTRAL * 2]
    learner = SentimentScorer()
    for _ in range(300):
        text, negative = rng.choice(pool)
        learner.learn(text, negative=negative)
    assert max(learner.score(t) for t in ANGRY) < min(learner.score(t) for t in HAPPY)


def test_learn_not_negative_lifts_a_false_alarm(sc):
    text = "the kill switch was triggered on schedule"
    assert sc.score(text) < 0  # "kill" reads as negative
    for _ in range(5):
        sc.learn(text, negative=False)
    assert sc.score(text) > 0


def test_learning_is_bounded_and_stays_in_range(sc):
    for _ in range(200):
        sc.learn("awful awful awful", negative=True)
    assert -1.0 <= sc.score("awful awful awful") < 0
    assert sc.score("great great great") > 0


def test_callable_is_score(sc):
    assert sc("worst ever") == sc.score("worst ever")

"""Term offsets in Chinese and English: exact code-point positions in the text as written,
whole words for Latin terms, and a cached matcher that sees every change to the list."""

import pytest

from quality import checks
from quality.matcher import Matcher
from quality.models import SensitiveTerm

MATCHER = Matcher(
    [
        ("保证", "promise"),
        ("投诉到底", "legal"),
        ("投诉", "legal"),
        ("guarantee", "promise"),
        ("refund", "promise"),
        ("refund guaranteed", "promise"),
        ("ass", "abusive"),
        ("100% sure", "promise"),
    ]
)


def found(text):
    return [
        (flag.term, flag.start, flag.end, text[flag.start : flag.end])
        for flag in MATCHER.find(text)
    ]


def test_chinese_terms_are_found_at_their_code_point_offsets():
    text = "您好，我们保证明天上门，您不必投诉到底。"

    assert found(text) == [("保证", 5, 7, "保证"), ("投诉到底", 15, 19, "投诉到底")]


def test_english_terms_are_found_ignoring_case_at_their_offsets():
    text = "We GUARANTEE a visit; Guarantee is a strong word."

    assert found(text) == [
        ("guarantee", 3, 12, "GUARANTEE"),
        ("guarantee", 22, 31, "Guarantee"),
    ]


def test_mixed_chinese_and_english_text_keeps_both_offsets():
    text = "师傅说guarantee明天到，我保证。"

    assert found(text) == [("guarantee", 3, 12, "guarantee"), ("保证", 17, 19, "保证")]


def test_characters_outside_the_basic_plane_count_as_one():
    text = "𠮷😀 保证"  # two astral characters: Python counts each as one

    assert found(text) == [("保证", 3, 5, "保证")]


def test_offsets_hold_after_characters_that_lowercase_to_two():
    text = "İİ İstanbul: we guarantee it"  # "İ".lower() is two characters

    assert "İ".lower() != "i" and len("İ".lower()) == 2
    assert found(text) == [("guarantee", 16, 25, "guarantee")]


def test_full_width_latin_is_matched_as_written():
    text = "我们ＧＵＡＲＡＮＴＥＥ"

    assert found(text) == [("guarantee", 2, 11, "ＧＵＡＲＡＮＴＥＥ")]


def test_latin_terms_match_whole_words_only():
    assert found("pass the class, bypass") == []
    assert found("refunded, guarantees") == []
    assert found("what an ass.") == [("ass", 8, 11, "ass")]
    assert found("ass") == [("ass", 0, 3, "ass")]


def test_chinese_terms_match_inside_a_run_of_chinese():
    assert found("不保证") == [("保证", 1, 3, "保证")]


def test_a_term_inside_a_longer_one_found_is_reported_once_as_the_longer():
    assert found("Refund Guaranteed!") == [("refund guaranteed", 0, 17, "Refund Guaranteed")]
    assert found("我要投诉到底") == [("投诉到底", 2, 6, "投诉到底")]
    assert found("refund please") == [("refund", 0, 6, "refund")]


def test_terms_ending_in_a_symbol_need_no_boundary_after_it():
    assert found("I am 100% SURE!") == [("100% sure", 5, 14, "100% SURE")]


def test_no_terms_or_no_text_finds_nothing():
    assert Matcher([]).find("guarantee") == []
    assert MATCHER.find("") == []


@pytest.mark.django_db
def test_the_cached_matcher_sees_each_change_to_the_list():
    assert checks.flags_for("we guarantee it") == []

    term = SensitiveTerm.objects.create(term="guarantee", language="en", category="promise")
    assert checks.flags_for("we guarantee it") == [
        {"term": "guarantee", "category": "promise", "start": 3, "end": 12}
    ]

    term.category = "legal"
    term.save()
    assert checks.flags_for("we guarantee it")[0]["category"] == "legal"

    term.active = False
    term.save()
    assert checks.flags_for("we guarantee it") == []

    term.active = True
    term.save()
    other = SensitiveTerm.objects.create(term="保证", language="zh", category="promise")
    assert [f["term"] for f in checks.flags_for("保证 guarantee")] == ["保证", "guarantee"]

    other.delete()
    assert [f["term"] for f in checks.flags_for("保证 guarantee")] == ["guarantee"]


@pytest.mark.django_db
def test_an_unchanged_list_costs_one_small_query_per_check(terms, django_assert_num_queries):
    checks.flags_for("warm up")  # builds the matcher

    with django_assert_num_queries(1):
        flags = checks.flags_for("保证 guarantee " * 500)

    assert len(flags) == 1000


@pytest.mark.django_db
def test_deactivating_in_the_admin_bulk_action_is_seen(terms, admin_client):
    assert checks.flags_for("we guarantee it")
    guarantee = SensitiveTerm.objects.get(term="guarantee")

    admin_client.post(
        "/admin/quality/sensitiveterm/",
        {"action": "deactivate", "_selected_action": [guarantee.pk]},
    )

    assert checks.flags_for("we guarantee it") == []

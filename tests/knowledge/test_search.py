"""Search: the tokens, ranking on PostgreSQL in English and Chinese, the SQLite fallback."""

import pytest
from django.db import connection

from knowledge import search, selectors
from knowledge.models import Article


def test_chinese_runs_become_bigrams_and_a_final_character():
    assert search.tokens("空调安装") == ["空调", "调安", "安装", "装"]


def test_latin_words_are_folded_and_mixed_text_is_split():
    assert search.tokens("Café AIR-con 空调X1") == ["cafe", "air", "con", "空调", "调", "x1"]


def test_a_query_needs_every_word_and_matches_the_last_as_a_prefix():
    assert search.query_literal("coupon instal") == "'coupon' & 'instal':*"


def test_a_chinese_query_needs_all_its_bigrams_and_one_character_is_a_prefix():
    assert search.query_literal("空调安装") == "('空调' & '调安' & '安装')"
    assert search.query_literal("空") == "'空':*"


def test_quotes_and_operators_in_a_query_are_only_text():
    assert search.query_literal("it's & | ! (x)") == "'it' & 's' & 'x':*"


def test_the_vector_weighs_title_tags_and_body():
    literal = search.vector_literal(title="Refund", tags=["退款"], body="refund late")
    assert literal == "'refund':1A,4C '退款':2B '款':3B 'late':5C"


@pytest.fixture
def library(publish, category):
    """A few answers in both languages; ids by short name."""
    articles = {
        "install_title": publish(
            title="Installation delayed: what to offer",
            body="Offer a priority slot and a coupon.",
            tags=["installation"],
        ),
        "install_body": publish(
            title="Delivery damaged",
            body="Photos first. If the installation team saw it, note that.",
        ),
        "ac_title": publish(title="空调安装延迟怎么办", body="优先安排上门，并送优惠券。"),
        "ac_body": publish(title="冰箱配送破损", body="先拍照。空调安装人员到场时确认。"),
        "refund": publish(title="退款未到账", body="Refunds take up to 7 days. 退款七天内到账。"),
    }
    return {name: article.pk for name, article in articles.items()}


def _search(q: str) -> list[int]:
    return [a.pk for a in selectors.article_list(user=None, q=q)]


@pytest.mark.postgres
def test_english_title_matches_rank_above_body_matches(library):
    assert _search("installation") == [library["install_title"], library["install_body"]]


@pytest.mark.postgres
def test_chinese_title_matches_rank_above_body_matches(library):
    assert _search("空调安装") == [library["ac_title"], library["ac_body"]]


@pytest.mark.postgres
def test_a_two_character_chinese_query_finds_its_word(library):
    assert _search("退款") == [library["refund"]]
    assert _search("破损") == [library["ac_body"]]


@pytest.mark.postgres
def test_a_one_character_chinese_query_finds_words_that_contain_it(library):
    assert set(_search("冰")) == {library["ac_body"]}


@pytest.mark.postgres
def test_a_word_prefix_finds_the_word_and_case_does_not_matter(library):
    assert _search("INSTAL")[0] == library["install_title"]


@pytest.mark.postgres
def test_search_uses_the_gin_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        query = Article.objects.filter(
            search.Matches(search.F("search_vector"), search.TsQuery(search.Value("'x'")))
        )
        plan = query.explain()
        cursor.execute("SET enable_seqscan = on")
    assert "knowledge_article_search_gin" in plan


@pytest.mark.postgres
def test_hot_answers_come_first_even_when_they_rank_lower(library, kb_member):
    from knowledge import services

    services.article_set_hot(
        article=Article.objects.get(pk=library["install_body"]), actor=kb_member, hot=True
    )

    assert _search("installation") == [library["install_body"], library["install_title"]]


def test_any_database_finds_both_languages_and_ranks_title_matches_first(library):
    """Runs on SQLite (icontains with a title bonus) as well as on PostgreSQL."""
    assert _search("Installation") == [library["install_title"], library["install_body"]]
    assert _search("空调安装") == [library["ac_title"], library["ac_body"]]
    assert _search("退款") == [library["refund"]]


def test_suggestions_for_a_case_prefer_its_category_and_title_words(library, case_in, category):
    case = case_in("investigating", title="Installation delayed for a VIP", category=category.code)

    suggested = [a.pk for a in selectors.suggested_for_case(case=case)]

    assert suggested[0] == library["install_title"]
    assert set(suggested) <= set(library.values())


def test_retired_answers_are_not_found(library, publish, officer):
    publish(
        author=officer.user,
        kind="retire",
        article=Article.objects.get(pk=library["refund"]),
    )

    assert library["refund"] not in _search("退款")

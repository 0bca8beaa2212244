"""Search results mark the query's words in escaped text, in English and in Chinese."""

from knowledge.highlight import highlight, snippet


def test_latin_words_match_at_the_start_of_a_word_whatever_the_case():
    assert highlight("Installation and reinstall", "instal") == (
        "<mark>Instal</mark>lation and reinstall"
    )


def test_chinese_runs_match_as_substrings():
    assert highlight("预约空调安装", "空调") == "预约<mark>空调</mark>安装"


def test_markup_in_the_text_and_the_query_is_escaped():
    marked = highlight("<script>alert(1)</script> fan", "<script> fan")

    assert "<script>" not in marked
    assert (
        marked == "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; <mark>fan</mark>"
    )


def test_the_snippet_is_the_text_around_the_first_match_without_tags():
    body = "<p>" + "前言" * 60 + "空调安装需要预约 &lt;b&gt;</p>"

    cut = snippet(body, "预约")

    assert cut.startswith("… ")
    assert "<mark>预约</mark> &lt;b&gt;" in cut
    assert "<p>" not in cut


def test_no_words_in_the_query_marks_nothing():
    assert highlight("a <b> c", "!!") == "a &lt;b&gt; c"

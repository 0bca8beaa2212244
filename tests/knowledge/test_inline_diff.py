"""The review page's side-by-side diff: English word by word, Chinese character by character."""

from knowledge.diff import diff_tokens, inline_diff


def test_english_is_cut_into_words_spaces_and_punctuation():
    assert diff_tokens("Call back, today.") == ["Call", " ", "back", ",", " ", "today", "."]


def test_chinese_is_cut_into_characters_beside_english_words():
    assert diff_tokens("空调 AC安装") == ["空", "调", " ", "AC", "安", "装"]


def test_english_changes_are_whole_words():
    old, new = inline_diff("Install the fan today.", "Install the new fan tomorrow.")

    assert old == [("equal", "Install the fan "), ("delete", "today"), ("equal", ".")]
    assert new == [
        ("equal", "Install the "),
        ("insert", "new "),
        ("equal", "fan "),
        ("insert", "tomorrow"),
        ("equal", "."),
    ]


def test_chinese_shows_the_removed_and_the_added_phrase():
    old, new = inline_diff("空调安装需要预约", "空调安装无需预约，当天上门")

    assert ("delete", "要") in old
    assert ("insert", "，当天上门") in new
    assert "".join(text for _op, text in old) == "空调安装需要预约"
    assert "".join(text for _op, text in new) == "空调安装无需预约，当天上门"


def test_a_new_answer_is_all_added():
    old, new = inline_diff("", "Call the customer back.")

    assert old == []
    assert new == [("insert", "Call the customer back.")]


def test_equal_texts_have_no_changes():
    old, new = inline_diff("同样 the same", "同样 the same")

    assert old == new == [("equal", "同样 the same")]

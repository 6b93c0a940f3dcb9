import dataclasses

import pytest

from intake.sms.text import Reply, parse_reply


@pytest.mark.parametrize(
    "body, score",
    [
        ("1", 1),
        ("5", 5),
        ("5.", 5),
        (" 5 ", 5),
        ("\n3\n", 3),
        ("５", 5),  # full-width digit
        (" ５ ", 5),
        ("４。", 4),  # with a Chinese full stop
        ("5分", 5),  # "5 points"
        ("5 分", 5),
        ("五分", 5),
        ("5星", 5),
        ("一", 1),
        ("二", 2),
        ("三", 3),
        ("四", 4),
        ("五", 5),
        ("壹", 1),
        ("贰", 2),
        ("叁", 3),
        ("肆", 4),
        ("伍", 5),
        ("!2!", 2),
    ],
)
def test_a_reply_of_one_to_five_is_a_rating(body, score):
    assert parse_reply(body) == Reply("rating", score)


@pytest.mark.parametrize(
    "body",
    [
        "0",
        "6",
        "12",
        "4.5",
        "5 but the teller was rude",
        "五星好评，谢谢",
        "六",
        "分",
        "",
        "   ",
        "Thanks!",
    ],
)
def test_anything_else_is_text_for_a_handler(body):
    assert parse_reply(body) == Reply("text")


@pytest.mark.parametrize(
    "body",
    ["STOP", "stop", " Stop ", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT",
     "退订", "TD", "td", "ＳＴＯＰ", "stop."],
)
def test_stop_keywords_opt_out(body):
    assert parse_reply(body) == Reply("opt_out")


@pytest.mark.parametrize("body", ["START", "start", "UNSTOP", "Yes"])
def test_start_keywords_opt_back_in(body):
    assert parse_reply(body) == Reply("opt_in")


@pytest.mark.parametrize("body", ["HELP", "help", "INFO", "帮助"])
def test_help_keywords_ask_for_help(body):
    assert parse_reply(body) == Reply("help")


def test_a_keyword_inside_a_sentence_is_only_text():
    assert parse_reply("please stop sending me these") == Reply("text")
    assert parse_reply("yes the service was good") == Reply("text")


def test_only_a_rating_carries_a_score():
    assert parse_reply("STOP").score is None
    assert parse_reply("5 stars but slow").score is None


def test_a_reply_cannot_be_changed_once_parsed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_reply("5").score = 1

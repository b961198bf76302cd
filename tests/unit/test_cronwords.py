"""Cron expressions in words (podium.patterns.cronwords)."""

import pytest

from podium.patterns import cronwords


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("* * * * *", "every minute"),
        ("*/5 * * * *", "every 5 minutes"),
        ("0 * * * *", "every hour, on the hour"),
        ("15 */2 * * *", "every 2 hours, at minute 15"),
        ("0 9 * * 1-5", "at 09:00 UTC on weekdays"),
        ("0 9 * * MON-FRI", "at 09:00 UTC on weekdays"),
        ("30 8 * * mon", "at 08:30 UTC on Monday"),
        ("0 0 * * 0,6", "at 00:00 UTC on weekends"),
        ("0 0 * * 6,7", "at 00:00 UTC on weekends"),
        ("0 0 1 * *", "at 00:00 UTC on day 1 of every month"),
        ("0 0 1 1 *", "at 00:00 UTC on 1 January"),
        ("0 12 * 1,7 *", "at 12:00 UTC in January and July"),
        ("0 9,17 * * *", "at 09:00 and 17:00 UTC every day"),
        ("5 4 * * 0-6", "at 04:05 UTC every day"),
        ("*/15 9-17 * * 1-5", "every 15 minutes from 09:00 to 17:59 UTC on weekdays"),
        ("0 9-17 * * *", "every hour from 09:00 to 17:00 UTC"),
        ("0,30 * * * *", "at minutes 0 and 30 of every hour"),
        ("@daily", "at 00:00 UTC every day"),
        ("@hourly", "every hour, on the hour"),
        ("0 9 * * * 0", "at 09:00 UTC every day"),
    ],
)
def test_common_shapes_read_as_sentences(cron: str, words: str):
    assert cronwords.describe(cron) == words


def test_the_timezone_is_named_with_the_time():
    assert cronwords.describe("0 0 1 1 *", "Europe/Paris") == "at 00:00 Europe/Paris on 1 January"


def test_a_sixth_field_is_read_as_seconds_and_says_so():
    words = cronwords.describe("*/5 * * * * *")
    assert words == "every second of minutes 0, 5, 10, … (the sixth field is seconds)"
    assert cronwords.describe("* * * * * 30") == "at second 30 of every minute"


@pytest.mark.parametrize(
    "cron",
    ["0 0 1 * 1", "0 0 */2 * *", "bad", "1 2 3", "70 * * * *", "0 25 * * *", "* 9 * * * *"],
)
def test_shapes_it_cannot_phrase_fall_back_to_the_expression(cron: str):
    assert cronwords.describe(cron) == f"cron `{cron}`"


def test_podium_schedules_lists_each_cron_in_words(tmp_path, capsys, monkeypatch):
    import podium
    from podium.cli import main

    monkeypatch.setenv("COLUMNS", "200")
    url = f"sqlite:///{tmp_path / 'cron.db'}"
    with podium.App("crons", database_url=url) as app:

        @app.workflow(schedule="0 9 * * 1-5")
        def standup() -> None: ...

        @app.workflow(schedule="*/5 * * * * *")
        def chatty() -> None: ...

        app.schedules()  # the store holds them once the app opened it
    assert main(["schedules", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert "at 09:00 UTC on weekdays" in out
    assert "every second of minutes 0, 5, 10" in out and "sixth field is seconds" in out

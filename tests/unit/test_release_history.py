import pytest

from webhookstack.release import history


def test_promote_then_rollback_returns_to_the_previous_version():
    record = history.after_promote(history.AliasRecord(), "3", "alice@laptop")
    record = history.after_promote(record, "4", "bob@laptop")
    assert record.previous == ("3", "4") and record.by == "bob@laptop"
    back, record = history.after_rollback(history.parse(record.describe()), "carol")
    assert back == "4" and record.previous == ("3",) and record.action == "rollback"


def test_rollback_without_history_is_refused():
    with pytest.raises(LookupError):
        history.after_rollback(history.AliasRecord(), "x")


@pytest.mark.parametrize("description", [None, "", "hand-written note", "[1, 2]", '{"prev": "x"}'])
def test_foreign_descriptions_read_as_an_empty_history(description):
    assert history.parse(description).previous in ((), ("x",))


def test_description_fits_lambdas_256_characters_keeping_the_newest():
    record = history.AliasRecord("promote", "someone-with-a-long-name@" + "h" * 60, history.now(),
                                 tuple(str(v) for v in range(1000, 1010)))
    text = record.describe()
    assert len(text) <= history.MAX_DESCRIPTION
    assert history.parse(text).previous[-1] == "1009"

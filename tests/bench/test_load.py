"""The load test's bookkeeping: what counts as lost, duplicated and unacknowledged."""

from bench.load import _check, _shared_duplicates


def test_every_acknowledged_record_found_once_is_neither_lost_nor_duplicated():
    check = _check("incident", ["a", "b"], ["b", "a"])

    assert (check.lost, check.duplicated, check.unacknowledged) == (0, 0, 0)


def test_an_acknowledged_record_missing_is_lost():
    check = _check("incident", ["a", "b"], ["a"])

    assert (check.lost, check.duplicated, check.unacknowledged) == (1, 0, 0)


def test_a_record_twice_is_a_duplicate():
    check = _check("webhook delivery", ["a", "b"], ["a", "b", "b"])

    assert (check.lost, check.duplicated, check.unacknowledged) == (0, 1, 0)


def test_a_record_whose_request_failed_is_unacknowledged():
    check = _check("timeline note", ["a"], ["a", "c"])

    assert (check.lost, check.duplicated, check.unacknowledged) == (0, 0, 1)


def test_a_shared_delivery_processed_by_two_clients_is_a_duplicate():
    answers = [(1, "processed"), (1, "duplicate"), (2, "processed"), (2, "processed")]

    assert _shared_duplicates(answers) == 1

"""SQLite writers of one process take turns on a lock (reflectie/sqlite/base.py)."""

import threading

import pytest
from django.db import connection, connections, transaction

from reflectie.sqlite import base

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only"),
]


@pytest.fixture
def probe_table():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS writer_probe (n INTEGER)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE writer_probe")


def insert(n: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO writer_probe (n) VALUES (%s)", [n])


def count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM writer_probe")
        return cursor.fetchone()[0]


def test_the_lock_is_held_for_a_write_transaction_and_let_go_at_commit(probe_table):
    with transaction.atomic():
        assert base._writer.locked()
        insert(1)  # a savepoint inside: no second acquire
    assert not base._writer.locked()
    assert count() == 1


def test_a_rolled_back_transaction_lets_go_of_the_lock(probe_table):
    with pytest.raises(RuntimeError), transaction.atomic():
        insert(1)
        raise RuntimeError("refused half-way")
    assert not base._writer.locked()
    assert count() == 0


def test_threads_writing_at_once_all_succeed(probe_table):
    errors = []

    def writer(offset: int) -> None:
        try:
            for n in range(40):
                insert(offset + n)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i * 1000,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert count() == 160
    assert not base._writer.locked()


def test_a_writer_waits_for_the_one_before_it_instead_of_failing(probe_table):
    inside = threading.Event()
    done = []

    def second() -> None:
        inside.wait(5)
        try:
            insert(2)
            done.append(count())
        finally:
            connections.close_all()

    thread = threading.Thread(target=second)
    thread.start()
    with transaction.atomic():
        insert(1)
        inside.set()
        thread.join(0.3)
        assert thread.is_alive()  # waiting for the lock, not failing
    thread.join(5)
    assert done == [2]

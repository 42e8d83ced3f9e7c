"""Sessions on the SQLite store: pooled connections, WAL, errors as StoreUnavailable."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text
from sqlalchemy.pool import QueuePool

from bot.store.session import StoreUnavailable, get_engine, session_scope


def test_sessions_on_a_sqlite_file_share_one_pooled_connection(tmp_path):
    url = f"sqlite:///{tmp_path / 'pool.db'}"
    engine = get_engine(url)
    connects = []
    event.listen(engine, "connect", lambda *_: connects.append(1))

    for _ in range(5):
        with session_scope(url) as session:
            session.execute(text("SELECT 1"))

    assert isinstance(engine.pool, QueuePool)
    assert len(connects) == 1
    engine.dispose()


def test_pooled_sqlite_connections_use_wal_and_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'wal.db'}"
    with session_scope(url) as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    get_engine(url).dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_keeps_sqlalchemys_own_pool(url):
    assert not isinstance(get_engine(url).pool, QueuePool)


def test_a_database_error_becomes_store_unavailable(tmp_path):
    url = f"sqlite:///{tmp_path / 'err.db'}"
    with pytest.raises(StoreUnavailable):
        with session_scope(url) as session:
            session.execute(text("SELECT * FROM no_such_table"))
    get_engine(url).dispose()


def test_network_databases_test_connections_before_use_and_sqlite_files_pool():
    from bot.store.session import _pool_args

    assert _pool_args("postgresql://clinic@db/clinic") == {"pool_pre_ping": True}
    assert _pool_args("sqlite:////var/clinic.db") == {"poolclass": QueuePool}

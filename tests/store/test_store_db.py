"""ExperimentStore: what goes in comes out, ids are never reused, controls round-trip."""

from __future__ import annotations

import os
import sqlite3

import pytest

from archsearch.jobs.spec import JobResult, Stage, Status
from archsearch.store import SCHEMA_VERSION, ExperimentStore, RunStatus, StoreError


@pytest.fixture
def store(tmp_path):
    with ExperimentStore(tmp_path / "experiment.db") as s:
        yield s


def ok_result(job_id: int, top1: float = 0.9, curve: list | None = None) -> JobResult:
    return JobResult(
        job_id=job_id,
        status=Status.SUCCEEDED,
        metrics={"val_top1": top1, "val_loss": 0.3},
        madd=1.5e6,
        params=1234,
        weights_path=f"w/{job_id}.pt",
        curve=curve or [],
    )


def test_new_store_has_schema_version_and_empty_status(store):
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert store.get_meta("status") == RunStatus.EMPTY.value
    assert float(store.get_meta("created_at")) > 0
    assert store.get_meta("missing", "dflt") == "dflt"


def test_spec_and_result_round_trip(store, make_spec):
    spec = make_spec(store.next_job_id(), stage=Stage.POST_TRAIN, parent_id=None, top_k=3)
    store.record_submitted(spec, strategy_state={"round": 1})
    assert store.specs() == [spec]
    assert store.unfinished_specs() == [spec]
    result = ok_result(spec.job_id, curve=[{"epoch": 0, "val_top1": 0.5}, {"val_top1": 0.7}])
    result.model_desc = spec.model_desc
    store.record_result(result, strategy_state={"round": 2})
    assert store.results() == [result]
    assert store.unfinished_specs() == []
    assert store.load_strategy_state() == {"round": 2}
    (row,) = store.jobs()
    assert row["status"] == "succeeded" and row["stage"] == "post_train"
    assert row["madd"] == 1.5e6 and row["params"] == 1234 and row["val_top1"] == 0.9
    assert row["error_rate"] == pytest.approx(0.1) and row["finished_at"] >= row["submitted_at"]
    # The curve lands in the metrics table; a point without "epoch" uses its position.
    assert store.job_metrics(spec.job_id) == [
        {"epoch": 0, "val_top1": 0.5},
        {"epoch": 1, "val_top1": 0.7},
    ]


def test_failed_result_keeps_error_text(store, make_spec):
    store.record_submitted(make_spec(1))
    store.record_result(JobResult.failed(1, "Traceback...\nValueError: boom"))
    (row,) = store.jobs(status="failed")
    assert row["error"].endswith("ValueError: boom") and row["val_top1"] is None
    (event,) = [e for e in store.events() if e["kind"] == "result"]
    assert event["payload"]["error"] == "ValueError: boom"


def test_job_ids_are_monotone_and_never_reused_after_reopen(tmp_path, make_spec):
    path = tmp_path / "experiment.db"
    with ExperimentStore(path) as s:
        ids = [s.next_job_id() for _ in range(3)]
        s.record_submitted(make_spec(ids[0]))  # ids 2 and 3 handed out, never recorded
    with ExperimentStore(path) as s:
        assert s.next_job_id() == 4
    assert ids == [1, 2, 3]


def test_next_job_id_skips_past_recorded_ids(store, make_spec):
    store.record_submitted(make_spec(41))  # an id the counter never handed out
    assert store.next_job_id() == 42


def test_unfinished_specs_after_a_simulated_crash(tmp_path, make_spec):
    path = tmp_path / "experiment.db"
    s = ExperimentStore(path)
    for job_id in (1, 2, 3, 4):
        s.record_submitted(make_spec(job_id))
    s.record_result(ok_result(1))
    s.record_result(JobResult.failed(2, "boom"))
    s.record_interrupted([3])
    del s  # no close(): the process "dies" here
    with ExperimentStore(path) as s:
        assert [spec.job_id for spec in s.unfinished_specs()] == [3, 4]
        assert [r.job_id for r in s.results()] == [1, 2]
        assert s.counts_by_stage_status() == {
            "seed_train": {"succeeded": 1, "failed": 1, "interrupted": 1, "submitted": 1}
        }


def test_resubmission_counts_attempts_and_finished_jobs_are_final(store, make_spec):
    spec = make_spec(1)
    store.record_submitted(spec)
    store.record_interrupted([1])
    store.record_submitted(spec)  # resume
    (row,) = store.jobs()
    assert row["status"] == "submitted" and row["attempts"] == 2
    store.record_result(ok_result(1))
    with pytest.raises(StoreError, match="already succeeded"):
        store.record_submitted(spec)


def test_interrupted_result_is_no_result(store, make_spec):
    store.record_submitted(make_spec(1))
    store.record_result(JobResult(job_id=1, status=Status.INTERRUPTED))
    assert store.results() == [] and [s.job_id for s in store.unfinished_specs()] == [1]


def test_result_of_unknown_job_is_an_error(store):
    with pytest.raises(StoreError, match="never submitted"):
        store.record_result(ok_result(7))


def test_a_failed_write_leaves_nothing_behind(store, make_spec):
    store.record_submitted(make_spec(1))
    with pytest.raises(TypeError):  # a state that is not JSON: the whole event is refused
        store.record_result(ok_result(1), strategy_state={"x": object()})
    assert store.results() == [] and store.load_strategy_state() is None


def test_started_metrics_and_filters(store, make_spec):
    store.record_submitted(make_spec(1))
    store.record_submitted(make_spec(2, stage=Stage.SEARCH, parent_id=1))
    store.record_started(2)
    store.record_metric(2, 0, {"train_loss": 1.5, "val_top1": 0.2})
    store.record_metric(2, 0, {"train_loss": 1.25})  # a repeated report replaces, not doubles
    assert store.job_metrics(2) == [{"epoch": 0, "train_loss": 1.25, "val_top1": 0.2}]
    (row,) = store.jobs(stage=Stage.SEARCH)
    assert row["job_id"] == 2 and row["parent_id"] == 1 and row["started_at"] is not None
    assert [r["job_id"] for r in store.jobs(status="submitted")] == [1, 2]


def test_hull_snapshots_only_on_change(store):
    points = [{"job_id": 1, "madd": 1e6, "error": 0.2}]
    assert store.latest_hull() is None
    assert store.record_hull(points) == 1
    assert store.record_hull(list(points)) is None
    assert store.record_hull([*points, {"job_id": 2, "madd": 2e6, "error": 0.1}]) == 2
    version, latest = store.latest_hull()
    assert version == 2 and len(latest) == 2


def test_meta_and_status_events(store):
    store.set_meta("status", RunStatus.RUNNING)
    store.set_meta("elapsed_s", 12.5)
    assert store.get_meta("status") == "RUNNING" and store.get_meta("elapsed_s") == "12.5"
    assert [e["payload"] for e in store.events() if e["kind"] == "meta"] == [{"status": "RUNNING"}]


def test_control_requests_round_trip(tmp_path):
    path = tmp_path / "experiment.db"
    driver = ExperimentStore(path)
    with ExperimentStore(path, create=False) as cli:  # another "process"
        first = cli.post_control("update", {"max_jobs": 200})
        second = cli.post_control("kill", {"job_id": 3})
    pending = driver.pending_controls()
    assert [(c.id, c.kind, c.payload) for c in pending] == [
        (first, "update", {"max_jobs": 200}),
        (second, "kill", {"job_id": 3}),
    ]
    driver.mark_control_applied(first)
    assert [c.id for c in driver.pending_controls()] == [second]
    assert any(e["kind"] == "control" for e in driver.events())
    driver.close()


def test_open_missing_store_without_create(tmp_path):
    with pytest.raises(StoreError, match="no experiment store"):
        ExperimentStore(tmp_path / "nope" / "experiment.db", create=False)


def test_refuses_other_schema_version(tmp_path):
    path = tmp_path / "experiment.db"
    ExperimentStore(path).close()
    with sqlite3.connect(path) as c:
        c.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 999"):
        ExperimentStore(path)


def test_another_schema_version_is_refused_unaltered(tmp_path):
    path = tmp_path / "experiment.db"
    other = SCHEMA_VERSION + 1
    with sqlite3.connect(path) as c:  # a store of a future version: other tables
        c.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        c.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(other),))
        c.execute("CREATE TABLE jobs (id INTEGER)")
    before = path.read_bytes()
    expected = f"experiment.db has schema version {other}; .* reads version {SCHEMA_VERSION}"
    for create in (False, True):
        with pytest.raises(StoreError, match=expected):
            ExperimentStore(path, create=create)
    assert path.read_bytes() == before


def test_a_foreign_or_empty_database_is_not_a_store(tmp_path):
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as c:
        c.execute("CREATE TABLE songs (title TEXT)")
    for create in (False, True):
        with pytest.raises(StoreError, match="foreign.db: not an archsearch experiment store"):
            ExperimentStore(foreign, create=create)
    with sqlite3.connect(foreign) as c:  # nothing was added to it
        assert [r[0] for r in c.execute("SELECT name FROM sqlite_master")] == ["songs"]
    empty = tmp_path / "empty.db"  # stores are created whole: an empty file is not one
    empty.write_bytes(b"")
    for create in (False, True):
        with pytest.raises(StoreError, match="empty.db: not an archsearch experiment store"):
            ExperimentStore(empty, create=create)
    assert empty.read_bytes() == b""


@pytest.mark.parametrize("step", ["executescript", "executemany", "close"])
def test_an_interrupted_creation_leaves_no_store_and_no_files(tmp_path, monkeypatch, step):
    """Ctrl-C or SIGTERM while a store is made: no part-made experiment.db that resume would
    refuse and run would not replace; the next creation makes it whole."""
    real_connect = sqlite3.connect

    class Interrupted(sqlite3.Connection):
        def __getattribute__(self, name):
            if name == step:
                raise KeyboardInterrupt
            return super().__getattribute__(name)

    monkeypatch.setattr(
        sqlite3, "connect", lambda *a, **k: real_connect(*a, **k, factory=Interrupted)
    )
    path = tmp_path / "run" / "experiment.db"
    with pytest.raises(KeyboardInterrupt):
        ExperimentStore(path, new_meta={"status": "INITIALIZED"})
    assert list(path.parent.iterdir()) == []
    monkeypatch.undo()
    with ExperimentStore(path, new_meta={"name": "r", "status": "INITIALIZED"}) as s:
        assert (s.get_meta("name"), s.get_meta("status")) == ("r", "INITIALIZED")
        assert [e["payload"] for e in s.events()] == [{"status": "INITIALIZED"}]
    assert [p.name for p in path.parent.iterdir()] == ["experiment.db"]  # closed: no WAL


def test_a_store_made_meanwhile_by_another_process_is_not_replaced(tmp_path, monkeypatch):
    path = tmp_path / "experiment.db"
    real_link = os.link

    def other_process_first(src, dst):
        monkeypatch.undo()
        with ExperimentStore(path, new_meta={"name": "theirs"}):
            pass
        real_link(src, dst)

    monkeypatch.setattr(os, "link", other_process_first)
    with pytest.raises(StoreError, match="experiment.db was created by another process"):
        ExperimentStore(path, new_meta={"name": "ours"})
    with ExperimentStore(path, create=False) as s:
        assert s.get_meta("name") == "theirs"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".new")]


@pytest.mark.parametrize(
    "damage, cause",
    [
        (lambda b: b"this is not SQLite" * 100, "file is not a database"),
        (lambda b: b[: len(b) // 2], "malformed"),
        (lambda b: b[:100] + bytes(len(b) - 100), "malformed|not a database"),
    ],
)
def test_a_corrupt_store_is_one_named_error(tmp_path, make_spec, damage, cause):
    path = tmp_path / "experiment.db"
    with ExperimentStore(path) as s:  # a few pages of jobs; closing checkpoints the WAL
        for job_id in range(1, 30):
            s.record_submitted(make_spec(job_id))
    path.write_bytes(damage(path.read_bytes()))
    for create in (False, True):
        with pytest.raises(StoreError, match="experiment.db: cannot open the experiment store"):
            ExperimentStore(path, create=create)
    with pytest.raises(StoreError, match=cause):
        ExperimentStore(path)


def test_file_is_wal_and_queryable_with_plain_sqlite(store, make_spec):
    store.record_submitted(make_spec(1))
    store.record_result(ok_result(1, top1=0.75))
    with sqlite3.connect(store.path) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert c.execute("SELECT job_id, val_top1 FROM jobs").fetchall() == [(1, 0.75)]


def test_full_store_is_one_store_error_naming_the_file_and_keeps_what_was_committed(
    store, make_spec
):
    """SQLite rolls a transaction back by itself on SQLITE_FULL; the store's own ROLLBACK must
    not then fail and hide it (it did: "cannot rollback - no transaction is active")."""
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # a disk with 8 KiB left
    recorded = []
    with pytest.raises(StoreError, match="database or disk is full") as raised:
        for _ in range(100):
            spec = make_spec(store.next_job_id())
            store.record_submitted(spec, strategy_state={"big": "x" * 3000})
            recorded.append(spec.job_id)
    assert str(store.path) in str(raised.value)
    assert recorded and [j["job_id"] for j in store.jobs()] == recorded  # nothing half-written
    store.set_meta("status", "FAILED")  # the connection still works for what fits
    assert store.get_meta("status") == "FAILED"

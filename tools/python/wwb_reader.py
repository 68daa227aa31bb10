"""Read a Wasserstein Workbench database (SQLite) into Python.

Standard library only (sqlite3); with pandas installed the loaders return DataFrames, without it lists of
dicts. The database is opened read-only, so the app or `wwb` may keep writing to it.

    from wwb_reader import Workbench
    wb = Workbench("workbench.sqlite")
    wb.experiments()            # id, name, notes (markdown), mdp_id, created_at, is_default, uid, runs
    wb.runs(experiment="sweep") # one row per run: experiment, method, mdp, seed, status, options as columns
                                # opt_<key>, label, tags (list), notes, init (dict), app_version,
                                # config_hash, uid, final J / gap, Jstar
    wb.traces([1, 2])           # every stored row: run_id, iteration, J, Jplain, gap, tv, ... (full resolution)
    wb.snapshots(1)             # the run's stored policies: iteration, S, N, policy (S * N floats, row-major)
    wb.mdps()                   # id, name, states, actions, action_kind, preset, content_hash, document (dict)

Schema (see migrations/*.sql; docs/experiments.md has the table):
  mdps(id, name, document JSON, states, actions, action_kind, preset, created_at, updated_at, content_hash)
  experiments(id, name, notes, mdp_id, created_at, is_default, uid)      -- is_default: the MDP's default
  runs(id, experiment_id, mdp_id, method, label, options JSON, backend, backend_segments JSON, seed,
       max_iterations, status, iterations, last_iteration, error, diagnostics JSON, final JSON, created_at,
       started_at, finished_at, wall_ms, owner, heartbeat_at, lease_expires_at, lease_lapsed, tags JSON,
       notes, app_version, config_hash, uid, init JSON, init_policy BLOB)
  trace_points(run_id, iteration, J, Jplain, gap, tv, entropy, transport_cost, kl, trust_slack,
       trust_violated, lambda, eval_residual, policy_change, t, wall_ms, samples, estimator_bias,
       estimator_rms, sampled_move_cost, exact_move_cost, sampled_violation, exact_violation)
  policy_snapshots(run_id, iteration, S, N, policy BLOB: S * N float64 little-endian, row-major)
Row 0 of a trace is the initial policy, so a run of N updates has N + 1 rows. Non-finite values are stored
as NULL (None / NaN here), except an infinite KL (inf). Columns of later schema versions appear when the
database has them (the reader adapts to PRAGMA table_info).

Command line: python3 wwb_reader.py DB [--experiment NAME] prints a JSON summary (counts per run).
"""
from __future__ import annotations

import json
import sqlite3
import struct
import sys
from typing import Any, Iterable

try:  # pandas is optional
    import pandas as _pd  # type: ignore
except ImportError:  # pragma: no cover - exercised only without pandas
    _pd = None

__all__ = ["Workbench", "HAVE_PANDAS"]
HAVE_PANDAS = _pd is not None


def _frame(rows: list[dict[str, Any]], columns: list[str] | None = None):
    if _pd is None:
        return rows
    return _pd.DataFrame(rows, columns=columns) if columns is not None and not rows else _pd.DataFrame(rows)


class Workbench:
    """A read-only view of one workbench database."""

    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.db.row_factory = sqlite3.Row
        self.schema_version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if self.schema_version < 1:
            raise ValueError(f"{path} is not a workbench database (user_version 0)")
        self._run_columns = {r["name"] for r in self.db.execute("PRAGMA table_info(runs)")}
        self._trace_columns = [r["name"] for r in self.db.execute("PRAGMA table_info(trace_points)")]

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def experiments(self):
        have = {r["name"] for r in self.db.execute("PRAGMA table_info(experiments)")}
        extra = [c for c in ("is_default", "uid") if c in have]
        cols = ["id", "name", "notes", "mdp_id", "created_at", *extra]
        rows = self.db.execute(
            f"SELECT {', '.join('e.' + c for c in cols)},"
            " (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS runs FROM experiments e ORDER BY e.id"
        ).fetchall()
        out = [dict(r) for r in rows]
        for d in out:
            if "is_default" in d:
                d["is_default"] = bool(d["is_default"])
        return _frame(out, [*cols, "runs"])

    def mdps(self):
        """Every stored MDP with its document parsed (a dict in the workbench MDP format)."""
        rows = self.db.execute("SELECT * FROM mdps ORDER BY id").fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["document"] = json.loads(d["document"])
            out.append(d)
        return _frame(out)

    def snapshots(self, run_id: int):
        """The run's stored policies: iteration, S, N and policy (S * N floats, row-major)."""
        out = []
        for r in self.db.execute("SELECT iteration, S, N, policy FROM policy_snapshots WHERE run_id = ? ORDER BY iteration", (int(run_id),)):
            n = r["S"] * r["N"]
            out.append({"run_id": int(run_id), "iteration": r["iteration"], "S": r["S"], "N": r["N"], "policy": list(struct.unpack(f"<{n}d", r["policy"]))})
        return _frame(out, ["run_id", "iteration", "S", "N", "policy"])

    def _experiment_id(self, name: str) -> int:
        row = self.db.execute("SELECT id FROM experiments WHERE name = ? ORDER BY id LIMIT 1", (name,)).fetchone()
        if row is None:
            raise KeyError(f"no experiment named {name!r} in {self.path}")
        return row["id"]

    def runs(self, experiment: str | None = None):
        where, params = "", ()
        if experiment is not None:
            where, params = " WHERE r.experiment_id = ?", (self._experiment_id(experiment),)
        rows = self.db.execute(
            "SELECT r.*, m.name AS mdp, e.name AS experiment FROM runs r JOIN mdps m ON m.id = r.mdp_id"
            f" LEFT JOIN experiments e ON e.id = r.experiment_id{where} ORDER BY r.id",
            params,
        ).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            options = json.loads(d.pop("options") or "{}")
            diagnostics = json.loads(d.pop("diagnostics") or "{}")
            final = json.loads(d.pop("final") or "null") or {}
            d["tags"] = json.loads(d["tags"]) if "tags" in d and d["tags"] else []
            if "init" in d:
                d["init"] = json.loads(d["init"]) if d["init"] else None
            for key in ("owner", "heartbeat_at", "lease_expires_at", "lease_lapsed", "backend_segments", "last_iteration", "init_policy"):
                d.pop(key, None)
            for k, v in options.items():
                d[f"opt_{k}"] = float("nan") if v == "NaN" else v
            d["final_J"] = final.get("J")
            d["final_gap"] = final.get("gap")
            d["Jstar"] = diagnostics.get("Jstar")
            d["stop_reason"] = diagnostics.get("stopReason")
            d["diagnostics"] = diagnostics
            out.append(d)
        return _frame(out)

    def traces(self, run_ids: Iterable[int] | None = None, experiment: str | None = None):
        """Every stored trace row of the given runs (all runs, or an experiment's), ordered by run and iteration."""
        cols = ", ".join(f'"{c}"' for c in self._trace_columns)
        if run_ids is None:
            if experiment is not None:
                run_ids = [r[0] for r in self.db.execute("SELECT id FROM runs WHERE experiment_id = ? ORDER BY id", (self._experiment_id(experiment),))]
            else:
                run_ids = [r[0] for r in self.db.execute("SELECT id FROM runs ORDER BY id")]
        rows: list[dict[str, Any]] = []
        for run_id in run_ids:
            for r in self.db.execute(f"SELECT {cols} FROM trace_points WHERE run_id = ? ORDER BY iteration", (int(run_id),)):
                rows.append(dict(r))
        return _frame(rows, self._trace_columns)


def _main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    path, experiment = argv[0], None
    if len(argv) >= 3 and argv[1] == "--experiment":
        experiment = argv[2]
    with Workbench(path) as wb:
        runs = wb.runs(experiment)
        traces = wb.traces(experiment=experiment) if experiment is not None else wb.traces()
        if HAVE_PANDAS:
            per_run = traces.groupby("run_id").size().to_dict() if len(traces) else {}
            summary = {
                "pandas": True,
                "schema_version": wb.schema_version,
                "experiments": wb.experiments()["name"].tolist(),
                "runs": [int(i) for i in runs["id"]],
                "methods": sorted(set(runs["method"])),
                "rows_per_run": {str(int(k)): int(v) for k, v in per_run.items()},
                "final_J": {str(int(i)): (None if j is None else float(j)) for i, j in zip(runs["id"], runs["final_J"])},
            }
        else:
            per_run: dict[str, int] = {}
            for t in traces:
                per_run[str(t["run_id"])] = per_run.get(str(t["run_id"]), 0) + 1
            summary = {
                "pandas": False,
                "schema_version": wb.schema_version,
                "experiments": [e["name"] for e in wb.experiments()],
                "runs": [r["id"] for r in runs],
                "methods": sorted({r["method"] for r in runs}),
                "rows_per_run": per_run,
                "final_J": {str(r["id"]): r["final_J"] for r in runs},
            }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

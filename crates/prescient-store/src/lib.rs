//! The history database (SQLite, embedded): node profiles from calibration, and
//! every evaluated or executed run with its prediction and what was measured.
//! Prediction learns from it (exact reuse for code seen before, corrections per
//! pattern, size bucket and node).
//!
//! The schema is versioned (`meta.schema_version`); opening a database written by
//! a newer Prescient is refused rather than guessed at.
//!
//! [`queue`] is the server's own database: users and the durable job queue.

pub mod queue;

use prescient_model::NodeProfile;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// 2 added `section_runs` (per-section telemetry of `prescient run`).
pub const SCHEMA_VERSION: i64 = 3;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("history database {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("history database {path} has schema version {found}, newer than this Prescient understands ({SCHEMA_VERSION}); upgrade Prescient or point PRESCIENT_HOME elsewhere")]
    TooNew { path: String, found: i64 },
    #[error("history database {path}: stored data is not valid: {reason}")]
    Corrupt { path: String, reason: String },
}

/// Demand measured or predicted for a whole program.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Demand {
    pub wall_seconds: f64,
    pub cpu_seconds: f64,
    pub peak_memory_bytes: f64,
}

/// One run of one program with one argument list on one node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub program_hash: String,
    pub file: String,
    pub args: Vec<String>,
    pub node: String,
    /// What was predicted before the run, with no history.
    pub predicted: Demand,
    pub actual: Demand,
    /// Per-pattern predicted seconds, for learning corrections by pattern.
    pub kernel_seconds: Vec<(String, f64)>,
    pub created: f64,
    /// Fingerprint of the model that made `predicted` (empty for runs stored
    /// before it was kept): corrections learn only from the current model.
    pub model: String,
}

/// Telemetry of one section of one `prescient run`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectionRun {
    pub section: usize,
    pub start_line: u32,
    pub end_line: u32,
    /// The cluster node it ran on.
    pub node_name: String,
    pub predicted: Demand,
    pub actual: Demand,
}

pub struct Store {
    conn: Connection,
    path: String,
}

/// Opens (creating if need be) a database with a `meta` table and `schema`,
/// brings an older one up with `migrate` (tables missing from it were just
/// created), and refuses one newer than `version`. Returns the connection
/// and the path as text for errors.
pub(crate) fn open_versioned(
    path: &Path,
    schema: &str,
    version: i64,
    migrate: impl Fn(&Connection) -> rusqlite::Result<()>,
) -> Result<(Connection, String), StoreError> {
    let p = path.display().to_string();
    let err = |source| StoreError::Sqlite {
        path: p.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // Only its owner reads it: jobs' workers run as other users, and the
    // history and the queue (its tokens' hashes, every job's source) are not
    // theirs to read. SQLite gives its journal files the database's mode.
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let _ = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path);
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    let conn = Connection::open(path).map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(err)?;
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL;
         CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         {schema}"
    ))
    .map_err(err)?;
    migrate(&conn).map_err(err)?;
    let found: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(err)?;
    match found.and_then(|v| v.parse::<i64>().ok()) {
        Some(v) if v > version => return Err(StoreError::TooNew { path: p, found: v }),
        Some(v) if v == version => {}
        _ => {
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
                params![version.to_string()],
            )
            .map_err(err)?;
        }
    }
    Ok((conn, p))
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let (conn, path) = open_versioned(
            path,
            "CREATE TABLE IF NOT EXISTS nodes (
                 fingerprint TEXT PRIMARY KEY,
                 profile TEXT NOT NULL,
                 quick INTEGER NOT NULL,
                 measured_at REAL NOT NULL);
             CREATE TABLE IF NOT EXISTS runs (
                 id INTEGER PRIMARY KEY,
                 program_hash TEXT NOT NULL,
                 file TEXT NOT NULL,
                 args TEXT NOT NULL,
                 node TEXT NOT NULL,
                 predicted TEXT NOT NULL,
                 actual TEXT NOT NULL,
                 kernels TEXT NOT NULL,
                 created REAL NOT NULL);
             CREATE INDEX IF NOT EXISTS runs_by_program ON runs (program_hash, args, node);
             CREATE INDEX IF NOT EXISTS runs_by_node ON runs (node);
             CREATE INDEX IF NOT EXISTS runs_by_node_time ON runs (node, created);
             CREATE TABLE IF NOT EXISTS section_runs (
                 run_id INTEGER NOT NULL REFERENCES runs (id),
                 section INTEGER NOT NULL,
                 start_line INTEGER NOT NULL,
                 end_line INTEGER NOT NULL,
                 node_name TEXT NOT NULL,
                 predicted TEXT NOT NULL,
                 actual TEXT NOT NULL,
                 PRIMARY KEY (run_id, section));",
            SCHEMA_VERSION,
            |conn| {
                // Schema 3 added the model fingerprint of each run.
                let has_model = conn
                    .prepare("SELECT 1 FROM pragma_table_info('runs') WHERE name = 'model'")
                    .and_then(|mut st| st.exists([]))?;
                if !has_model {
                    conn.execute(
                        "ALTER TABLE runs ADD COLUMN model TEXT NOT NULL DEFAULT ''",
                        [],
                    )?;
                }
                Ok(())
            },
        )?;
        Ok(Store { conn, path })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, text: &str) -> Result<T, StoreError> {
        serde_json::from_str(text).map_err(|e| self.corrupt(e))
    }

    fn corrupt(&self, reason: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    pub fn save_node(&self, profile: &NodeProfile) -> Result<(), StoreError> {
        let json = serde_json::to_string(profile).map_err(|e| self.corrupt(e))?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO nodes (fingerprint, profile, quick, measured_at) VALUES (?1, ?2, ?3, ?4)",
                params![profile.fingerprint.id(), json, profile.quick as i64, profile.measured_at],
            )
            .map_err(self.err())?;
        Ok(())
    }

    pub fn node(&self, fingerprint_id: &str) -> Result<Option<NodeProfile>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT profile FROM nodes WHERE fingerprint = ?1",
                params![fingerprint_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| self.corrupt(e)))
            .transpose()
    }

    /// All stored node profiles, newest first.
    pub fn nodes(&self) -> Result<Vec<NodeProfile>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT profile FROM nodes ORDER BY measured_at DESC")
            .map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        let mut out = Vec::new();
        for t in rows {
            let t = t.map_err(self.err())?;
            out.push(serde_json::from_str(&t).map_err(|e| self.corrupt(e))?);
        }
        Ok(out)
    }

    /// Stores a run; returns its id.
    pub fn record_run(&self, run: &RunRecord) -> Result<i64, StoreError> {
        let j = |v: &dyn erased::Json| v.json();
        self.conn
            .execute(
                "INSERT INTO runs (program_hash, file, args, node, predicted, actual, kernels, created, model)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    run.program_hash,
                    run.file,
                    j(&run.args),
                    run.node,
                    j(&run.predicted),
                    j(&run.actual),
                    j(&run.kernel_seconds),
                    run.created,
                    run.model
                ],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Stores the per-section telemetry of a run.
    pub fn record_sections(&self, run_id: i64, sections: &[SectionRun]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().map_err(self.err())?;
        for s in sections {
            let j = |v: &Demand| serde_json::to_string(v).unwrap_or_default();
            tx.execute(
                "INSERT OR REPLACE INTO section_runs
                 (run_id, section, start_line, end_line, node_name, predicted, actual)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    run_id,
                    s.section as i64,
                    s.start_line,
                    s.end_line,
                    s.node_name,
                    j(&s.predicted),
                    j(&s.actual)
                ],
            )
            .map_err(self.err())?;
        }
        tx.commit().map_err(self.err())
    }

    /// Per-section telemetry of the latest `limit` runs of exactly this
    /// program and argument list on this node that recorded any, newest first.
    pub fn measured_sections(
        &self,
        program_hash: &str,
        args: &[String],
        node: &str,
        limit: usize,
    ) -> Result<Vec<Vec<SectionRun>>, StoreError> {
        let a = serde_json::to_string(args).unwrap_or_default();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT rowid FROM runs WHERE program_hash = ?1 AND args = ?2 AND node = ?3
                 AND EXISTS (SELECT 1 FROM section_runs WHERE run_id = runs.rowid)
                 ORDER BY created DESC, rowid DESC LIMIT ?4",
            )
            .map_err(self.err())?;
        let ids = stmt
            .query_map(params![program_hash, a, node, limit as i64], |r| {
                r.get::<_, i64>(0)
            })
            .map_err(self.err())?
            .collect::<Result<Vec<i64>, _>>()
            .map_err(self.err())?;
        ids.into_iter().map(|id| self.sections_of(id)).collect()
    }

    /// The per-section telemetry of one run, in section order.
    pub fn sections_of(&self, run_id: i64) -> Result<Vec<SectionRun>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT section, start_line, end_line, node_name, predicted, actual
                 FROM section_runs WHERE run_id = ?1 ORDER BY section",
            )
            .map_err(self.err())?;
        let rows = stmt
            .query_map(params![run_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for row in rows {
            let (section, start_line, end_line, node_name, predicted, actual) =
                row.map_err(self.err())?;
            out.push(SectionRun {
                section: section as usize,
                start_line,
                end_line,
                node_name,
                predicted: self.parse(&predicted)?,
                actual: self.parse(&actual)?,
            });
        }
        Ok(out)
    }

    fn runs_where(
        &self,
        clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<RunRecord>, StoreError> {
        let sql = format!(
            "SELECT program_hash, file, args, node, predicted, actual, kernels, created, model FROM runs WHERE {clause} ORDER BY created"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, f64>(7)?,
                    r.get::<_, String>(8)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for row in rows {
            let (program_hash, file, args, node, predicted, actual, kernels, created, model) =
                row.map_err(self.err())?;
            out.push(RunRecord {
                program_hash,
                file,
                args: self.parse(&args)?,
                node,
                predicted: self.parse(&predicted)?,
                actual: self.parse(&actual)?,
                kernel_seconds: self.parse(&kernels)?,
                created,
                model,
            });
        }
        Ok(out)
    }

    /// Earlier runs of exactly this program and argument list on this node.
    pub fn runs_of(
        &self,
        program_hash: &str,
        args: &[String],
        node: &str,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let a = serde_json::to_string(args).unwrap_or_default();
        self.runs_where(
            "program_hash = ?1 AND args = ?2 AND node = ?3",
            &[&program_hash, &a, &node],
        )
    }

    /// Every run on this node (for learned corrections).
    pub fn runs_on(&self, node: &str) -> Result<Vec<RunRecord>, StoreError> {
        self.runs_where("node = ?1", &[&node])
    }

    /// Writes a consistent copy of the whole database to `path` (which
    /// must not exist), readable by its owner only.
    pub fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        self.conn
            .execute("VACUUM INTO ?1", params![path.display().to_string()])
            .map_err(self.err())?;
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        Ok(())
    }

    /// The history a prediction on `node` learns from: its newest `recent`
    /// runs, and the newest `recent` of this program with these arguments
    /// (however old), oldest first. Bounded, so that predicting stays as
    /// fast with a long history as with a short one.
    pub fn history_for(
        &self,
        node: &str,
        program_hash: &str,
        args: &[String],
        recent: usize,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let args = serde_json::to_string(args).unwrap_or_default();
        let recent = recent as i64;
        self.runs_where(
            "id IN (SELECT id FROM runs WHERE node = ?1 ORDER BY created DESC LIMIT ?4)
             OR id IN (SELECT id FROM runs WHERE node = ?1 AND program_hash = ?2 AND args = ?3
                       ORDER BY created DESC LIMIT ?4)",
            &[&node, &program_hash, &args, &recent],
        )
    }
}

mod erased {
    /// Serialises any stored value to JSON text.
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "null".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(hash: &str, wall: f64) -> RunRecord {
        RunRecord {
            program_hash: hash.into(),
            file: "p.py".into(),
            args: vec!["1".into()],
            node: "n1".into(),
            predicted: Demand {
                wall_seconds: 1.0,
                cpu_seconds: 1.0,
                peak_memory_bytes: 1e6,
            },
            actual: Demand {
                wall_seconds: wall,
                cpu_seconds: wall,
                peak_memory_bytes: 2e6,
            },
            kernel_seconds: vec![("numpy.matmul".into(), 0.5)],
            created: wall,
            model: "m1".into(),
        }
    }

    #[test]
    fn a_backup_is_a_whole_copy() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("h.db")).unwrap();
        s.record_run(&run("a", 1.0)).unwrap();
        s.backup_to(&dir.path().join("copy.db")).unwrap();
        let c = Store::open(&dir.path().join("copy.db")).unwrap();
        assert_eq!(c.runs_on("n1").unwrap(), s.runs_on("n1").unwrap());
    }

    #[test]
    fn the_history_for_a_prediction_is_bounded_but_keeps_the_program() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("h.db")).unwrap();
        s.record_run(&run("mine", 0.5)).unwrap();
        for i in 0..20 {
            s.record_run(&run(&format!("other{i}"), 1.0 + i as f64))
                .unwrap();
        }
        let h = s.history_for("n1", "mine", &["1".into()], 5).unwrap();
        let hashes: Vec<&str> = h.iter().map(|r| r.program_hash.as_str()).collect();
        // The program's own run (the oldest), then the 5 newest, in order.
        assert_eq!(
            hashes,
            ["mine", "other15", "other16", "other17", "other18", "other19"]
        );
        // Other arguments are another program's history.
        let h = s.history_for("n1", "mine", &["2".into()], 5).unwrap();
        assert_eq!(h.len(), 5);
        assert!(s
            .history_for("n2", "mine", &["1".into()], 5)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn nodes_and_runs_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("h.db")).unwrap();
        let mut p = NodeProfile::default();
        p.fingerprint.cpu_model = "cpu".into();
        p.rates.insert("gemm.float64.256".into(), 1e10);
        s.save_node(&p).unwrap();
        assert_eq!(s.node(&p.fingerprint.id()).unwrap(), Some(p.clone()));
        s.record_run(&run("abc", 2.0)).unwrap();
        s.record_run(&run("abc", 3.0)).unwrap();
        s.record_run(&run("def", 4.0)).unwrap();
        let r = s.runs_of("abc", &["1".into()], "n1").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].actual.wall_seconds, 3.0);
        assert_eq!(s.runs_on("n1").unwrap().len(), 3);
        assert!(s.runs_of("abc", &["2".into()], "n1").unwrap().is_empty());
    }

    #[test]
    fn section_telemetry_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("h.db")).unwrap();
        let id = s.record_run(&run("abc", 2.0)).unwrap();
        let sec = |i: usize, node: &str| SectionRun {
            section: i,
            start_line: 1 + i as u32,
            end_line: 2 + i as u32,
            node_name: node.into(),
            predicted: Demand::default(),
            actual: Demand {
                wall_seconds: i as f64,
                cpu_seconds: 0.5,
                peak_memory_bytes: 1e6,
            },
        };
        s.record_sections(id, &[sec(1, "n2"), sec(0, "n1")])
            .unwrap();
        let got = s.sections_of(id).unwrap();
        assert_eq!(got, vec![sec(0, "n1"), sec(1, "n2")]);
        assert!(s.sections_of(id + 1).unwrap().is_empty());
        // Newest first; runs without telemetry are left out.
        let later = s.record_run(&run("abc", 3.0)).unwrap();
        s.record_sections(later, &[sec(0, "n2")]).unwrap();
        s.record_run(&run("abc", 4.0)).unwrap();
        let m = s.measured_sections("abc", &["1".into()], "n1", 8).unwrap();
        assert_eq!(m, vec![vec![sec(0, "n2")], got]);
        assert_eq!(
            s.measured_sections("abc", &["1".into()], "n1", 1)
                .unwrap()
                .len(),
            1
        );
        assert!(s.measured_sections("abc", &[], "n1", 8).unwrap().is_empty());
    }

    #[test]
    fn version_1_database_is_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "DROP TABLE section_runs; UPDATE meta SET value = '1' WHERE key = 'schema_version';",
        )
        .unwrap();
        drop(c);
        let s = Store::open(&path).unwrap();
        let id = s.record_run(&run("abc", 2.0)).unwrap();
        assert!(s.sections_of(id).unwrap().is_empty());
        let c = Connection::open(&path).unwrap();
        let v: String = c
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION.to_string());
    }

    #[test]
    fn version_2_runs_keep_their_history_without_a_model() {
        // A schema-2 database: runs had no model column.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('schema_version', '2');
             CREATE TABLE runs (id INTEGER PRIMARY KEY, program_hash TEXT NOT NULL,
                 file TEXT NOT NULL, args TEXT NOT NULL, node TEXT NOT NULL,
                 predicted TEXT NOT NULL, actual TEXT NOT NULL, kernels TEXT NOT NULL,
                 created REAL NOT NULL);
             INSERT INTO runs VALUES (1, 'abc', 'p.py', '[\"1\"]', 'n1',
                 '{\"wall_seconds\":1,\"cpu_seconds\":1,\"peak_memory_bytes\":1}',
                 '{\"wall_seconds\":2,\"cpu_seconds\":2,\"peak_memory_bytes\":1}',
                 '[]', 5.0);",
        )
        .unwrap();
        drop(c);
        let s = Store::open(&path).unwrap();
        let old = s.runs_on("n1").unwrap();
        assert_eq!(old.len(), 1);
        assert_eq!(old[0].model, "");
        assert_eq!(old[0].actual.wall_seconds, 2.0);
        s.record_run(&run("abc", 7.0)).unwrap();
        assert_eq!(s.runs_on("n1").unwrap()[1].model, "m1");
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        drop(Store::open(&path).unwrap());
        let c = Connection::open(&path).unwrap();
        c.execute(
            "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
        drop(c);
        assert!(matches!(
            Store::open(&path),
            Err(StoreError::TooNew { found: 99, .. })
        ));
    }

    #[test]
    fn garbage_file_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        std::fs::write(&path, b"this is not a database at all, just text").unwrap();
        assert!(Store::open(&path).is_err());
    }
}

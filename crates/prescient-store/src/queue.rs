//! The server's durable state: users and their tokens, and the job queue.
//!
//! One SQLite file (WAL) in the server's state directory. Every change a
//! user would miss is written before it is acknowledged: a job is in the
//! table before its id is returned, a state change before it is reported.
//! Killing the server loses nothing: on start it finds jobs it was running
//! and puts them back in the queue ([`ServerDb::requeue_running`]).
//!
//! Tokens are never stored: only their SHA-256, compared on each request.

use crate::StoreError;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Schema of the server database; a newer one is refused.
pub const SERVER_SCHEMA_VERSION: i64 = 2;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    /// The program ended (whatever its exit code).
    Done,
    /// Given up on: killed too many times, or no node could take it.
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        Some(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            _ => return None,
        })
    }

    pub fn finished(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }

    pub const ALL: [JobState; 5] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];
}

/// A job as submitted: what runs, for whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewJob {
    pub user: String,
    /// The script's path as the user gave it (for messages and `argv[0]`).
    pub file: String,
    /// The script's text, as analysed at submission.
    pub source: String,
    pub args: Vec<String>,
    /// The directory it runs in.
    pub cwd: String,
    /// The prediction made at submission (JSON, `prescient.prediction/1`).
    pub prediction: serde_json::Value,
}

/// A job and where it stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    pub id: i64,
    pub user: String,
    pub file: String,
    pub args: Vec<String>,
    pub cwd: String,
    pub state: JobState,
    /// Seconds since the epoch.
    pub submitted: f64,
    pub started: Option<f64>,
    pub ended: Option<f64>,
    /// The node of the current or last attempt.
    pub node: Option<String>,
    /// Attempts started (a restart after a kill or a server restart is one more).
    pub attempts: i64,
    pub exit_code: Option<i64>,
    /// Why it ended as it did, when not by itself.
    pub reason: Option<String>,
    pub prediction: serde_json::Value,
    /// Units measured so far: (unit, node, wall seconds, CPU seconds, peak bytes).
    pub units: Vec<UnitRow>,
    pub migrations: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitRow {
    pub unit: i64,
    pub node: String,
    pub wall_seconds: f64,
    pub cpu_seconds: f64,
    pub peak_rss_bytes: f64,
}

/// What a job runs, as submitted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub file: String,
    pub source: String,
    pub args: Vec<String>,
    pub cwd: String,
}

pub struct ServerDb {
    conn: Connection,
    path: String,
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

impl ServerDb {
    pub fn open(path: &Path) -> Result<ServerDb, StoreError> {
        let (conn, path) = crate::open_versioned(
            path,
            "CREATE TABLE IF NOT EXISTS users (
                 name TEXT PRIMARY KEY,
                 token_hash TEXT NOT NULL UNIQUE,
                 created REAL NOT NULL);
             CREATE TABLE IF NOT EXISTS jobs (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 user TEXT NOT NULL,
                 file TEXT NOT NULL,
                 source TEXT NOT NULL,
                 args TEXT NOT NULL,
                 cwd TEXT NOT NULL,
                 state TEXT NOT NULL,
                 submitted REAL NOT NULL,
                 started REAL,
                 ended REAL,
                 node TEXT,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 exit_code INTEGER,
                 reason TEXT,
                 prediction TEXT NOT NULL,
                 cancel INTEGER NOT NULL DEFAULT 0,
                 migrations INTEGER NOT NULL DEFAULT 0);
             CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state);
             CREATE INDEX IF NOT EXISTS jobs_by_user ON jobs (user);
             CREATE TABLE IF NOT EXISTS units (
                 job INTEGER NOT NULL REFERENCES jobs (id),
                 attempt INTEGER NOT NULL,
                 unit INTEGER NOT NULL,
                 node TEXT NOT NULL,
                 wall REAL NOT NULL,
                 cpu REAL NOT NULL,
                 peak REAL NOT NULL,
                 PRIMARY KEY (job, attempt, unit));
             CREATE TABLE IF NOT EXISTS checkpoints (
                 job INTEGER PRIMARY KEY REFERENCES jobs (id),
                 resume TEXT NOT NULL,
                 log_offset INTEGER NOT NULL);",
            SERVER_SCHEMA_VERSION,
            |_| Ok(()),
        )?;
        Ok(ServerDb { conn, path })
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn corrupt(&self, reason: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    /// Adds a user with this token (or gives an existing user a new one).
    pub fn set_user(&self, name: &str, token: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO users (name, token_hash, created) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash",
                params![name, token_hash(token), now()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// The user a token belongs to.
    pub fn user_of(&self, token: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT name FROM users WHERE token_hash = ?1",
                params![token_hash(token)],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.err())
    }

    pub fn users(&self) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT name FROM users ORDER BY name")
            .map_err(self.err())?;
        let rows = st.query_map([], |r| r.get(0)).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Queues a job; returns its id.
    pub fn submit(&self, job: &NewJob) -> Result<i64, StoreError> {
        let args = serde_json::to_string(&job.args).map_err(|e| self.corrupt(e))?;
        let pred = serde_json::to_string(&job.prediction).map_err(|e| self.corrupt(e))?;
        self.conn
            .execute(
                "INSERT INTO jobs (user, file, source, args, cwd, state, submitted, prediction)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7)",
                params![job.user, job.file, job.source, args, job.cwd, now(), pred],
            )
            .map_err(self.err())?;
        Ok(self.conn.last_insert_rowid())
    }

    /// What a job runs.
    pub fn program(&self, id: i64) -> Result<Option<Program>, StoreError> {
        let row: Option<(String, String, String, String)> = self
            .conn
            .query_row(
                "SELECT file, source, args, cwd FROM jobs WHERE id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(self.err())?;
        match row {
            None => Ok(None),
            Some((file, source, args, cwd)) => {
                let args = serde_json::from_str(&args).map_err(|e| self.corrupt(e))?;
                Ok(Some(Program {
                    file,
                    source,
                    args,
                    cwd,
                }))
            }
        }
    }

    /// Keeps where a running job can resume from (the runtime's description
    /// of its last recovery checkpoint, as JSON) and how long its log was
    /// at that point; replaces the one before.
    pub fn set_checkpoint(
        &self,
        job: i64,
        resume: &str,
        log_offset: u64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO checkpoints (job, resume, log_offset) VALUES (?1, ?2, ?3)",
                params![job, resume, log_offset as i64],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Where a job can resume from, if anywhere: the JSON and the log offset.
    pub fn checkpoint(&self, job: i64) -> Result<Option<(String, u64)>, StoreError> {
        self.conn
            .query_row(
                "SELECT resume, log_offset FROM checkpoints WHERE job = ?1",
                params![job],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as u64)),
            )
            .optional()
            .map_err(self.err())
    }

    pub fn clear_checkpoint(&self, job: i64) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM checkpoints WHERE job = ?1", params![job])
            .map_err(self.err())?;
        Ok(())
    }

    /// Jobs the server was running when it stopped go back in the queue;
    /// returns their ids. Their measured units stay.
    pub fn requeue_running(&self) -> Result<Vec<i64>, StoreError> {
        let ids = self.ids_where("state = 'running'")?;
        self.conn
            .execute(
                "UPDATE jobs SET state = 'queued', node = NULL WHERE state = 'running'",
                [],
            )
            .map_err(self.err())?;
        Ok(ids)
    }

    fn ids_where(&self, clause: &str) -> Result<Vec<i64>, StoreError> {
        let mut st = self
            .conn
            .prepare(&format!("SELECT id FROM jobs WHERE {clause} ORDER BY id"))
            .map_err(self.err())?;
        let rows = st.query_map([], |r| r.get(0)).map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    /// Queued jobs, oldest first.
    pub fn queued(&self) -> Result<Vec<i64>, StoreError> {
        self.ids_where("state = 'queued'")
    }

    /// Jobs whose cancellation was asked and not yet carried out.
    pub fn cancel_requested(&self) -> Result<Vec<i64>, StoreError> {
        self.ids_where("cancel = 1 AND state IN ('queued', 'running')")
    }

    /// Asks for a job's cancellation; false if it is not `user`'s (or does
    /// not exist) or already ended.
    pub fn request_cancel(&self, id: i64, user: &str) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "UPDATE jobs SET cancel = 1 WHERE id = ?1 AND user = ?2 AND state IN ('queued', 'running')",
                params![id, user],
            )
            .map_err(self.err())?;
        Ok(n == 1)
    }

    pub fn mark_running(&self, id: i64, node: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE jobs SET state = 'running', node = ?2, attempts = attempts + 1,
                 started = COALESCE(started, ?3) WHERE id = ?1",
                params![id, node, now()],
            )
            .map_err(self.err())?;
        Ok(())
    }

    pub fn mark_node(&self, id: i64, node: &str) -> Result<(), StoreError> {
        self.conn
            .execute("UPDATE jobs SET node = ?2 WHERE id = ?1", params![id, node])
            .map_err(self.err())?;
        Ok(())
    }

    pub fn record_unit(&self, id: i64, attempt: i64, u: &UnitRow) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO units (job, attempt, unit, node, wall, cpu, peak)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    attempt,
                    u.unit,
                    u.node,
                    u.wall_seconds,
                    u.cpu_seconds,
                    u.peak_rss_bytes
                ],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// A job's end.
    pub fn finish(
        &self,
        id: i64,
        state: JobState,
        exit_code: Option<i64>,
        reason: Option<&str>,
        migrations: i64,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE jobs SET state = ?2, exit_code = ?3, reason = ?4, ended = ?5,
                 migrations = migrations + ?6 WHERE id = ?1",
                params![id, state.as_str(), exit_code, reason, now(), migrations],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// One job, if `user` may see it (`None` for any user).
    pub fn job(&self, id: i64, user: Option<&str>) -> Result<Option<JobRow>, StoreError> {
        let mut rows =
            self.jobs_where("id = ?1 AND (?2 IS NULL OR user = ?2)", params![id, user])?;
        if let Some(row) = rows.last_mut() {
            row.units = self.units_of(row.id)?;
        }
        Ok(rows.pop())
    }

    /// Every job of `user` (`None`: everyone's), oldest first, without their
    /// measured units (one job's are in [`Self::job`]).
    pub fn jobs(&self, user: Option<&str>) -> Result<Vec<JobRow>, StoreError> {
        self.page(user, None, 0, i64::MAX)
    }

    /// A page of [`Self::jobs`]: those in `state` (any if `None`) with an id
    /// above `after`, at most `limit` of them.
    pub fn page(
        &self,
        user: Option<&str>,
        state: Option<JobState>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<JobRow>, StoreError> {
        self.jobs_where(
            "(?1 IS NULL OR user = ?1) AND (?2 IS NULL OR state = ?2) AND id > ?3 ORDER BY id LIMIT ?4",
            params![user, state.map(JobState::as_str), after, limit],
        )
    }

    /// Jobs by state, over everyone's.
    pub fn counts(&self) -> Result<Vec<(JobState, i64)>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT state, COUNT(*) FROM jobs GROUP BY state")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(self.err())?;
        let mut out: Vec<(JobState, i64)> = JobState::ALL.iter().map(|&s| (s, 0)).collect();
        for r in rows {
            let (s, n) = r.map_err(self.err())?;
            if let Some(slot) = out
                .iter_mut()
                .find(|(k, _)| Some(*k) == JobState::parse(&s))
            {
                slot.1 = n;
            }
        }
        Ok(out)
    }

    /// Jobs matching `clause` (the SQL after `WHERE`, with any ordering and
    /// limit), without their units.
    fn jobs_where(
        &self,
        clause: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<JobRow>, StoreError> {
        let sql = format!(
            "SELECT id, user, file, args, cwd, state, submitted, started, ended, node,
                    attempts, exit_code, reason, prediction, migrations
             FROM jobs WHERE {clause}"
        );
        let mut st = self.conn.prepare(&sql).map_err(self.err())?;
        // The row with its JSON and state columns still as text.
        let rows = st
            .query_map(args, |r| {
                let row = JobRow {
                    id: r.get(0)?,
                    user: r.get(1)?,
                    file: r.get(2)?,
                    args: Vec::new(),
                    cwd: r.get(4)?,
                    state: JobState::Queued,
                    submitted: r.get(6)?,
                    started: r.get(7)?,
                    ended: r.get(8)?,
                    node: r.get(9)?,
                    attempts: r.get(10)?,
                    exit_code: r.get(11)?,
                    reason: r.get(12)?,
                    prediction: serde_json::Value::Null,
                    units: Vec::new(),
                    migrations: r.get(14)?,
                };
                Ok((
                    row,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(13)?,
                ))
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for r in rows {
            let (mut row, args, state, prediction) = r.map_err(self.err())?;
            row.args = serde_json::from_str(&args).map_err(|e| self.corrupt(e))?;
            row.state = JobState::parse(&state)
                .ok_or_else(|| self.corrupt(format!("job {} has state {state:?}", row.id)))?;
            row.prediction = serde_json::from_str(&prediction).map_err(|e| self.corrupt(e))?;
            out.push(row);
        }
        Ok(out)
    }

    /// The measured units of a job's latest attempt that measured any.
    fn units_of(&self, id: i64) -> Result<Vec<UnitRow>, StoreError> {
        let mut st = self
            .conn
            .prepare(
                "SELECT unit, node, wall, cpu, peak FROM units WHERE job = ?1 AND attempt =
                 (SELECT MAX(attempt) FROM units WHERE job = ?1) ORDER BY unit",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map(params![id], |r| {
                Ok(UnitRow {
                    unit: r.get(0)?,
                    node: r.get(1)?,
                    wall_seconds: r.get(2)?,
                    cpu_seconds: r.get(3)?,
                    peak_rss_bytes: r.get(4)?,
                })
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(user: &str) -> NewJob {
        NewJob {
            user: user.into(),
            file: "p.py".into(),
            source: "print(1)\n".into(),
            args: vec!["3".into()],
            cwd: "/tmp".into(),
            prediction: serde_json::json!({"wall_seconds": 1.0}),
        }
    }

    #[test]
    fn jobs_survive_a_restart_and_running_ones_go_back_in_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("server.db");
        let db = ServerDb::open(&path).unwrap();
        db.set_user("ana", "t-ana").unwrap();
        let a = db.submit(&job("ana")).unwrap();
        let b = db.submit(&job("ana")).unwrap();
        db.mark_running(a, "n1").unwrap();
        drop(db);
        let db = ServerDb::open(&path).unwrap();
        assert_eq!(db.user_of("t-ana").unwrap().as_deref(), Some("ana"));
        assert_eq!(db.requeue_running().unwrap(), vec![a]);
        assert_eq!(db.queued().unwrap(), vec![a, b]);
        let row = db.job(a, Some("ana")).unwrap().unwrap();
        assert_eq!(row.attempts, 1);
        assert_eq!(row.args, vec!["3".to_string()]);
    }

    #[test]
    fn a_user_sees_and_cancels_only_their_own_jobs() {
        let dir = tempfile::tempdir().unwrap();
        let db = ServerDb::open(&dir.path().join("s.db")).unwrap();
        let a = db.submit(&job("ana")).unwrap();
        assert!(db.job(a, Some("bo")).unwrap().is_none());
        assert!(!db.request_cancel(a, "bo").unwrap());
        assert!(db.jobs(Some("bo")).unwrap().is_empty());
        assert!(db.request_cancel(a, "ana").unwrap());
        assert_eq!(db.cancel_requested().unwrap(), vec![a]);
        db.finish(a, JobState::Cancelled, None, Some("cancelled"), 0)
            .unwrap();
        assert!(db.cancel_requested().unwrap().is_empty());
        let counts = db.counts().unwrap();
        assert!(counts.contains(&(JobState::Cancelled, 1)));
        // An ended job cannot be cancelled again.
        assert!(!db.request_cancel(a, "ana").unwrap());
    }

    #[test]
    fn lists_come_a_page_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let db = ServerDb::open(&dir.path().join("s.db")).unwrap();
        let ids: Vec<i64> = (0..7).map(|_| db.submit(&job("ana")).unwrap()).collect();
        db.submit(&job("bo")).unwrap();
        db.mark_running(ids[1], "n1").unwrap();
        let page = |after, limit| -> Vec<i64> {
            db.page(Some("ana"), None, after, limit)
                .unwrap()
                .iter()
                .map(|j| j.id)
                .collect()
        };
        assert_eq!(page(0, 3), ids[..3]);
        assert_eq!(page(ids[2], 3), ids[3..6]);
        assert_eq!(page(ids[5], 3), ids[6..]);
        let running = db
            .page(Some("ana"), Some(JobState::Running), 0, 10)
            .unwrap();
        assert_eq!(running.len(), 1);
        assert_eq!(db.jobs(Some("ana")).unwrap().len(), 7);
    }

    #[test]
    fn tokens_are_stored_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let db = ServerDb::open(&path).unwrap();
        db.set_user("ana", "secret-token-123").unwrap();
        drop(db);
        let raw = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.contains("secret-token-123"));
        let db = ServerDb::open(&path).unwrap();
        assert!(db.user_of("wrong").unwrap().is_none());
    }
}

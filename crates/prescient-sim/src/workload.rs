//! The workload file: JSON lines, one submitted job per line.
//!
//! ```json
//! {"submit": 0.0, "program": "corpus/memory_phases.py", "args": ["4096"],
//!  "priority": 1, "deadline": 120, "declared": {"cores": 1, "memory": "4GiB", "seconds": 600}}
//! ```
//!
//! - `submit`: seconds from the start of the workload (required, >= 0).
//! - `program`, `args`: what runs (a path relative to the workload file's
//!   directory, or absolute).
//! - `priority`: higher runs first and may preempt lower (default 0).
//! - `deadline`: seconds after submission by which the job should end.
//! - `declared`: what the user requests, as for Slurm (`cores`, `memory` in
//!   bytes or as `"4GiB"`, `seconds`); the `static` policy uses it, and so
//!   does `reactive` as its starting point.
//!
//! Blank lines and lines starting with `#` are skipped. Errors name the line.

use prescient_model::cluster::parse_bytes;
use serde::{Deserialize, Serialize};

/// Longest accepted line, and most jobs in one file.
pub const MAX_LINE: usize = 64 * 1024;
pub const MAX_JOBS: usize = 10_000_000;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaredSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<f64>,
    /// Bytes, or a size such as `"4GiB"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub submit: f64,
    pub program: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub priority: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<DeclaredSpec>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum WorkloadError {
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("the workload has no jobs")]
    Empty,
    #[error("the workload has more than {MAX_JOBS} jobs")]
    TooMany,
}

impl Submission {
    /// The declared request with sizes in bytes.
    pub fn declared(&self) -> Result<prescient_plan::Declared, String> {
        let Some(d) = &self.declared else {
            return Ok(prescient_plan::Declared::default());
        };
        let memory = match &d.memory {
            None => None,
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => Some(parse_bytes(s)? as f64),
            Some(other) => return Err(format!("declared.memory: `{other}` is not a size")),
        };
        Ok(prescient_plan::Declared {
            cores: d.cores,
            memory,
            seconds: d.seconds,
        })
    }

    fn check(&self) -> Result<(), String> {
        if !(self.submit.is_finite() && self.submit >= 0.0) {
            return Err("submit must be a number of seconds >= 0".into());
        }
        if self.program.is_empty() || self.program.contains('\0') {
            return Err("program must name a file".into());
        }
        if let Some(d) = self.deadline {
            if !(d.is_finite() && d > 0.0) {
                return Err("deadline must be a number of seconds > 0".into());
            }
        }
        let d = self.declared()?;
        let positive = |v: Option<f64>, what: &str| match v {
            Some(x) if !(x.is_finite() && x > 0.0) => Err(format!("declared.{what} must be > 0")),
            _ => Ok(()),
        };
        positive(d.cores, "cores")?;
        positive(d.memory, "memory")?;
        positive(d.seconds, "seconds")?;
        Ok(())
    }
}

/// Parses a workload; jobs come back sorted by submit time (stable).
pub fn parse(text: &str) -> Result<Vec<Submission>, WorkloadError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let err = |message: String| WorkloadError::Line {
            line: line_no,
            message,
        };
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.len() > MAX_LINE {
            return Err(err(format!("longer than {MAX_LINE} bytes")));
        }
        let s: Submission = serde_json::from_str(t).map_err(|e| err(e.to_string()))?;
        s.check().map_err(err)?;
        out.push(s);
        if out.len() > MAX_JOBS {
            return Err(WorkloadError::TooMany);
        }
    }
    if out.is_empty() {
        return Err(WorkloadError::Empty);
    }
    out.sort_by(|a, b| a.submit.total_cmp(&b.submit));
    Ok(out)
}

/// Writes a workload as JSON lines.
pub fn render(jobs: &[Submission]) -> String {
    let mut s = String::new();
    for j in jobs {
        s.push_str(&serde_json::to_string(j).unwrap_or_default());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_bad_lines() {
        let w = parse(
            "# a comment\n\n{\"submit\": 5, \"program\": \"b.py\"}\n\
             {\"submit\": 1, \"program\": \"a.py\", \"args\": [\"3\"], \"priority\": 2, \
             \"deadline\": 60, \"declared\": {\"memory\": \"1GiB\", \"cores\": 2}}\n",
        )
        .unwrap();
        assert_eq!(w[0].program, "a.py");
        assert_eq!(w[0].declared().unwrap().memory, Some(1073741824.0));
        assert_eq!(w[1].priority, 0);
        let e =
            parse("{\"submit\": 1, \"program\": \"a.py\"}\n{\"submit\": -1, \"program\": \"a\"}")
                .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: submit must be a number of seconds >= 0"
        );
        let e = parse("{\"submit\": 1, \"program\": \"a.py\", \"colour\": 3}").unwrap_err();
        assert!(
            e.to_string().starts_with("line 1: unknown field `colour`"),
            "{e}"
        );
        let e =
            parse("{\"submit\": 1, \"program\": \"a.py\", \"declared\": {\"memory\": \"lots\"}}")
                .unwrap_err();
        assert!(e.to_string().contains("not a size"), "{e}");
        assert_eq!(parse("\n# nothing\n"), Err(WorkloadError::Empty));
        assert!(parse("\u{0}\u{1}binary").is_err());
    }

    #[test]
    fn round_trips() {
        let w = parse("{\"submit\": 1.5, \"program\": \"a.py\", \"declared\": {\"seconds\": 9}}")
            .unwrap();
        assert_eq!(parse(&render(&w)).unwrap(), w);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,400}") {
            let _ = parse(&s);
        }
    }
}

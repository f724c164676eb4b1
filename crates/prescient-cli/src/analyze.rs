//! `prescient analyze FILE [--json] [-- ARGS...]`.

use crate::files::RealFiles;
use crate::Failure;
use anyhow::Context;
use prescient_analyse::AnalyseError;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The Python program to analyse.
    file: PathBuf,
    /// Print the analysis as JSON (schema `prescient.analysis/1`, see docs/schema/analysis.md).
    #[arg(long)]
    json: bool,
    /// The program's own command-line arguments, after `--`.
    #[arg(last = true)]
    args: Vec<String>,
}

pub fn run(a: Args) -> Result<(), Failure> {
    let name = a.file.display().to_string();
    let meta = std::fs::metadata(&a.file)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::input)?;
    if meta.is_dir() {
        return Err(Failure::input(anyhow::anyhow!(
            "{name} is a directory, not a Python file"
        )));
    }
    if meta.len() > prescient_syntax_limit() {
        return Err(Failure::input(anyhow::anyhow!(
            "{name}: file too large: {} bytes (the limit is {} bytes)",
            meta.len(),
            prescient_syntax_limit()
        )));
    }
    let source = std::fs::read(&a.file)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::input)?;
    let analysis = match prescient_analyse::analyze(&source, &name, &a.args, &RealFiles) {
        Ok(x) => x,
        Err(e @ AnalyseError::Parse { .. }) => return Err(Failure::diagnostic(e)),
        Err(e) => return Err(Failure::internal(e)),
    };
    let text = if a.json {
        let mut s = serde_json::to_string_pretty(&analysis).map_err(Failure::internal)?;
        s.push('\n');
        s
    } else {
        prescient_analyse::report::render(&analysis)
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::internal(
            anyhow::Error::new(e).context("cannot write the report"),
        )),
    }
}

fn prescient_syntax_limit() -> u64 {
    prescient_analyse::MAX_SOURCE_BYTES as u64
}

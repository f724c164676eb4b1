//! `prescient analyze FILE [--json] [--plot FILE.svg] [-- ARGS...]`.

use crate::files::RealFiles;
use crate::Failure;
use anyhow::Context;
use prescient_analyse::AnalyseError;
use prescient_model::Analysis;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The Python program to analyse.
    file: PathBuf,
    /// Print the analysis as JSON (schema `prescient.analysis/1`, see docs/schema/analysis.md).
    #[arg(long)]
    json: bool,
    /// Only analyse: no prediction, no worker environment, no calibration.
    #[arg(long)]
    no_predict: bool,
    /// Predict from the first-sight model only, ignoring the history of earlier runs.
    #[arg(long)]
    no_history: bool,
    /// Draw the predicted demand over time (memory and cores by section) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// The program's own command-line arguments, after `--`.
    #[arg(last = true)]
    args: Vec<String>,
}

/// Reads and analyses a program, mapping failures to exit codes.
pub fn analyse_file(file: &std::path::Path, args: &[String]) -> Result<Analysis, Failure> {
    analyse_file_with_source(file, args).map(|(a, _)| a)
}

/// [`analyse_file`], also returning the source it analysed, so that a caller
/// that runs the program runs exactly what was analysed.
pub fn analyse_file_with_source(
    file: &std::path::Path,
    args: &[String],
) -> Result<(Analysis, Vec<u8>), Failure> {
    let name = file.display().to_string();
    let meta = std::fs::metadata(file)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::input)?;
    if meta.is_dir() {
        return Err(Failure::input(anyhow::anyhow!(
            "{name} is a directory, not a Python file"
        )));
    }
    if meta.len() > prescient_analyse::MAX_SOURCE_BYTES as u64 {
        return Err(Failure::input(anyhow::anyhow!(
            "{name}: file too large: {} bytes (the limit is {} bytes)",
            meta.len(),
            prescient_analyse::MAX_SOURCE_BYTES
        )));
    }
    let source = std::fs::read(file)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::input)?;
    match prescient_analyse::analyze(&source, &name, args, &RealFiles) {
        Ok(x) => Ok((x, source)),
        Err(e @ AnalyseError::Parse { .. }) => Err(Failure::diagnostic(e)),
        Err(e) => Err(Failure::internal(e)),
    }
}

pub fn run(a: Args) -> Result<(), Failure> {
    let mut analysis = analyse_file(&a.file, &a.args)?;
    if !a.no_predict {
        let node = (|| {
            let env = crate::node::env(a.python.clone())?;
            let store = crate::node::open_store()?;
            let node = crate::node::profile(&env, &store)?;
            Ok::<_, Failure>((node, store))
        })();
        match node {
            Ok((node, store)) => {
                analysis =
                    crate::predict::predict(&analysis, &node, Some(&store), !a.no_history).analysis;
            }
            // An interpreter named explicitly must work: say so.
            Err(f) if a.python.is_some() => return Err(f),
            Err(f) => {
                eprintln!("warning: this node could not be calibrated ({:#}); predicting from built-in figures", f.error);
                let node = crate::node::builtin_profile();
                analysis = crate::predict::predict(&analysis, &node, None, false).analysis;
                analysis.notes.push(format!(
                    "prediction from built-in figures, not a calibration of this node: {:#}",
                    f.error
                ));
            }
        }
    }
    if let Some(path) = &a.plot {
        if analysis.prediction.is_none() {
            return Err(Failure::input(anyhow::anyhow!(
                "--plot needs a prediction; drop --no-predict"
            )));
        }
        std::fs::write(path, crate::plot::timeline_svg(&analysis))
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(Failure::internal)?;
    }
    let text = if a.json {
        let mut s = serde_json::to_string_pretty(&analysis).map_err(Failure::internal)?;
        s.push('\n');
        s
    } else {
        prescient_analyse::report::render(&analysis)
    };
    write_stdout(&text)
}

pub fn write_stdout(text: &str) -> Result<(), Failure> {
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

//! The semantic analyser: reads a Python program (with the command line it will be
//! run with) and says what it will compute, without running it.
//!
//! Pipeline: [`prescient_syntax`] parses into Prescient's AST; the abstract
//! interpreter ([`interp`]) walks the program with symbolic values, costing library
//! calls through the knowledge base ([`kb`]) and hand-written code through the idiom
//! recognisers ([`idioms`]); [`sections`] groups the result into sections. The
//! output is a [`prescient_model::Analysis`].
//!
//! The knowledge base and the recognisers see the interpreter only through
//! [`host::Host`], and numpy's rules for shapes and dtypes live once, in
//! [`arrays`], for both; `tests/layering.rs` keeps it so.
//!
//! This crate does no I/O: input file sizes come through a [`FileProbe`].

pub mod arrays;
pub mod caches;
pub(crate) mod concrete;
pub mod fmt;
pub mod host;
pub mod idioms;
pub mod interp;
pub mod kb;
pub mod report;
pub mod sections;
pub mod unparse;
pub mod value;

pub use interp::{FileProbe, NoFiles};
pub use prescient_syntax::MAX_SOURCE_BYTES;

use prescient_model::{Analysis, CallStats, ANALYSIS_SCHEMA};
use prescient_syntax::ParseError;
use sha2::{Digest, Sha256};

/// Stack for the analysis thread: the parser and tree drops recurse on deep input.
const ANALYSIS_STACK: usize = 512 << 20;

#[derive(Debug, thiserror::Error)]
pub enum AnalyseError {
    /// The source is not valid Python (or not text).
    #[error("{}", parse_message(file, error))]
    Parse { file: String, error: ParseError },
    /// A defect in the analyser; the message says where.
    #[error("internal error while analysing {file}: {message}")]
    Internal { file: String, message: String },
}

/// Analyses `source` as the program `file`, run with `args`.
pub fn analyze(
    source: &[u8],
    file: &str,
    args: &[String],
    probe: &(dyn FileProbe + Sync),
) -> Result<Analysis, AnalyseError> {
    analyze_with_options(source, file, args, probe, &Options::default())
}

/// How an analysis may go about its work.
#[derive(Clone, Debug)]
pub struct Options {
    /// Whether calls whose trip counts depend on the data may be run by the
    /// bounded executor on their known arguments (see `concrete`). On by
    /// default; off, every such count is the summary's own estimate.
    pub run_calls: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { run_calls: true }
    }
}

/// [`analyze`] with [`Options`] other than the defaults.
pub fn analyze_with_options(
    source: &[u8],
    file: &str,
    args: &[String],
    probe: &(dyn FileProbe + Sync),
    options: &Options,
) -> Result<Analysis, AnalyseError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("prescient-analyse".into())
            .stack_size(ANALYSIS_STACK)
            .spawn_scoped(scope, || {
                analyze_here_with(source, file, args, probe, options)
            })
            .map_err(|e| AnalyseError::Internal {
                file: file.to_string(),
                message: format!("cannot start the analysis thread: {e}"),
            })?
            .join()
            .map_err(|panic| AnalyseError::Internal {
                file: file.to_string(),
                message: panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into()),
            })?
    })
}

/// The analysis on the current thread (which must have a large stack for hostile input).
pub fn analyze_here(
    source: &[u8],
    file: &str,
    args: &[String],
    probe: &dyn FileProbe,
) -> Result<Analysis, AnalyseError> {
    analyze_here_with(source, file, args, probe, &Options::default())
}

fn analyze_here_with(
    source: &[u8],
    file: &str,
    args: &[String],
    probe: &dyn FileProbe,
    options: &Options,
) -> Result<Analysis, AnalyseError> {
    let parse_err = |error| AnalyseError::Parse {
        file: file.to_string(),
        error,
    };
    let text = prescient_syntax::decode(source).map_err(parse_err)?;
    let module = prescient_syntax::parse(text).map_err(parse_err)?;
    let mut it = interp::Interp::new(file, args, probe);
    it.oracle_enabled = options.run_calls;
    it.run_module(&module);
    if !module.truncated.is_empty() {
        it.note(format!(
            "{} construct(s) nested deeper than {} levels were not analysed (first at line {})",
            module.truncated.len(),
            prescient_syntax::MAX_DEPTH,
            module.truncated[0].line
        ));
    }
    let mut calls: CallStats = it.calls.clone();
    calls.share = if calls.total == 0 {
        1.0
    } else {
        calls.understood as f64 / calls.total as f64
    };
    let records = std::mem::take(&mut it.records);
    let mut imports: Vec<String> = it
        .imports
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect();
    imports.sort();
    Ok(Analysis {
        schema: ANALYSIS_SCHEMA.to_string(),
        file: file.to_string(),
        args: args.to_vec(),
        source_hash: hex(&Sha256::digest(source)),
        sections: sections::group(records),
        unknowns: std::mem::take(&mut it.unknowns),
        unresolved_calls: std::mem::take(&mut it.unresolved),
        calls,
        imports,
        notes: std::mem::take(&mut it.notes),
        prediction: None,
    })
}

/// `file:line:col: message` for syntax errors, `file: message` otherwise.
fn parse_message(file: &str, e: &ParseError) -> String {
    match e {
        ParseError::Syntax { .. } => format!("{file}:{e}"),
        other => format!("{file}: {other}"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

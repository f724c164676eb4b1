//! Progress reporting: a bar on a terminal, plain lines otherwise (CI logs).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    last_line: String,
}

impl Progress {
    pub fn new(label: &str, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b.set_prefix(label.to_string());
            b
        });
        if bar.is_none() {
            eprintln!("{label}...");
        }
        Progress {
            bar,
            label: label.to_string(),
            last_line: String::new(),
        }
    }

    pub fn set(&mut self, pos: u64, total: u64, msg: &str) {
        match &self.bar {
            Some(b) => {
                b.set_length(total);
                b.set_position(pos);
                b.set_message(msg.to_string());
            }
            None => {
                let line = format!("{}: {msg}", self.label);
                if line != self.last_line && !msg.is_empty() {
                    eprintln!("  [{pos}/{total}] {msg}");
                    self.last_line = line;
                }
            }
        }
    }

    pub fn finish(self, msg: &str) {
        match self.bar {
            Some(b) => b.finish_with_message(msg.to_string()),
            None => eprintln!("{}: {msg}", self.label),
        }
    }
}

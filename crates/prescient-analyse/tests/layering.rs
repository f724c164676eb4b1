//! The analyser's layering, checked on its sources: the knowledge base, the
//! idiom recognisers and the shared semantics never name the interpreter.
//! They reach it only through `host::Host`, so the interpreter can depend on
//! them without a cycle (see docs/ARCHITECTURE.md).

use std::path::{Path, PathBuf};

fn rust_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            rust_files(&e, out);
        }
    } else if p.extension().is_some_and(|x| x == "rs") {
        out.push(p.to_path_buf());
    }
}

/// A line without its comment and string literals (`"numpy.interp"` names a
/// library function, not our module).
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let (mut in_str, mut escaped) = (false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_str {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => escaped = false,
            }
        } else if c == '"' {
            in_str = true;
        } else if c == '/' && chars.peek() == Some(&'/') {
            break;
        } else {
            out.push(c);
        }
    }
    out
}

/// Lines of code that name `forbidden` modules or types.
fn offending(file: &Path, forbidden: &[&str]) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = code_of(line);
        // Paths keep their `::`; every other character separates words.
        let words = code.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
        for w in words {
            let parts: Vec<&str> = w.split("::").collect();
            if parts.iter().any(|p| forbidden.contains(p)) {
                out.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    out
}

fn check(paths: &[&str], forbidden: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for p in paths {
        rust_files(&root.join(p), &mut files);
    }
    assert!(!files.is_empty(), "no sources found under {paths:?}");
    let bad: Vec<String> = files.iter().flat_map(|f| offending(f, forbidden)).collect();
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn knowledge_base_and_idioms_reach_the_interpreter_only_through_the_host() {
    check(&["kb", "idioms", "host.rs"], &["interp", "Interp"]);
}

#[test]
fn array_semantics_and_values_depend_on_nothing_that_costs() {
    check(
        &["arrays.rs", "value.rs", "fmt.rs", "unparse.rs"],
        &["interp", "Interp", "kb", "idioms", "host", "Host"],
    );
}

#[test]
fn the_check_sees_a_forbidden_name() {
    let dir = std::env::temp_dir().join(format!("prescient-layering-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("x.rs");
    std::fs::write(
        &f,
        "// crate::interp in a comment is fine\nuse crate::interp::Interp;\nfn f(p: P::Interpreter) { g(\"numpy.interp\") }\n",
    )
    .unwrap();
    let found = offending(&f, &["interp", "Interp"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains(":2:"), "{found:?}");
}

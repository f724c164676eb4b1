//! Python front end: parses source with a real Python 3 parser and converts it into
//! Prescient's own AST ([`ast`]), so the rest of the system never sees the parser.
//!
//! Input is checked before parsing: binary data, invalid UTF-8 and oversized files
//! are rejected with a clear [`SyntaxError`]-like [`ParseError`] rather than reaching
//! the parser. Nesting depth is bounded during conversion (see [`convert::MAX_DEPTH`]).
//!
//! The parser and the drop of its tree recurse; callers that accept untrusted input
//! should run [`parse`] on a thread with a large stack (the analyser does).

pub mod ast;
mod convert;
mod lines;

pub use convert::MAX_DEPTH;
pub use lines::LineIndex;

/// The largest source accepted, in bytes.
pub const MAX_SOURCE_BYTES: usize = 64 * 1024 * 1024;

/// Why a source could not be turned into an AST.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{line}:{col}: {message}")]
    Syntax {
        line: u32,
        col: u32,
        message: String,
    },
    #[error("not a Python source file: binary data (NUL byte at offset {offset})")]
    Binary { offset: usize },
    #[error("not a Python source file: invalid UTF-8 at byte offset {offset}")]
    Encoding { offset: usize },
    #[error("file too large: {size} bytes (the limit is {limit} bytes)")]
    TooLarge { size: usize, limit: usize },
}

/// Checks raw bytes and decodes them as UTF-8 Python source.
pub fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(ParseError::TooLarge {
            size: bytes.len(),
            limit: MAX_SOURCE_BYTES,
        });
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        return Err(ParseError::Binary { offset });
    }
    std::str::from_utf8(bytes).map_err(|e| ParseError::Encoding {
        offset: e.valid_up_to(),
    })
}

/// Parses a whole module.
pub fn parse(source: &str) -> Result<ast::Module, ParseError> {
    if source.len() > MAX_SOURCE_BYTES {
        return Err(ParseError::TooLarge {
            size: source.len(),
            limit: MAX_SOURCE_BYTES,
        });
    }
    let lines = LineIndex::new(source);
    let parsed = ruff_python_parser::parse_module(source).map_err(|e| {
        let (line, col) = lines.line_col(e.location.start().to_usize());
        ParseError::Syntax {
            line,
            col,
            message: e.error.to_string(),
        }
    })?;
    let mut conv = convert::Converter {
        lines: &lines,
        depth: 0,
        truncated: Vec::new(),
    };
    let body = conv.suite(&parsed.syntax().body);
    Ok(ast::Module {
        body,
        truncated: conv.truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_has_position() {
        let err = parse("x = 1\ny = (2 +\n").unwrap_err();
        match err {
            ParseError::Syntax { line, .. } => assert!(line >= 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn binary_is_rejected() {
        assert_eq!(decode(b"x = 1\0"), Err(ParseError::Binary { offset: 5 }));
    }

    #[test]
    fn modern_syntax_parses() {
        let src = "match x:\n    case [a, *b]: pass\n    case _: pass\ndef f[T](a: T, /, *, b=1) -> T: ...\nprint(f'{x!r:>10}')\ny = (z := 3)\n";
        let m = parse(src).unwrap();
        assert_eq!(m.body.len(), 4);
    }

    #[test]
    fn deep_nesting_is_truncated_not_overflowing() {
        let n = 2000;
        let src = format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
        // Parentheses do not add AST levels; use unary minus which does.
        let src2 = format!("x = {}1\n", "-".repeat(n));
        let h = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || (parse(&src).is_ok(), parse(&src2).map(|m| m.truncated.len())))
            .unwrap();
        let (a, b) = h.join().unwrap();
        assert!(a);
        assert!(b.unwrap() >= 1);
    }
}

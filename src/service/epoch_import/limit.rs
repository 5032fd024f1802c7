//! A cap on the bytes of one CSV field, applied while the file streams in. The csv crate
//! buffers a whole record before handing it over, so one 200 MB field once took the import to a
//! 945 MB peak; this reader follows the CSV quoting itself and fails the read as soon as a field
//! passes the cap, before the rest of it is read.

use std::fmt;
use std::io::{self, Read};

/// Bytes one field may have unless told otherwise: 16 times Epoch's longest field (an
/// abstract of about 4 KB in its 2025 export), far below what would strain memory.
pub const DEFAULT_MAX_FIELD_BYTES: usize = 64 * 1024;

/// Characters of a refused value that a message shows.
pub const PREVIEW_CHARS: usize = 80;

/// The start of `text`: at most `PREVIEW_CHARS` characters, then `…` if there was more.
pub fn preview(text: &str) -> String {
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Why the read stopped: a field on `line` (where it starts) is longer than `max` bytes.
#[derive(Debug)]
pub struct FieldTooLong {
    pub line: u64,
    pub max: usize,
    pub start: String,
}

impl fmt::Display for FieldTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: a field is longer than {} bytes (it starts {:?}); nothing was imported \
             (the limit is --max-field-bytes, or AI_TRACKER_IMPORT_MAX_FIELD_BYTES)",
            self.line,
            self.max,
            preview(&self.start)
        )
    }
}

impl std::error::Error for FieldTooLong {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a field (after a comma or a line end).
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: either the end of the quotes or the first of `""`.
    QuoteInQuoted,
}

/// `inner` with every CSV field held to `max` bytes (quotes included).
pub struct FieldLimit<R> {
    inner: R,
    max: usize,
    state: State,
    field_bytes: usize,
    /// The line being read, and the one the current field started on.
    line: u64,
    field_line: u64,
    /// The first bytes of the current field, for the message.
    start: Vec<u8>,
}

impl<R: Read> FieldLimit<R> {
    pub fn new(inner: R, max: usize) -> Self {
        FieldLimit { inner, max, state: State::FieldStart, field_bytes: 0, line: 1, field_line: 1, start: Vec::new() }
    }

    fn end_field(&mut self) {
        self.state = State::FieldStart;
        self.field_bytes = 0;
        self.start.clear();
    }

    /// Follows one byte; `Err` once the current field is too long.
    fn follow(&mut self, byte: u8) -> Result<(), FieldTooLong> {
        if self.state == State::FieldStart {
            self.field_line = self.line;
        }
        if byte == b'\n' {
            self.line += 1;
        }
        let separator = matches!(byte, b',' | b'\n' | b'\r');
        match (self.state, byte) {
            (State::FieldStart | State::Unquoted | State::QuoteInQuoted, _) if separator => {
                self.end_field();
                return Ok(());
            }
            (State::FieldStart, b'"') => self.state = State::Quoted,
            (State::FieldStart, _) => self.state = State::Unquoted,
            (State::Quoted, b'"') => self.state = State::QuoteInQuoted,
            // `""` is a quote inside the field; anything else after a closing quote the csv
            // crate keeps as part of the field.
            (State::QuoteInQuoted, b'"') => self.state = State::Quoted,
            (State::QuoteInQuoted, _) => self.state = State::Unquoted,
            (State::Unquoted | State::Quoted, _) => {}
        }
        self.field_bytes += 1;
        if self.start.len() < 4 * PREVIEW_CHARS {
            self.start.push(byte);
        }
        if self.field_bytes > self.max {
            let start = String::from_utf8_lossy(&self.start).trim_start_matches('"').to_owned();
            return Err(FieldTooLong { line: self.field_line, max: self.max, start });
        }
        Ok(())
    }
}

impl<R: Read> Read for FieldLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &byte in &buf[..n] {
            self.follow(byte).map_err(|too_long| io::Error::new(io::ErrorKind::InvalidData, too_long))?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str, max: usize) -> Result<String, String> {
        let mut out = String::new();
        FieldLimit::new(text.as_bytes(), max).read_to_string(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    }

    #[test]
    fn fields_up_to_the_limit_pass_whatever_their_quoting() {
        let text = "a,bb\n\"c,\"\"d\"\"\ne\",ff\r\n,\n";
        // The longest field, `"c,""d""\ne"`, is 11 bytes with its quotes.
        assert_eq!(read_all(text, 11).unwrap(), text);
        let error = read_all(text, 10).unwrap_err();
        assert!(error.starts_with("line 2: a field is longer than 10 bytes"), "{error}");
    }

    #[test]
    fn a_long_field_is_refused_and_shows_only_its_start() {
        let text = format!("name,abstract\nx,{}\n", "y".repeat(1_000));
        let error = read_all(&text, 100).unwrap_err();
        assert!(error.contains(&format!("{:?}", format!("{}…", "y".repeat(PREVIEW_CHARS)))), "{error}");
        assert!(error.len() < 300, "{error}");
    }

    #[test]
    fn previews_cut_at_characters() {
        assert_eq!(preview("short"), "short");
        assert_eq!(preview(&"é".repeat(100)), format!("{}…", "é".repeat(PREVIEW_CHARS)));
    }
}

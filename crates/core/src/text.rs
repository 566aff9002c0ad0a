//! Free text as people type it: trimmed, within a length, and without the characters nobody
//! types on purpose — control characters, and the invisible format characters (bidi overrides,
//! zero-width marks) that make two names look alike or show a name reversed.
//!
//! Every text a person or a client sends goes through `line` (one line: names, addresses,
//! titles) or `note` (several lines: notes, descriptions) before it is stored, so a stored text
//! is never longer than its kind allows.

use crate::error::FieldError;

/// Names of people, areas, organizations, gates, posts.
pub const NAME_CHARS: usize = 50;
/// A short label: a title, a reason, a place within a compound.
pub const LABEL_CHARS: usize = 100;
/// An address or a destination.
pub const ADDRESS_CHARS: usize = 200;
/// A note, a description, an answer.
pub const NOTE_CHARS: usize = 2_000;

/// Whether `c` is an invisible format or bidi control character (Unicode general category Cf,
/// and the line and paragraph separators), which text typed on a phone never needs.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// `raw` without invisible characters and with control characters dropped — except, when
/// `lines`, line breaks (kept as `\n`) and tabs (kept) — then trimmed.
pub fn clean(raw: &str, lines: bool) -> String {
    let mut out = String::with_capacity(raw.len().min(64 * 1024));
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if lines => {
                // CR LF and a lone CR are one break.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' if lines => out.push(c),
            '\n' | '\t' | '\r' => out.push(' '),
            c if c.is_control() || is_invisible(c) => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

fn bounded(field: &str, text: String, max_chars: usize) -> Result<String, FieldError> {
    // A byte length within the limit is within it in characters too; count only past that.
    if text.len() > max_chars && text.chars().count() > max_chars {
        return Err(FieldError::over_limit(
            field,
            "err-too-long-max",
            max_chars as i64,
        ));
    }
    Ok(text)
}

/// One line of text (line breaks become spaces), at most `max_chars` characters; may be empty.
pub fn line(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    // Past four bytes a character, the text is too long whatever cleaning removes.
    if raw.len() > max_chars.saturating_mul(4) + 64 {
        return Err(FieldError::over_limit(
            field,
            "err-too-long-max",
            max_chars as i64,
        ));
    }
    bounded(field, clean(raw, false), max_chars)
}

/// `line`, and not empty.
pub fn required_line(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    let text = line(field, raw, max_chars)?;
    if text.is_empty() {
        return Err(FieldError::new(field, "err-required"));
    }
    Ok(text)
}

/// Several lines of text, at most `max_chars` characters; may be empty.
pub fn note(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    if raw.len() > max_chars.saturating_mul(4) + 64 {
        return Err(FieldError::over_limit(
            field,
            "err-too-long-max",
            max_chars as i64,
        ));
    }
    bounded(field, clean(raw, true), max_chars)
}

/// Refuses a list longer than `max` items (questions, ids, answers) before it is looked at.
pub fn at_most<T>(field: &str, items: &[T], max: usize) -> Result<(), FieldError> {
    if items.len() > max {
        return Err(FieldError::over_limit(
            field,
            "err-too-many-items",
            max as i64,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_control_characters_are_removed() {
        // An RTL override would show "王芳" as something else in a list; a zero-width space
        // makes a second "王芳" that looks the same.
        assert_eq!(clean("\u{202E}王\u{200B}芳\u{2066}", false), "王芳");
        assert_eq!(clean(" 张\u{0}三\u{7F} ", false), "张三");
        assert_eq!(clean("一\r\n二\r三\n", true), "一\n二\n三");
        assert_eq!(clean("一\n二", false), "一 二");
        assert_eq!(
            line("name", "\u{FEFF}凌研里", NAME_CHARS).unwrap(),
            "凌研里"
        );
    }

    #[test]
    fn lengths_are_counted_in_characters_after_cleaning() {
        assert!(line("name", &"王".repeat(50), 50).is_ok());
        let e = line("name", &"王".repeat(51), 50).unwrap_err();
        assert_eq!((e.key, e.limit), ("err-too-long-max", Some(50)));
        // Invisible padding does not count, and a huge input is refused without scanning it.
        assert!(line("name", &format!("王{}", "\u{200B}".repeat(60)), 50).is_ok());
        assert!(note("note", &"x".repeat(5_000_000), NOTE_CHARS).is_err());
        assert_eq!(
            required_line("name", " \u{200B} ", 50).unwrap_err().key,
            "err-required"
        );
        assert!(at_most("questions", &[0; 3], 2).is_err());
    }
}

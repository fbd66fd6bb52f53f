//! PowerShell's `-like` operator, which the original script used to find clones.
//!
//! `*` matches any run of characters, `?` exactly one, `[abc]` one of a set and `[a-z]` one of a
//! range; a backtick makes the next character literal. Matching ignores case. Only
//! [`Mode::Compat`](crate::slots::Mode::Compat) uses this: it is how the script mistakes `web2` or
//! `WEB` for `web`, and why `[`, `]`, `*` and `?` in a VM name act as wildcards.

/// A compiled `-like` pattern.
///
/// ```
/// use rotation_core::like::LikePattern;
///
/// let pattern = LikePattern::new("zz_web-0[1-3]*")?;
/// assert!(pattern.matches("ZZ_Web-02-201909250241"));
/// assert!(!pattern.matches("zz_web-04-201909250241"));
/// # Ok::<(), rotation_core::like::LikeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikePattern {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// One character, already case-folded.
    Literal(char),
    /// `?`
    AnyOne,
    /// `*`
    AnyRun,
    /// `[...]`: inclusive, case-folded ranges (a single character is a range of one).
    Set(Vec<(char, char)>),
}

impl Token {
    /// Whether this single-character token accepts `c` (already case-folded).
    fn accepts(&self, c: char) -> bool {
        match self {
            Token::Literal(literal) => *literal == c,
            Token::AnyOne => true,
            Token::AnyRun => false,
            Token::Set(ranges) => ranges.iter().any(|(low, high)| (*low..=*high).contains(&c)),
        }
    }
}

/// A pattern PowerShell itself rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LikeError {
    /// A `[` without its `]`.
    #[error(
        "wildcard pattern \"{pattern}\" has a '[' without a ']': PowerShell rejects it, so -like matches nothing"
    )]
    UnclosedBracket {
        /// The rejected pattern.
        pattern: String,
    },
}

impl LikePattern {
    /// Compiles `pattern`.
    ///
    /// # Errors
    /// [`LikeError::UnclosedBracket`] when a `[` is never closed.
    pub fn new(pattern: &str) -> Result<LikePattern, LikeError> {
        let mut chars = pattern.chars();
        let mut tokens = Vec::new();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Token::AnyRun,
                '?' => Token::AnyOne,
                '`' => Token::Literal(fold(chars.next().unwrap_or('`'))),
                '[' => Token::Set(bracket_set(&mut chars).ok_or_else(|| {
                    LikeError::UnclosedBracket {
                        pattern: pattern.to_owned(),
                    }
                })?),
                other => Token::Literal(fold(other)),
            });
        }
        Ok(LikePattern { tokens })
    }

    /// Whether `text` matches the whole pattern, ignoring case.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().map(fold).collect();
        let tokens = &self.tokens;
        let (mut t, mut p) = (0, 0);
        // Where the last `*` was seen, and the text position it currently stops at.
        let mut last_star: Option<(usize, usize)> = None;
        while t < text.len() {
            match tokens.get(p) {
                Some(Token::AnyRun) => {
                    last_star = Some((p, t));
                    p += 1;
                }
                Some(token) if token.accepts(text[t]) => {
                    t += 1;
                    p += 1;
                }
                _ => match last_star {
                    Some((star, stop)) => {
                        last_star = Some((star, stop + 1));
                        p = star + 1;
                        t = stop + 1;
                    }
                    None => return false,
                },
            }
        }
        tokens[p..].iter().all(|token| *token == Token::AnyRun)
    }
}

/// `text -like pattern` as the script evaluates it inside `Where-Object`: a pattern PowerShell
/// rejects matches nothing.
///
/// ```
/// use rotation_core::like::like;
///
/// assert!(like("zz_web2-01-201909250241", "zz_web*"));
/// assert!(!like("zz_web-01-201909250241", "zz_web[-01*"));
/// ```
pub fn like(text: &str, pattern: &str) -> bool {
    LikePattern::new(pattern).is_ok_and(|compiled| compiled.matches(text))
}

/// Reads a bracket set after its `[` up to and including its `]`; `None` if it never closes.
fn bracket_set(chars: &mut std::str::Chars<'_>) -> Option<Vec<(char, char)>> {
    let mut members = Vec::new();
    loop {
        let c = match chars.next()? {
            ']' => break,
            '`' => chars.next()?,
            c => c,
        };
        let mut lookahead = chars.clone();
        match (lookahead.next(), lookahead.next()) {
            (Some('-'), Some(high)) if high != ']' => {
                *chars = lookahead;
                members.push((fold(c), fold(high)));
            }
            _ => members.push((fold(c), fold(c))),
        }
    }
    Some(members)
}

/// Case-folds one character (characters whose lowercase is several characters stay as they are).
fn fold(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question_mark() {
        assert!(like("avocado2", "avocado*"));
        assert!(like("avocado", "avocado*"));
        assert!(like("abc", "a?c"));
        assert!(!like("ac", "a?c"));
        assert!(like("zz_a-01-x-01-y", "*-01*y"));
        assert!(!like("abcd", "a*c"));
        assert!(like("", "*"));
        assert!(!like("", "?"));
    }

    #[test]
    fn sets_and_ranges() {
        assert!(like("db1", "db[123]"));
        assert!(!like("db4", "db[123]"));
        assert!(like("db7", "db[0-9]"));
        assert!(!like("db[1]", "db[1]"));
        assert!(like("a-", "a[x-]"));
        assert!(!like("db1", "db[]"));
    }

    #[test]
    fn ignores_case_in_literals_and_ranges() {
        assert!(like("ZZ_WEB-01", "zz_web-01"));
        assert!(like("Q", "[a-z]"));
        assert!(like("q", "[A-Z]"));
    }

    #[test]
    fn backtick_escapes_wildcards() {
        assert!(like("db[1]", "db`[1`]"));
        assert!(!like("db1", "db`[1`]"));
        assert!(like("a*b", "a`*b"));
        assert!(!like("axb", "a`*b"));
        assert!(like("x`", "x`"));
    }

    #[test]
    fn unclosed_bracket_is_rejected_and_matches_nothing() {
        assert!(matches!(
            LikePattern::new("zz_db[1-01*"),
            Err(LikeError::UnclosedBracket { .. })
        ));
        assert!(!like("zz_db[1-01-201909250241", "zz_db[1-01*"));
    }
}

//! What the reports may repeat of a client's own output: its tail, with the job's secret and
//! anything shaped like a JWT (an access token) replaced, so a report never carries a credential
//! even when the client printed one (the credential-hygiene check still sees the original).

/// The last `max` bytes of `text`, starting on a character boundary, with a note when cut.
pub(crate) fn tail(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("[… {} earlier bytes not kept]\n{}", start, &text[start..])
}

/// `text` with `secret` (when not empty) and every JWT-looking word replaced by `[redacted]`.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    let text = if secret.is_empty() { text.to_owned() } else { text.replace(secret, "[redacted]") };
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("eyJ") {
        out.push_str(&rest[..at]);
        let word_len = rest[at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(rest.len() - at);
        let word = &rest[at..at + word_len];
        if word.matches('.').count() >= 2 {
            out.push_str("[redacted]")
        } else {
            out.push_str(word)
        }
        rest = &rest[at + word_len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_tokens_are_redacted_the_rest_kept() {
        let text = "secret harness-s3cret; Bearer eyJhbGciOi.eyJzdWIi.sig9_- ok; eyJ alone";
        assert_eq!(redact(text, "harness-s3cret"), "secret [redacted]; Bearer [redacted] ok; eyJ alone");
    }

    #[test]
    fn the_tail_keeps_the_end_on_a_char_boundary() {
        assert_eq!(tail("short", 10), "short");
        let cut = tail("ééééé", 3);
        assert!(cut.ends_with('é') && cut.starts_with("[… "), "{cut}");
    }
}

//! Renderings of a rehearsal's [`Report`](crate::verdict::Report) for its four readers: the
//! developer at a terminal, a script (JSON Lines, one object per check then a summary, as
//! ripgrep's `--json` does), a CI server's test tab (JUnit XML as GitLab, GitHub and Jenkins read
//! it) and a reviewer who opens one self-contained HTML file offline.
//!
//! # Layout
//! - [`terminal()`]: the table printed after a run; colors only when the caller says stdout is a tty.
//! - [`failures_only()`]: only the failed checks and the totals, for CI logs.
//! - [`json_lines()`]: one JSON object per check, then `{"summary": ..}`.
//! - [`junit()`]: one `<testsuite>` per scenario, one `<testcase>` per check.
//! - [`html()`]: the run's header, the failures first, a scenario table (DSTU2 and R4 side by
//!   side), checks and each scenario's request timeline per tenant, drawn by [`timeline_svg()`]
//!   (bucketed past [`svg::MARK_LIMIT`] requests) and listed in tables, and the client's output;
//!   page-wide budgets keep any report under 3 MB.
//! - `rates`: per tenant, peak req/s, most in flight, requests per appointment and 429s beside the
//!   limits, and the `--fleet` projection, in each rendering ([`rates_block`] on the terminal).
//! - [`LiveTable`]: the terminal table row by row, as scenarios finish.
//!
//! Every renderer is a pure function returning a `String`: the CLI decides where it goes, and tests
//! read it without touching the disk. The helpers below are what more than one rendering shares.

mod html;
mod json;
mod junit;
mod rates;
mod svg;
mod terminal;

#[cfg(test)]
mod sample;
#[cfg(test)]
mod xml_check;

pub use html::html;
pub use json::json_lines;
pub use junit::junit;
pub use rates::rates_block;
pub use svg::{timeline_svg, timeline_svg_within};
pub use terminal::{LiveTable, failures_only, terminal, terminal_within, totals_line};

use crate::verdict::ScenarioResult;

/// Escapes text for XML and HTML alike, in element content and in quoted attributes, after
/// [`without_controls`]: XML 1.0 has no character reference for a control character, and one of
/// them in a client's log would make a CI server reject the whole JUnit file.
pub(crate) fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in without_controls(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Folds text onto one line of at most `max` characters, for a table cell: whitespace runs become
/// one space, control characters go (an escape copied from a client's log would otherwise repaint
/// the reader's terminal) and a cut is marked with `…`.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let line = without_controls(text).split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        return line;
    }
    let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Drops control characters other than tab, newline and carriage return, and the non-characters
/// U+FFFE/U+FFFF that XML forbids. An ANSI sequence (`ESC [ 31 m`) goes whole, not only its ESC:
/// a client that logs in color would otherwise leave `[31m` litter in the evidence.
fn without_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.next_if_eq(&'[').is_some() {
            // Parameter and intermediate bytes, then one final byte.
            while chars.next_if(|p| ('\u{20}'..='\u{3f}').contains(p)).is_some() {}
            chars.next_if(|f| ('\u{40}'..='\u{7e}').contains(f));
        } else if matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}') {
            out.push(c);
        }
    }
    out
}

/// What a scenario's row says in at most `max` characters: the first failing check with its
/// evidence (what a reader must see first), how many more failed, or else how many checks passed.
pub(crate) fn headline(scenario: &ScenarioResult, max: usize) -> String {
    let mut failed = scenario.checks.iter().filter(|c| !c.verdict.passed());
    let Some(first) = failed.next() else {
        return match scenario.checks.len() {
            0 => "no checks ran".to_owned(),
            n => format!("{} passed", plural(n, "check")),
        };
    };
    let more = failed.count();
    let tail = if more > 0 { format!(" (+{more} more failed)") } else { String::new() };
    let room = max.saturating_sub(tail.chars().count());
    format!("{}{tail}", one_line(&format!("{}: {}", first.check, first.verdict.evidence()), room))
}

/// `1 check`, `2 checks`: totals read as sentences.
pub(crate) fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// Milliseconds as a person reads them: `850 ms`, `12.3 s`.
pub(crate) fn human_duration(ms: u64) -> String {
    if ms < 1000 { format!("{ms} ms") } else { format!("{}.{} s", ms / 1000, ms % 1000 / 100) }
}

/// Milliseconds as the decimal seconds of JUnit's `time` attributes: `1.234`.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_drops_control_characters() {
        let escaped = escape_markup("a<b>&\"c\" 'd'\u{1b}[0m\u{7}\t\n\r");
        assert_eq!(escaped, "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39;\t\n\r");
    }

    #[test]
    fn one_line_folds_whitespace_drops_controls_and_marks_a_cut() {
        assert_eq!(one_line("a\n  b\t\u{1b}c \u{1b}[1;31mred\u{1b}[0m", 80), "a b c red");
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(one_line("abcd", 4), "abcd");
    }

    #[test]
    fn headline_shows_the_first_failure_and_counts_the_rest() {
        let report = sample::report();
        assert_eq!(headline(&report.scenarios[0], 80), "2 checks passed");
        let failing = headline(&report.scenarios[1], 200);
        assert!(failing.starts_with("token reused & cached: journal #7"), "{failing}");
        assert!(failing.ends_with(" (+1 more failed)"), "{failing}");
        assert!(headline(&report.scenarios[1], 30).chars().count() <= 30);
    }

    #[test]
    fn durations_read_as_milliseconds_or_seconds() {
        assert_eq!(human_duration(850), "850 ms");
        assert_eq!(human_duration(12_345), "12.3 s");
        assert_eq!(seconds(1_234), "1.234");
        assert_eq!(seconds(5), "0.005");
    }
}

//! The `cerner-harness` binary's terminal manners (declared by `main.rs`, not part of the
//! library): stdout that may be closed early (`cerner-harness list | head -1`), colors by
//! `--color` and `NO_COLOR` (no-color.org), and the terminal's width for the table.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout refused a write: nothing more is printed, and the program ends with the exit
/// code it would have had.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Prints `text` on stdout; a closed stdout (EPIPE) or any other write error silences stdout for
/// the rest of the run instead of panicking as `println!` would.
pub(crate) fn out(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// `out` with a line end.
pub(crate) fn line(text: &str) {
    out(&format!("{text}\n"));
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colors when the stream is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color a stream that is (or is not) a terminal, given `NO_COLOR`'s value.
    pub(crate) fn colors(self, is_terminal: bool, no_color: Option<&str>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(str::is_empty),
        }
    }

    pub(crate) fn stdout(self) -> bool {
        self.colors(std::io::stdout().is_terminal(), std::env::var("NO_COLOR").ok().as_deref())
    }

    pub(crate) fn stderr(self) -> bool {
        self.colors(std::io::stderr().is_terminal(), std::env::var("NO_COLOR").ok().as_deref())
    }
}

/// The width the table must fit: `COLUMNS` when set, else the terminal's (when stdout is one),
/// else none (a file or a pipe takes the table at its natural width).
pub(crate) fn width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok()) {
        return Some(columns).filter(|c| *c > 0);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_columns()
}

/// The controlling terminal's columns, as `stty size` reads them from `/dev/tty`.
fn terminal_columns() -> Option<usize> {
    let tty = std::fs::File::open("/dev/tty").ok()?;
    let output =
        std::process::Command::new("stty").arg("size").stdin(tty).stderr(std::process::Stdio::null()).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    text.split_whitespace().nth(1)?.parse::<usize>().ok().filter(|c| *c > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_turns_auto_off_but_not_always() {
        assert!(ColorChoice::Auto.colors(true, None));
        assert!(ColorChoice::Auto.colors(true, Some("")));
        assert!(!ColorChoice::Auto.colors(true, Some("1")));
        assert!(!ColorChoice::Auto.colors(false, None));
        assert!(ColorChoice::Always.colors(false, Some("1")));
        assert!(!ColorChoice::Never.colors(true, None));
    }
}

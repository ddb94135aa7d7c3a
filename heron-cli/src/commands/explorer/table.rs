//! Text tables in the layout of Heron's explorer (Python `tabulate`'s default "simple" format:
//! a header, a dashed rule per column, columns two spaces apart, numbers right-aligned), with
//! optional ANSI colour, plus the small text helpers the views share.

use serde::Serialize;

/// How a cell is shown when colour is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// No colour.
    Plain,
    /// Green: ok, running.
    Good,
    /// Yellow: waiting, paused, informational.
    Warn,
    /// Red: missing, broken.
    Bad,
    /// Grey: not known here.
    Dim,
}

impl Tone {
    fn code(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Good => Some("32"),
            Tone::Warn => Some("33"),
            Tone::Bad => Some("31"),
            Tone::Dim => Some("2"),
        }
    }
}

/// `text` in `tone` when `colour`.
pub fn paint(text: &str, tone: Tone, colour: bool) -> String {
    match tone.code() {
        Some(code) if colour => format!("\u{1b}[{code}m{text}\u{1b}[0m"),
        _ => text.to_string(),
    }
}

/// One cell: its text and its tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// What is shown.
    pub text: String,
    /// Its colour, when colour is on.
    pub tone: Tone,
}

impl Cell {
    /// A cell in a tone.
    pub fn toned(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::toned(text, Tone::Plain)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::toned(text, Tone::Plain)
    }
}

fn numeric(text: &str) -> bool {
    !text.is_empty() && text.parse::<f64>().is_ok()
}

/// Renders `rows` under `headers`. A column of numbers (`-` for missing ones) is right-aligned,
/// as `tabulate` does. Lines end without trailing spaces; the table ends with a newline.
pub fn render(headers: &[&str], rows: &[Vec<Cell>], colour: bool) -> String {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    // Right-aligned: at least one number, and nothing but numbers and `-`.
    let mut numbers = vec![false; columns];
    let mut others = vec![false; columns];
    for row in rows {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.text.chars().count());
            if numeric(&cell.text) {
                numbers[i] = true;
            } else if cell.text != "-" {
                others[i] = true;
            }
        }
    }
    let right: Vec<bool> = (0..columns).map(|i| numbers[i] && !others[i]).collect();
    let pad = |text: &str, i: usize| {
        let fill = widths[i].saturating_sub(text.chars().count());
        if right[i] {
            format!("{}{text}", " ".repeat(fill))
        } else {
            format!("{text}{}", " ".repeat(fill))
        }
    };
    let mut out = String::new();
    let line = |cells: Vec<String>| cells.join("  ").trim_end().to_string() + "\n";
    out.push_str(&line(
        headers.iter().enumerate().map(|(i, h)| pad(h, i)).collect(),
    ));
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for row in rows {
        let cells = (0..columns)
            .map(|i| {
                let cell = row.get(i).cloned().unwrap_or_else(|| Cell::from("-"));
                paint(&pad(&cell.text, i), cell.tone, colour)
            })
            .collect();
        out.push_str(&line(cells));
    }
    out
}

/// `text`, or `-` when empty (Heron's explorer marks a missing value with `-`).
pub fn or_dash(text: Option<impl ToString>) -> String {
    text.map(|t| t.to_string())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "-".to_string())
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS` in UTC (ExecutionState's submission time).
pub fn utc_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Prints a view: `doc` as one JSON document, or `text` as it is.
pub fn emit<T: Serialize>(json: bool, doc: &T, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let written = if json {
        serde_json::to_string_pretty(doc)
            .map_err(anyhow::Error::from)
            .and_then(|t| Ok(writeln!(stdout, "{t}")?))
    } else {
        write!(stdout, "{text}").map_err(anyhow::Error::from)
    };
    match written {
        // A reader that went away (`| head`) is not our failure.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabulate_simple_layout() {
        let rows = vec![
            vec![Cell::from("spout"), Cell::from("word"), Cell::from("2")],
            vec![Cell::from("bolt"), Cell::from("count"), Cell::from("12")],
        ];
        assert_eq!(
            render(&["type", "name", "parallelism"], &rows, false),
            concat!(
                "type   name   parallelism\n",
                "-----  -----  -----------\n",
                "spout  word             2\n",
                "bolt   count           12\n",
            )
        );
        let painted = render(&["a"], &[vec![Cell::toned("ok", Tone::Good)]], true);
        assert!(painted.contains("\u{1b}[32mok\u{1b}[0m"), "{painted:?}");
        assert_eq!(render(&["a", "b"], &[], false), "a  b\n-  -\n");
    }

    #[test]
    fn utc_times() {
        assert_eq!(utc_time(0), "1970-01-01 00:00:00");
        assert_eq!(utc_time(1_764_000_000), "2025-11-24 16:00:00");
        assert_eq!(utc_time(951_825_600), "2000-02-29 12:00:00");
    }
}

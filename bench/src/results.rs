//! Measured figures: medians, one JSON line per figure in the results file, and the
//! table printed at the end of a run.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One row of the results table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// Name of the measured quantity, such as `host start to first reply`.
    pub name: String,
    /// The median (or the single reading, for sizes and counts), as printed.
    pub value: String,
    /// The baseline measured in the same run, as printed, or `-`.
    pub baseline: String,
    /// `value / baseline` where both are times or sizes.
    pub ratio: Option<f64>,
    pub target: String,
    /// Whether the target was met; `None` when the figure has no target.
    pub met: Option<bool>,
    /// Sample counts and anything else a reader needs to trust the row.
    pub note: String,
}

impl Figure {
    /// Appends the figure to the results file and prints it as it is measured.
    pub fn record(&self, results: &Path) -> std::io::Result<()> {
        eprintln!("jira-bridge-bench: {}: {} (baseline {}) {}", self.name, self.value, self.baseline, self.note);
        let mut line = serde_json::to_string(self).map_err(std::io::Error::other)?;
        line.push('\n');
        OpenOptions::new().create(true).append(true).open(results)?.write_all(line.as_bytes())
    }
}

/// Returns the median of the samples (the mean of the two middle ones for an even count).
pub fn median(samples: &[Duration]) -> Duration {
    assert!(!samples.is_empty(), "a median needs at least one sample");
    let mut sorted = samples.to_vec();
    sorted.sort();
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// Formats a duration in the unit that keeps three significant digits readable.
pub fn format_duration(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.1} µs")
    } else {
        format!("{:.2} ms", micros / 1000.0)
    }
}

/// Returns `value / baseline`.
pub fn ratio(value: Duration, baseline: Duration) -> f64 {
    value.as_secs_f64() / baseline.as_secs_f64()
}

/// Prints the results file as a table with MISSED beside each missed target.
pub fn print_table(results: &Path) -> std::io::Result<()> {
    let text = std::fs::read_to_string(results)?;
    let figures: Vec<Figure> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).map_err(std::io::Error::other))
        .collect::<Result<_, _>>()?;

    let header = ["figure", "median", "baseline (same run)", "ratio", "target", "result"];
    let rows: Vec<[String; 6]> = figures
        .iter()
        .map(|figure| {
            [
                figure.name.clone(),
                figure.value.clone(),
                figure.baseline.clone(),
                figure.ratio.map(|ratio| format!("{ratio:.2}x")).unwrap_or_else(|| "-".into()),
                figure.target.clone(),
                match figure.met {
                    Some(true) => "ok".into(),
                    Some(false) => "MISSED".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();

    let mut widths = header.map(|title| title.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        format!("| {} |", padded.join(" | "))
    };

    println!("{}", line(&header.map(String::from)));
    println!("|{}|", widths.map(|width| "-".repeat(width + 2)).join("|"));
    for row in &rows {
        println!("{}", line(row));
    }
    println!();
    for figure in &figures {
        if !figure.note.is_empty() {
            println!("- {}: {}", figure.name, figure.note);
        }
    }
    Ok(())
}

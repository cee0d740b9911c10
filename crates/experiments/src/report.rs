//! What a figure reports: `summary.json` (flat numbers), `report.md` (ours
//! beside the paper's) and the list of files it wrote.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

/// Flat `snake_case` key -> value map, written as `summary.json`. Keys are
/// documented in `docs/results-format.md`; accuracies are in percent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Summary(pub BTreeMap<String, Value>);

impl Summary {
    /// Sets a number; non-finite numbers are written as `null`.
    pub fn num(&mut self, key: &str, value: f64) {
        let v = serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.0.insert(key.to_owned(), v);
    }

    /// Sets an integer.
    pub fn int(&mut self, key: &str, value: u64) {
        self.0.insert(key.to_owned(), Value::from(value));
    }

    /// Sets a string.
    pub fn text(&mut self, key: &str, value: &str) {
        self.0.insert(key.to_owned(), Value::from(value));
    }

    /// A number, if present.
    pub fn get_f64(&self, key: &str) -> Option<f64> {
        self.0.get(key).and_then(Value::as_f64)
    }
}

/// One row of a report table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// What is compared.
    pub quantity: String,
    /// Our number, formatted.
    pub ours: String,
    /// The paper's number, formatted (or "-").
    pub paper: String,
    /// One sentence on the difference.
    pub comment: String,
}

impl Row {
    /// A row.
    pub fn new(quantity: &str, ours: String, paper: &str, comment: &str) -> Self {
        Row {
            quantity: quantity.to_owned(),
            ours,
            paper: paper.to_owned(),
            comment: comment.to_owned(),
        }
    }
}

/// The human-readable report of one figure.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    /// Title, e.g. "Fig. 2: N-MNIST classification".
    pub title: String,
    /// Where the data came from, in words.
    pub data_source: String,
    /// The comparison table.
    pub rows: Vec<Row>,
    /// Paragraphs after the table (what differs and why).
    pub notes: Vec<String>,
    /// Figures: (caption, file name of the PNG).
    pub figures: Vec<(String, String)>,
}

impl Report {
    /// Renders the report as Markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "# {}\n", self.title);
        let _ = writeln!(s, "Data source: {}.\n", self.data_source);
        if !self.rows.is_empty() {
            s.push_str(
                "| quantity | ours | paper | data source | difference |\n|---|---|---|---|---|\n",
            );
            for r in &self.rows {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} |",
                    cell(&r.quantity),
                    cell(&r.ours),
                    cell(&r.paper),
                    cell(&self.data_source_short()),
                    cell(&r.comment)
                );
            }
            s.push('\n');
        }
        for n in &self.notes {
            let _ = writeln!(s, "{n}\n");
        }
        for (caption, file) in &self.figures {
            let _ = writeln!(s, "![{caption}]({file})\n\n*{caption}*\n");
        }
        s
    }

    fn data_source_short(&self) -> String {
        self.data_source
            .split([',', '('])
            .next()
            .unwrap_or("")
            .trim()
            .to_owned()
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Formats a percentage with two decimals.
pub fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2} %")
    } else {
        "-".to_owned()
    }
}

/// `Some Name-2` -> `some_name_2`, for summary keys.
pub fn snake(name: &str) -> String {
    let mut s: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    s.trim_matches('_').to_owned()
}

/// A count in words: `5.12 M`, `13.2 K`, `640`.
pub fn count(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} K", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// A compact tick or value label: at most four significant digits,
/// trailing zeros dropped, scientific notation outside `[1e-3, 1e5)`.
pub fn format_tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let a = v.abs();
    if a < 1e-12 {
        return "0".to_owned();
    }
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.2e}");
        return match s.split_once('e') {
            Some((m, e)) => format!("{}e{e}", trim_zeros(m)),
            None => s,
        };
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    trim_zeros(&format!("{v:.decimals$}"))
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_flat_sorted_json_with_nulls_for_nan() {
        let mut s = Summary::default();
        s.num("b_acc", 89.5);
        s.int("a_count", 3);
        s.num("c_nan", f64::NAN);
        s.text("d_source", "synthetic");
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            r#"{"a_count":3,"b_acc":89.5,"c_nan":null,"d_source":"synthetic"}"#
        );
        assert_eq!(s.get_f64("b_acc"), Some(89.5));
    }

    #[test]
    fn markdown_table_escapes_cells() {
        let r = Report {
            title: "Fig. X".into(),
            data_source: "synthetic (built-in digits), 100 per class".into(),
            rows: vec![Row::new("acc | sw", pct(90.0), "89.11 %", "close")],
            notes: vec!["A note.".into()],
            figures: vec![("Confusion".into(), "confusion.png".into())],
        };
        let md = r.markdown();
        assert!(
            md.contains("| acc \\| sw | 90.00 % | 89.11 % | synthetic | close |"),
            "{md}"
        );
        assert!(md.contains("![Confusion](confusion.png)"));
    }
}

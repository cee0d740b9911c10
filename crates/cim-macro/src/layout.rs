//! Partition layouts: named regions of rows and differential column pairs,
//! read from TOML.
//!
//! A partition is a list of row segments (physical row ranges; the
//! partition's logical row `i` is the `i`-th row of the concatenated
//! segments) and a list of column pairs (plus, minus). Partitions may share
//! rows and columns with each other (the paper's two groups share array
//! area); within one partition every row and every column appears once.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, ensure};

/// The paper's layout, embedded from `layouts/paper.toml`.
pub const PAPER_LAYOUT_TOML: &str = include_str!("../layouts/paper.toml");

/// A set of named partitions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// The partitions, in file order (`[[partition]]` tables).
    #[serde(rename = "partition", default)]
    pub partitions: Vec<PartitionSpec>,
}

impl Default for Layout {
    /// The paper's layout ([`Layout::paper`]).
    fn default() -> Self {
        Layout::paper()
    }
}

impl Layout {
    /// The paper's layout on the 512 x 512 array: `nmnist` (256 image input
    /// rows + 200 recurrent rows), `ntidigits` (64 audio input rows, the
    /// same physical rows as the first 64 image inputs, + the same 200
    /// recurrent rows) and `zeroshot` (one reservoir taking both modalities:
    /// the `nmnist` rows, audio channels on its first 64 inputs); all three
    /// read the same 200 interleaved column pairs (columns 0-399).
    pub fn paper() -> Layout {
        // The embedded file is parsed and validated by the unit test
        // `paper_layout_parses_and_matches_the_paper`, so this cannot fail
        // in a tested build.
        Layout::from_toml_str(PAPER_LAYOUT_TOML, "layouts/paper.toml")
            .expect("the embedded paper layout parses (unit-tested)")
    }

    /// Parses a layout from TOML text; `file` names the source in errors.
    /// Only the syntax is checked here; [`Layout::resolve`] checks the
    /// partitions against an array.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Layout> {
        toml::from_str(text).map_err(|e| Error::Layout {
            file: file.to_owned(),
            message: e.to_string(),
        })
    }

    /// Reads a layout file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Layout> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            file: path.display().to_string(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Checks every partition against a `rows x cols` array and returns the
    /// partitions with physical row and column indices spelled out.
    pub fn resolve(&self, rows: u32, cols: u32) -> Result<Vec<PartitionLayout>> {
        ensure(
            !self.partitions.is_empty(),
            "layout.partition",
            "[]",
            "at least one partition",
        )?;
        let mut names = HashSet::new();
        let mut out = Vec::with_capacity(self.partitions.len());
        for (k, p) in self.partitions.iter().enumerate() {
            let at = format!("layout.partition[{k}]");
            ensure(
                !p.name.trim().is_empty(),
                &format!("{at}.name"),
                format!("{:?}", p.name),
                "a non-empty name",
            )?;
            ensure(
                names.insert(p.name.as_str()),
                &format!("{at}.name"),
                format!("{:?}", p.name),
                "unique among the partitions",
            )?;
            out.push(p.resolve(&at, rows, cols)?);
        }
        Ok(out)
    }
}

/// One partition as written in the layout file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    /// The name a caller asks for (`macro.partition("nmnist")`).
    pub name: String,
    /// Free text for people.
    #[serde(default)]
    pub description: String,
    /// Row segments, concatenated in order into the partition's rows.
    pub rows: Vec<RowSegment>,
    /// The differential column pairs (the partition's outputs).
    pub columns: ColumnSpec,
}

/// A run of physical rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowSegment {
    /// First physical row.
    pub start: u32,
    /// Number of rows.
    pub count: u32,
    /// Free text for people (e.g. `"image inputs"`).
    #[serde(default)]
    pub label: String,
}

/// Where the plus and minus columns of the pairs are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arrangement", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ColumnSpec {
    /// Pair `j` is (plus, minus) = (`start + 2j`, `start + 2j + 1`).
    Interleaved {
        /// First physical column.
        start: u32,
        /// Number of pairs.
        pairs: u32,
    },
    /// Pair `j` is (`start + j`, `start + pairs + j`): a block of plus
    /// columns, then a block of minus columns.
    Blocks {
        /// First physical column.
        start: u32,
        /// Number of pairs.
        pairs: u32,
    },
    /// Pairs given one by one as `[plus, minus]`.
    Explicit {
        /// The pairs.
        pairs: Vec<[u32; 2]>,
    },
}

impl ColumnSpec {
    /// The pairs, spelled out (`u64` so overflowing specs stay detectable).
    fn pairs(&self) -> Vec<[u64; 2]> {
        match self {
            ColumnSpec::Interleaved { start, pairs } => (0..u64::from(*pairs))
                .map(|j| [u64::from(*start) + 2 * j, u64::from(*start) + 2 * j + 1])
                .collect(),
            ColumnSpec::Blocks { start, pairs } => (0..u64::from(*pairs))
                .map(|j| {
                    [
                        u64::from(*start) + j,
                        u64::from(*start) + u64::from(*pairs) + j,
                    ]
                })
                .collect(),
            ColumnSpec::Explicit { pairs } => pairs
                .iter()
                .map(|[p, m]| [u64::from(*p), u64::from(*m)])
                .collect(),
        }
    }
}

impl PartitionSpec {
    fn resolve(&self, at: &str, rows: u32, cols: u32) -> Result<PartitionLayout> {
        ensure(
            !self.rows.is_empty(),
            &format!("{at}.rows"),
            "[]",
            "at least one row segment",
        )?;
        let mut phys_rows = Vec::new();
        let mut seen = HashSet::new();
        for (s, seg) in self.rows.iter().enumerate() {
            let f = format!("{at}.rows[{s}]");
            ensure(seg.count >= 1, &format!("{f}.count"), seg.count, ">= 1")?;
            let end = u64::from(seg.start) + u64::from(seg.count);
            ensure(
                end <= u64::from(rows),
                &format!("{f}.start"),
                format!("{} (+ count {})", seg.start, seg.count),
                &format!("start + count <= array.rows = {rows}"),
            )?;
            for r in seg.start..seg.start + seg.count {
                ensure(
                    seen.insert(r),
                    &format!("{f}.start"),
                    seg.start,
                    &format!("segments that do not repeat a row (row {r} appears twice)"),
                )?;
                phys_rows.push(r);
            }
        }
        let pairs = self.columns.pairs();
        let f = format!("{at}.columns");
        ensure(
            !pairs.is_empty(),
            &f,
            "no pairs",
            "at least one column pair",
        )?;
        let mut used = HashSet::new();
        let (mut plus, mut minus) = (Vec::new(), Vec::new());
        for (j, [p, m]) in pairs.iter().enumerate() {
            for c in [*p, *m] {
                ensure(
                    c < u64::from(cols),
                    &format!("{f} pair {j}"),
                    format!("[{p}, {m}]"),
                    &format!("columns < array.cols = {cols}"),
                )?;
                ensure(
                    used.insert(c),
                    &format!("{f} pair {j}"),
                    format!("[{p}, {m}]"),
                    &format!("pairs that use each column once (column {c} is used twice)"),
                )?;
            }
            // Both fit in u32: they are below `cols`.
            plus.push(*p as u32);
            minus.push(*m as u32);
        }
        Ok(PartitionLayout {
            name: self.name.clone(),
            rows: phys_rows,
            plus,
            minus,
        })
    }
}

/// A checked partition with its physical indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionLayout {
    /// The name.
    pub name: String,
    /// Physical row of each logical row.
    pub rows: Vec<u32>,
    /// Physical plus column of each pair.
    pub plus: Vec<u32>,
    /// Physical minus column of each pair.
    pub minus: Vec<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_layout_parses_and_matches_the_paper() {
        let layout = Layout::from_toml_str(PAPER_LAYOUT_TOML, "paper").unwrap();
        let parts = layout.resolve(512, 512).unwrap();
        let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["nmnist", "ntidigits", "zeroshot"]);
        let (nm, nt, zs) = (&parts[0], &parts[1], &parts[2]);
        assert_eq!(nm.rows.len(), 256 + 200);
        assert_eq!(nt.rows.len(), 64 + 200);
        for p in &parts {
            assert_eq!(p.plus.len(), 200);
            assert_eq!(p.plus[0], 0);
            assert_eq!(p.minus[0], 1);
            assert_eq!(p.minus[199], 399);
        }
        // Audio inputs overlap the first image inputs; the recurrent block
        // is shared.
        assert_eq!(nt.rows[..64], nm.rows[..64]);
        assert_eq!(nt.rows[64..], nm.rows[256..]);
        assert_eq!(
            zs,
            &PartitionLayout {
                name: "zeroshot".into(),
                ..nm.clone()
            }
        );
        assert_eq!(Layout::paper(), layout);
    }

    fn one(rows: &str, columns: &str) -> Result<Vec<PartitionLayout>> {
        let text = format!("[[partition]]\nname = \"p\"\nrows = {rows}\ncolumns = {columns}\n");
        Layout::from_toml_str(&text, "t")?.resolve(8, 8)
    }

    fn field_of(r: Result<Vec<PartitionLayout>>) -> String {
        match r {
            Err(Error::InvalidParameter(param_guard::ParamError { field, .. })) => field,
            other => panic!("expected an invalid parameter, got {other:?}"),
        }
    }

    #[test]
    fn arrangements_spell_out_pairs() {
        let p = one(
            "[{ start = 2, count = 3 }]",
            "{ arrangement = \"blocks\", start = 2, pairs = 3 }",
        )
        .unwrap();
        assert_eq!(p[0].rows, [2, 3, 4]);
        assert_eq!(p[0].plus, [2, 3, 4]);
        assert_eq!(p[0].minus, [5, 6, 7]);
        let p = one(
            "[{ start = 7, count = 1 }, { start = 0, count = 1 }]",
            "{ arrangement = \"explicit\", pairs = [[5, 0], [1, 7]] }",
        )
        .unwrap();
        assert_eq!(p[0].rows, [7, 0]);
        assert_eq!(p[0].plus, [5, 1]);
        assert_eq!(p[0].minus, [0, 7]);
    }

    #[test]
    fn bad_partitions_are_named() {
        let cols = "{ arrangement = \"interleaved\", start = 0, pairs = 4 }";
        assert_eq!(
            field_of(one("[{ start = 6, count = 3 }]", cols)),
            "layout.partition[0].rows[0].start"
        );
        assert_eq!(
            field_of(one("[{ start = 0, count = 0 }]", cols)),
            "layout.partition[0].rows[0].count"
        );
        assert_eq!(
            field_of(one(
                "[{ start = 0, count = 3 }, { start = 2, count = 1 }]",
                cols
            )),
            "layout.partition[0].rows[1].start"
        );
        assert_eq!(field_of(one("[]", cols)), "layout.partition[0].rows");
        let rows = "[{ start = 0, count = 2 }]";
        assert_eq!(
            field_of(one(
                rows,
                "{ arrangement = \"interleaved\", start = 1, pairs = 4 }"
            )),
            "layout.partition[0].columns pair 3"
        );
        assert_eq!(
            field_of(one(
                rows,
                "{ arrangement = \"explicit\", pairs = [[0, 1], [2, 1]] }"
            )),
            "layout.partition[0].columns pair 1"
        );
        assert_eq!(
            field_of(one(
                rows,
                "{ arrangement = \"explicit\", pairs = [[3, 3]] }"
            )),
            "layout.partition[0].columns pair 0"
        );
        assert_eq!(
            field_of(one(
                rows,
                "{ arrangement = \"blocks\", start = 0, pairs = 0 }"
            )),
            "layout.partition[0].columns"
        );
        let dup = "[[partition]]\nname = \"a\"\nrows = [{ start = 0, count = 1 }]\ncolumns = { arrangement = \"interleaved\", start = 0, pairs = 1 }\n";
        let text = format!("{dup}{dup}");
        let r = Layout::from_toml_str(&text, "t").unwrap().resolve(8, 8);
        assert_eq!(field_of(r), "layout.partition[1].name");
        let r = Layout { partitions: vec![] }.resolve(8, 8);
        assert_eq!(field_of(r), "layout.partition");
    }

    #[test]
    fn unknown_keys_and_syntax_errors_name_the_file() {
        let text = "[[partition]]\nname = \"a\"\nrow = []\n";
        match Layout::from_toml_str(text, "my.toml") {
            Err(Error::Layout { file, message }) => {
                assert_eq!(file, "my.toml");
                assert!(message.contains("row"), "{message}");
            }
            other => panic!("expected a layout error, got {other:?}"),
        }
    }
}

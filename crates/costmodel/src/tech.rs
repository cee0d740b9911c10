//! Technology tables: energy per operation, each value with its unit and
//! source, loaded from TOML and validated.
//!
//! # File format
//!
//! ```toml
//! [table]
//! name = "digital-40nm"
//! class = "digital"                 # or "analogue"
//! description = "..."
//! base = "other.toml"               # optional: start from another table of
//!                                   # the same class in the same directory
//! # optional: multiplies every energy entry whose `scales` is not false
//! scale = { value = 0.889, unit = "1", source = "..." }
//!
//! [entries.add_fp32]
//! value = 0.9
//! unit = "pJ"
//! source = "Horowitz, ISSCC 2014, 45 nm"
//! scales = true                     # optional, default true
//! ```
//!
//! A table with a `base` inherits the base's entries (and scale); its own
//! entries replace the base's one by one, its own `scale` replaces the base's.
//!
//! Loading checks that every entry the class needs is present, that no
//! unknown entry is present (a typo would otherwise be ignored silently), that
//! every unit is one of [`crate::units::UNITS`] with the right dimension, and
//! that values are finite and in range (energies non-negative, read voltage
//! and time positive, converter resolutions 1-24 bits). Every error names the
//! table and the entry.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::units::{Dimension, accepted_units, parse_unit};

/// Which circuits a table prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableClass {
    /// Digital arithmetic and memory.
    Digital,
    /// The analogue crossbar macro and its converters.
    Analogue,
}

impl fmt::Display for TableClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TableClass::Digital => "digital",
            TableClass::Analogue => "analogue",
        })
    }
}

/// One needed entry of a table class: name, dimension, meaning.
#[derive(Clone, Copy, Debug)]
pub struct EntrySpec {
    /// The entry's key in the file.
    pub name: &'static str,
    /// Its physical dimension.
    pub dimension: Dimension,
    /// What it means, in words.
    pub meaning: &'static str,
}

const fn spec(name: &'static str, dimension: Dimension, meaning: &'static str) -> EntrySpec {
    EntrySpec {
        name,
        dimension,
        meaning,
    }
}

/// The entries a digital table must hold.
pub const DIGITAL_ENTRIES: &[EntrySpec] = &[
    spec(
        "mac_fp32",
        Dimension::Energy,
        "32-bit float multiply-accumulate",
    ),
    spec(
        "mac_fp16",
        Dimension::Energy,
        "16-bit float multiply-accumulate",
    ),
    spec(
        "mac_int8",
        Dimension::Energy,
        "8-bit integer multiply-accumulate",
    ),
    spec(
        "mac_int16",
        Dimension::Energy,
        "16-bit integer multiply-accumulate",
    ),
    spec("add_fp32", Dimension::Energy, "32-bit float addition"),
    spec("add_fp16", Dimension::Energy, "16-bit float addition"),
    spec("add_int", Dimension::Energy, "integer addition (counters)"),
    spec("mul_fp32", Dimension::Energy, "32-bit float multiplication"),
    spec("mul_fp16", Dimension::Energy, "16-bit float multiplication"),
    spec("compare", Dimension::Energy, "comparison (threshold test)"),
    spec(
        "sram_read",
        Dimension::Energy,
        "32-bit read from on-chip SRAM",
    ),
    spec(
        "sram_write",
        Dimension::Energy,
        "32-bit write to on-chip SRAM",
    ),
    spec(
        "dram_read",
        Dimension::Energy,
        "32-bit read from off-chip DRAM",
    ),
    spec(
        "dram_write",
        Dimension::Energy,
        "32-bit write to off-chip DRAM",
    ),
];

/// The entries an analogue (crossbar macro) table must hold.
pub const ANALOGUE_ENTRIES: &[EntrySpec] = &[
    spec("v_read", Dimension::Voltage, "read voltage across a cell"),
    spec("t_read", Dimension::Time, "read pulse width"),
    spec("dac_bits", Dimension::Bits, "DAC resolution"),
    spec(
        "dac_fom",
        Dimension::Energy,
        "DAC figure of merit, energy per conversion step",
    ),
    spec("adc_bits", Dimension::Bits, "ADC resolution"),
    spec(
        "adc_fom",
        Dimension::Energy,
        "ADC Walden figure of merit, energy per conversion step",
    ),
    spec(
        "tia",
        Dimension::Energy,
        "trans-impedance amplifier, energy per activation",
    ),
    spec(
        "row_drive",
        Dimension::Energy,
        "charging one row line to the read voltage",
    ),
    spec(
        "macro_cycle",
        Dimension::Energy,
        "per-read-cycle overhead (multiplexer, shift register, control)",
    ),
];

impl TableClass {
    /// The entries a table of this class must hold.
    pub fn entries(self) -> &'static [EntrySpec] {
        match self {
            TableClass::Digital => DIGITAL_ENTRIES,
            TableClass::Analogue => ANALOGUE_ENTRIES,
        }
    }
}

/// One value of a table, as written and in SI.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The value as written in the file.
    pub value: f64,
    /// The unit as written.
    pub unit: String,
    /// Where the value comes from (a citation, or "fitted to ...").
    pub source: String,
    /// Whether the table's scale applies to this entry (energies only).
    pub scales: bool,
    /// The value in SI units, before the table's scale.
    pub si: f64,
    /// The physical dimension of the unit.
    pub dimension: Dimension,
}

/// A loaded, validated technology table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TechTable {
    /// The table's name.
    pub name: String,
    /// What it prices.
    pub class: TableClass,
    /// Free text from the file.
    pub description: String,
    /// The file it came from (or the name given to an in-memory text), and
    /// the chain of base tables, outermost first.
    pub origin: Vec<String>,
    /// The scale applied to energy entries, if any.
    pub scale: Option<Entry>,
    /// The entries by name.
    pub entries: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    table: RawHeader,
    #[serde(default)]
    entries: BTreeMap<String, RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    class: TableClass,
    #[serde(default)]
    description: String,
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    scale: Option<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    value: f64,
    unit: String,
    source: String,
    #[serde(default = "default_true")]
    scales: bool,
}

fn default_true() -> bool {
    true
}

/// How deep a chain of `base` tables may go.
const MAX_BASE_DEPTH: usize = 4;

impl TechTable {
    /// Loads and validates a table file (following its `base`, relative to
    /// the file's directory).
    pub fn load(path: &Path) -> Result<TechTable> {
        Self::load_depth(path, 0)
    }

    fn load_depth(path: &Path, depth: usize) -> Result<TechTable> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let origin = path.display().to_string();
        let raw = parse_raw(&text, &origin)?;
        let base = match &raw.table.base {
            None => None,
            Some(base) => {
                if depth >= MAX_BASE_DEPTH {
                    return Err(Error::Base {
                        table: origin,
                        message: format!(
                            "base chain deeper than {MAX_BASE_DEPTH} tables (a cycle?)"
                        ),
                    });
                }
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                Some(Self::load_depth(&dir.join(base), depth + 1)?)
            }
        };
        build(raw, origin, base)
    }

    /// Parses and validates a table from text; `origin` names it in errors.
    /// A `base` cannot be followed without a directory: use
    /// [`TechTable::from_toml_str_with_base`] or [`TechTable::load`].
    pub fn from_toml_str(text: &str, origin: &str) -> Result<TechTable> {
        let raw = parse_raw(text, origin)?;
        if raw.table.base.is_some() {
            return Err(Error::Base {
                table: origin.to_owned(),
                message: "has a `base` but was given as text; load it from a file".into(),
            });
        }
        build(raw, origin.to_owned(), None)
    }

    /// Parses and validates a table from text on top of an already loaded
    /// base table (the text's own `base` key, if any, is ignored).
    pub fn from_toml_str_with_base(text: &str, origin: &str, base: TechTable) -> Result<TechTable> {
        let raw = parse_raw(text, origin)?;
        build(raw, origin.to_owned(), Some(base))
    }

    /// The SI value of an entry, with the table's scale applied when the entry
    /// scales. Errors if the entry is missing (cannot happen for a needed
    /// entry of a validated table).
    pub fn si(&self, name: &str) -> Result<f64> {
        let entry = self.entries.get(name).ok_or_else(|| {
            let spec = self.class.entries().iter().find(|s| s.name == name);
            Error::MissingEntry {
                table: self.label(),
                entry: name.to_owned(),
                meaning: spec.map_or("not a known entry", |s| s.meaning).to_owned(),
                unit: spec.map_or("?", |s| s.dimension.si_unit()).to_owned(),
            }
        })?;
        let scale = match (&self.scale, entry.scales) {
            (Some(s), true) => s.si,
            _ => 1.0,
        };
        Ok(entry.si * scale)
    }

    /// The table's label for messages: its file, or its name.
    pub fn label(&self) -> String {
        self.origin
            .first()
            .cloned()
            .unwrap_or_else(|| self.name.clone())
    }
}

fn parse_raw(text: &str, origin: &str) -> Result<RawFile> {
    toml::from_str(text).map_err(|e| Error::Syntax {
        origin: origin.to_owned(),
        message: e.to_string(),
    })
}

fn check_entry(table: &str, name: &str, raw: RawEntry, expected: Dimension) -> Result<Entry> {
    let (dimension, factor) = parse_unit(&raw.unit).ok_or_else(|| Error::UnknownUnit {
        table: table.to_owned(),
        entry: name.to_owned(),
        unit: raw.unit.clone(),
        accepted: accepted_units(),
    })?;
    if dimension != expected {
        return Err(Error::WrongDimension {
            table: table.to_owned(),
            entry: name.to_owned(),
            unit: raw.unit,
            expected: expected.si_unit().to_owned(),
        });
    }
    let invalid = |allowed: &str| Error::InvalidValue {
        table: table.to_owned(),
        entry: name.to_owned(),
        value: raw.value,
        allowed: allowed.to_owned(),
    };
    if !raw.value.is_finite() {
        return Err(invalid("a finite number"));
    }
    match expected {
        Dimension::Energy if raw.value < 0.0 => return Err(invalid("a non-negative energy")),
        Dimension::Voltage | Dimension::Time | Dimension::Conductance if raw.value <= 0.0 => {
            return Err(invalid("positive"));
        }
        Dimension::Dimensionless if raw.value <= 0.0 => {
            return Err(invalid("a positive factor"));
        }
        Dimension::Bits if !(1.0..=24.0).contains(&raw.value) || raw.value.fract() != 0.0 => {
            return Err(invalid("a whole number of bits in 1..=24"));
        }
        _ => {}
    }
    if raw.source.trim().is_empty() {
        return Err(Error::InvalidValue {
            table: table.to_owned(),
            entry: name.to_owned(),
            value: raw.value,
            allowed: "given with a non-empty `source`".to_owned(),
        });
    }
    Ok(Entry {
        si: raw.value * factor,
        value: raw.value,
        unit: raw.unit,
        source: raw.source,
        scales: raw.scales && expected == Dimension::Energy,
        dimension,
    })
}

fn build(raw: RawFile, origin: String, base: Option<TechTable>) -> Result<TechTable> {
    let class = raw.table.class;
    let specs = class.entries();
    let known = || specs.iter().map(|s| s.name).collect::<Vec<_>>().join(", ");
    let (mut entries, mut scale, mut chain) = match base {
        Some(b) => {
            if b.class != class {
                return Err(Error::Base {
                    table: origin,
                    message: format!(
                        "is a `{class}` table but its base {} is `{}`",
                        b.label(),
                        b.class
                    ),
                });
            }
            (b.entries, b.scale, b.origin)
        }
        None => (BTreeMap::new(), None, Vec::new()),
    };
    chain.insert(0, origin.clone());
    for (name, raw_entry) in raw.entries {
        let Some(spec) = specs.iter().find(|s| s.name == name) else {
            return Err(Error::UnknownEntry {
                table: origin,
                entry: name,
                known: known(),
            });
        };
        let entry = check_entry(&origin, &name, raw_entry, spec.dimension)?;
        entries.insert(name, entry);
    }
    if let Some(raw_scale) = raw.table.scale {
        scale = Some(check_entry(
            &origin,
            "table.scale",
            raw_scale,
            Dimension::Dimensionless,
        )?);
    }
    for spec in specs {
        if !entries.contains_key(spec.name) {
            return Err(Error::MissingEntry {
                table: origin,
                entry: spec.name.to_owned(),
                meaning: spec.meaning.to_owned(),
                unit: spec.dimension.si_unit().to_owned(),
            });
        }
    }
    Ok(TechTable {
        name: raw.table.name,
        class,
        description: raw.table.description,
        origin: chain,
        scale,
        entries,
    })
}

fn expect_class(table: &TechTable, class: TableClass) -> Result<()> {
    if table.class == class {
        Ok(())
    } else {
        Err(Error::WrongClass {
            table: table.label(),
            expected: class.to_string(),
            found: table.class.to_string(),
        })
    }
}

/// Energies of digital operations, in joules per operation (scale applied).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigitalTech {
    /// 32-bit float multiply-accumulate.
    pub mac_fp32_j: f64,
    /// 16-bit float multiply-accumulate.
    pub mac_fp16_j: f64,
    /// 8-bit integer multiply-accumulate.
    pub mac_int8_j: f64,
    /// 16-bit integer multiply-accumulate.
    pub mac_int16_j: f64,
    /// 32-bit float addition.
    pub add_fp32_j: f64,
    /// 16-bit float addition.
    pub add_fp16_j: f64,
    /// Integer addition.
    pub add_int_j: f64,
    /// 32-bit float multiplication.
    pub mul_fp32_j: f64,
    /// 16-bit float multiplication.
    pub mul_fp16_j: f64,
    /// Comparison.
    pub compare_j: f64,
    /// 32-bit SRAM read.
    pub sram_read_j: f64,
    /// 32-bit SRAM write.
    pub sram_write_j: f64,
    /// 32-bit DRAM read.
    pub dram_read_j: f64,
    /// 32-bit DRAM write.
    pub dram_write_j: f64,
}

impl DigitalTech {
    /// The typed energies of a validated digital table.
    pub fn from_table(table: &TechTable) -> Result<DigitalTech> {
        expect_class(table, TableClass::Digital)?;
        Ok(DigitalTech {
            mac_fp32_j: table.si("mac_fp32")?,
            mac_fp16_j: table.si("mac_fp16")?,
            mac_int8_j: table.si("mac_int8")?,
            mac_int16_j: table.si("mac_int16")?,
            add_fp32_j: table.si("add_fp32")?,
            add_fp16_j: table.si("add_fp16")?,
            add_int_j: table.si("add_int")?,
            mul_fp32_j: table.si("mul_fp32")?,
            mul_fp16_j: table.si("mul_fp16")?,
            compare_j: table.si("compare")?,
            sram_read_j: table.si("sram_read")?,
            sram_write_j: table.si("sram_write")?,
            dram_read_j: table.si("dram_read")?,
            dram_write_j: table.si("dram_write")?,
        })
    }
}

/// Energies and electrical settings of the analogue macro (scale applied).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalogueTech {
    /// Read voltage across a selected cell, volts.
    pub v_read_v: f64,
    /// Read pulse width, seconds.
    pub t_read_s: f64,
    /// DAC resolution, bits.
    pub dac_bits: u32,
    /// DAC energy per conversion step, joules.
    pub dac_fom_j: f64,
    /// ADC resolution, bits.
    pub adc_bits: u32,
    /// ADC Walden figure of merit, joules per conversion step.
    pub adc_fom_j: f64,
    /// TIA energy per activation, joules.
    pub tia_j: f64,
    /// Energy to drive one row line to the read voltage, joules.
    pub row_drive_j: f64,
    /// Per-read-cycle overhead, joules.
    pub macro_cycle_j: f64,
}

impl AnalogueTech {
    /// The typed values of a validated analogue table.
    pub fn from_table(table: &TechTable) -> Result<AnalogueTech> {
        expect_class(table, TableClass::Analogue)?;
        // Validated as whole numbers in 1..=24, so the casts are exact.
        let bits = |name: &str| -> Result<u32> { Ok(table.si(name)? as u32) };
        Ok(AnalogueTech {
            v_read_v: table.si("v_read")?,
            t_read_s: table.si("t_read")?,
            dac_bits: bits("dac_bits")?,
            dac_fom_j: table.si("dac_fom")?,
            adc_bits: bits("adc_bits")?,
            adc_fom_j: table.si("adc_fom")?,
            tia_j: table.si("tia")?,
            row_drive_j: table.si("row_drive")?,
            macro_cycle_j: table.si("macro_cycle")?,
        })
    }

    /// Energy of one DAC conversion: `dac_fom * 2^dac_bits`.
    pub fn dac_conversion_j(&self) -> f64 {
        self.dac_fom_j * 2f64.powi(self.dac_bits as i32)
    }

    /// Energy of one ADC conversion (Walden): `adc_fom * 2^adc_bits`.
    pub fn adc_conversion_j(&self) -> f64 {
        self.adc_fom_j * 2f64.powi(self.adc_bits as i32)
    }

    /// Energy dissipated in the array by reads whose conductances sum to
    /// `conductance_sum_s`: `V_read^2 * sum(G) * t_read`.
    pub fn array_j(&self, conductance_sum_s: f64) -> f64 {
        self.v_read_v * self.v_read_v * conductance_sum_s * self.t_read_s
    }
}

/// A committed pair of tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableSet {
    /// Values from the literature and stated assumptions
    /// (`digital-40nm.toml`, `rram-40nm.toml`).
    Literature,
    /// The literature tables with one scale each fitted to the paper's totals
    /// (`digital-40nm-paper-fit.toml`, `rram-40nm-paper-fit.toml`).
    PaperFit,
}

impl TableSet {
    /// Both sets.
    pub const ALL: [TableSet; 2] = [TableSet::Literature, TableSet::PaperFit];

    /// File names of the digital and the analogue table.
    pub fn files(self) -> (&'static str, &'static str) {
        match self {
            TableSet::Literature => ("digital-40nm.toml", "rram-40nm.toml"),
            TableSet::PaperFit => ("digital-40nm-paper-fit.toml", "rram-40nm-paper-fit.toml"),
        }
    }

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            TableSet::Literature => "literature",
            TableSet::PaperFit => "paper_fit",
        }
    }
}

/// A digital and an analogue table, loaded and typed: what pricing needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TechTables {
    /// Typed digital energies.
    pub digital: DigitalTech,
    /// Typed analogue values.
    pub analogue: AnalogueTech,
    /// The digital table as loaded (values, units, sources).
    pub digital_table: TechTable,
    /// The analogue table as loaded.
    pub analogue_table: TechTable,
}

impl TechTables {
    /// Builds from two validated tables (checks their classes).
    pub fn new(digital_table: TechTable, analogue_table: TechTable) -> Result<TechTables> {
        Ok(TechTables {
            digital: DigitalTech::from_table(&digital_table)?,
            analogue: AnalogueTech::from_table(&analogue_table)?,
            digital_table,
            analogue_table,
        })
    }

    /// Loads a digital and an analogue table file.
    pub fn load(digital: &Path, analogue: &Path) -> Result<TechTables> {
        Self::new(TechTable::load(digital)?, TechTable::load(analogue)?)
    }

    /// Loads a committed set from a directory (normally `data/tech`).
    pub fn load_set(dir: &Path, set: TableSet) -> Result<TechTables> {
        let (d, a) = set.files();
        Self::load(&dir.join(d), &dir.join(a))
    }
}

/// The committed tables' directory relative to the workspace root.
pub const TECH_DIR: &str = "data/tech";

/// `root/data/tech`.
pub fn tech_dir(root: &Path) -> PathBuf {
    root.join(TECH_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digital_text(extra: &str, drop: &str) -> String {
        let mut s = String::from("[table]\nname = \"t\"\nclass = \"digital\"\n");
        for spec in DIGITAL_ENTRIES {
            if spec.name == drop {
                continue;
            }
            s += &format!(
                "[entries.{}]\nvalue = 1.0\nunit = \"pJ\"\nsource = \"test\"\n",
                spec.name
            );
        }
        s + extra
    }

    fn err_text(text: &str) -> String {
        TechTable::from_toml_str(text, "test.toml")
            .expect_err("must fail")
            .to_string()
    }

    #[test]
    fn complete_table_loads_and_converts_to_si() {
        let t = TechTable::from_toml_str(&digital_text("", ""), "test.toml").expect("valid");
        let d = DigitalTech::from_table(&t).expect("typed");
        assert_eq!(d.mac_fp32_j, 1e-12);
        assert!(AnalogueTech::from_table(&t).is_err());
    }

    #[test]
    fn missing_entry_is_named() {
        let msg = err_text(&digital_text("", "compare"));
        assert!(msg.contains("missing entry `compare`"), "{msg}");
        assert!(msg.contains("test.toml"), "{msg}");
    }

    #[test]
    fn negative_energy_is_named() {
        let text = digital_text("", "").replace(
            "[entries.add_int]\nvalue = 1.0",
            "[entries.add_int]\nvalue = -0.1",
        );
        let msg = err_text(&text);
        assert!(msg.contains("`add_int` = -0.1"), "{msg}");
        assert!(msg.contains("non-negative"), "{msg}");
    }

    #[test]
    fn unknown_unit_and_wrong_dimension_are_named() {
        let text = digital_text("", "").replace(
            "[entries.mul_fp16]\nvalue = 1.0\nunit = \"pJ\"",
            "[entries.mul_fp16]\nvalue = 1.0\nunit = \"pj\"",
        );
        let msg = err_text(&text);
        assert!(msg.contains("`mul_fp16` has unknown unit `pj`"), "{msg}");
        let text = digital_text("", "").replace(
            "[entries.sram_read]\nvalue = 1.0\nunit = \"pJ\"",
            "[entries.sram_read]\nvalue = 1.0\nunit = \"V\"",
        );
        let msg = err_text(&text);
        assert!(msg.contains("`sram_read` has unit `V`"), "{msg}");
    }

    #[test]
    fn unknown_entry_and_empty_source_are_named() {
        let msg = err_text(&digital_text(
            "[entries.mac_fp33]\nvalue = 1.0\nunit = \"pJ\"\nsource = \"x\"\n",
            "",
        ));
        assert!(msg.contains("unknown entry `mac_fp33`"), "{msg}");
        let text = digital_text("", "").replace(
            "[entries.dram_write]\nvalue = 1.0\nunit = \"pJ\"\nsource = \"test\"",
            "[entries.dram_write]\nvalue = 1.0\nunit = \"pJ\"\nsource = \" \"",
        );
        let msg = err_text(&text);
        assert!(
            msg.contains("`dram_write`") && msg.contains("source"),
            "{msg}"
        );
    }

    #[test]
    fn scale_applies_to_scaling_energies_only() {
        let text = digital_text("", "")
            .replace(
                "class = \"digital\"\n",
                "class = \"digital\"\nscale = { value = 0.5, unit = \"1\", source = \"s\" }\n",
            )
            .replace(
                "[entries.dram_read]\nvalue = 1.0\nunit = \"pJ\"\nsource = \"test\"",
                "[entries.dram_read]\nvalue = 1.0\nunit = \"pJ\"\nsource = \"test\"\nscales = false",
            );
        let t = TechTable::from_toml_str(&text, "test.toml").expect("valid");
        let d = DigitalTech::from_table(&t).expect("typed");
        assert_eq!(d.mac_fp32_j, 0.5e-12);
        assert_eq!(d.dram_read_j, 1e-12);
        let bad = text.replace("value = 0.5", "value = -0.5");
        assert!(err_text(&bad).contains("table.scale"));
    }

    #[test]
    fn base_overrides_entries_and_checks_class() {
        let base = TechTable::from_toml_str(&digital_text("", ""), "base.toml").expect("valid");
        let derived = "[table]\nname = \"d\"\nclass = \"digital\"\nbase = \"base.toml\"\n\
                       [entries.compare]\nvalue = 3.0\nunit = \"fJ\"\nsource = \"x\"\n";
        let t = TechTable::from_toml_str_with_base(derived, "d.toml", base.clone()).expect("ok");
        assert!((t.si("compare").expect("present") - 3e-15).abs() < 1e-27);
        assert_eq!(t.si("add_int").expect("present"), 1e-12);
        assert_eq!(t.origin, vec!["d.toml".to_owned(), "base.toml".to_owned()]);
        let wrong = derived.replace("\"digital\"", "\"analogue\"");
        let err =
            TechTable::from_toml_str_with_base(&wrong, "d.toml", base).expect_err("class mismatch");
        assert!(err.to_string().contains("base"), "{err}");
        assert!(TechTable::from_toml_str(derived, "d.toml").is_err());
    }

    #[test]
    fn analogue_bits_must_be_whole() {
        let mut s = String::from("[table]\nname = \"a\"\nclass = \"analogue\"\n");
        for spec in ANALOGUE_ENTRIES {
            let unit = match spec.dimension {
                Dimension::Voltage => "V",
                Dimension::Time => "ns",
                Dimension::Bits => "bit",
                _ => "fJ",
            };
            let value = if spec.name == "adc_bits" { 13.5 } else { 2.0 };
            s += &format!(
                "[entries.{}]\nvalue = {value}\nunit = \"{unit}\"\nsource = \"t\"\n",
                spec.name
            );
        }
        let msg = err_text(&s);
        assert!(msg.contains("`adc_bits` = 13.5"), "{msg}");
        let ok = s.replace("value = 13.5", "value = 14");
        let t = TechTable::from_toml_str(&ok, "a.toml").expect("valid");
        let a = AnalogueTech::from_table(&t).expect("typed");
        assert_eq!(a.adc_bits, 14);
        // 2 fJ per step at 14 bits: 2e-15 * 16384.
        assert!((a.adc_conversion_j() - 2e-15 * 16384.0).abs() < 1e-24);
        // 2 V, 2 ns, 1 uS summed: 4 * 1e-6 * 2e-9.
        assert!((a.array_j(1e-6) - 8e-15).abs() < 1e-27);
    }

    #[test]
    fn syntax_errors_name_the_origin() {
        let msg = err_text("[table\nname=");
        assert!(msg.contains("test.toml"), "{msg}");
    }
}

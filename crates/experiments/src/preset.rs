//! Presets: one TOML file per figure in `data/presets/`, holding every
//! setting of the run, plus the `--quick` scale and command-line overrides.
//!
//! A preset is a TOML table whose sections are the crates' own parameter
//! structs (`[device]`, `[macro]`, `[reservoir]`, `[classifier]`, ...), each
//! with `deny_unknown_fields`, so a misspelt key is an error naming it. Its
//! optional `[quick]` table holds overrides in the same shape, deep-merged
//! over the preset when `--quick` is given (and dropped otherwise): for
//! example `[quick.classifier] epochs = 10`.

use std::path::{Path, PathBuf};

use crate::error::{Context, Result, bail};
use serde::de::DeserializeOwned;
use toml::{Table, Value};

/// Reads a preset file into a TOML table.
pub fn read_table(path: &Path) -> Result<Table> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read preset {}", path.display()))?;
    text.parse::<Table>()
        .with_context(|| format!("preset {} is not valid TOML", path.display()))
}

/// Merges `over` into `base`: tables merge key by key, recursively; any
/// other value replaces the base's.
pub fn deep_merge(base: &mut Table, over: &Table) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(Value::Table(b)), Value::Table(o)) => deep_merge(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Removes the `[quick]` table and, when `quick` is set, merges it over the
/// rest.
pub fn apply_quick(table: &mut Table, quick: bool) -> Result<()> {
    match table.remove("quick") {
        Some(Value::Table(q)) if quick => deep_merge(table, &q),
        Some(Value::Table(_)) | None => {}
        Some(other) => bail!(
            "`quick` must be a table of overrides, found {}",
            other.type_str()
        ),
    }
    Ok(())
}

/// Sets `path` (dotted, e.g. `data.source.kind`) to `value`, creating tables
/// on the way.
pub fn set_path(table: &mut Table, path: &str, value: Value) -> Result<()> {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else {
        bail!("empty preset path")
    };
    let mut cur = table;
    for part in parts {
        let entry = cur
            .entry(part.to_owned())
            .or_insert_with(|| Value::Table(Table::new()));
        cur = match entry {
            Value::Table(t) => t,
            other => bail!(
                "preset key `{part}` of `{path}` is a {}, not a table",
                other.type_str()
            ),
        };
    }
    cur.insert(last.to_owned(), value);
    Ok(())
}

/// Writes to `out` the committed preset of `figure` with some of its
/// `[quick]` values replaced (dotted paths inside `quick`, e.g.
/// `limits.train_per_class`): a still smaller scale for smoke tests of the
/// pipeline and for quick studies. Every path must already be set in the
/// `[quick]` table, so a preset that changed shape is an error naming the
/// path rather than a run at an unintended scale.
pub fn smaller_quick(figure: &str, replace: &[(&str, Value)], out: &Path) -> Result<()> {
    let path = default_path(figure);
    let mut table = read_table(&path)?;
    for (key, value) in replace {
        let mut cur = table.get("quick");
        for part in key.split('.') {
            cur = cur.and_then(Value::as_table).and_then(|t| t.get(part));
        }
        if cur.is_none() {
            bail!("preset {}: no `quick.{key}` to replace", path.display());
        }
        set_path(&mut table, &format!("quick.{key}"), value.clone())?;
    }
    let text = toml::to_string(&table).context("cannot write the smaller preset as TOML")?;
    std::fs::write(out, text).with_context(|| format!("cannot write {}", out.display()))
}

/// Deserialises the resolved table into a figure's preset type, naming the
/// file on error (serde's message names the unknown or malformed key).
pub fn parse<T: DeserializeOwned>(table: Table, origin: &Path) -> Result<T> {
    T::deserialize(table).with_context(|| format!("preset {}", origin.display()))
}

/// The committed preset of a figure: `data/presets/<name>.toml`.
pub fn default_path(name: &str) -> PathBuf {
    crate::workspace_root()
        .join("data/presets")
        .join(format!("{name}.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn a_smaller_quick_preset_replaces_only_existing_quick_values() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("fig4.toml");
        let e = smaller_quick(
            "fig4",
            &[("limits.train_per_class", Value::Integer(3))],
            &out,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("no `quick.limits.train_per_class`"),
            "{e}"
        );
        assert!(!out.exists(), "nothing written on error");
        smaller_quick(
            "fig4",
            &[("protocol.train_per_class", Value::Integer(3))],
            &out,
        )
        .unwrap();
        let mut written = read_table(&out).unwrap();
        apply_quick(&mut written, true).unwrap();
        assert_eq!(written["protocol"]["train_per_class"].as_integer(), Some(3));
        let mut committed = read_table(&default_path("fig4")).unwrap();
        apply_quick(&mut committed, true).unwrap();
        committed["protocol"]
            .as_table_mut()
            .unwrap()
            .insert("train_per_class".into(), Value::Integer(3));
        assert_eq!(written, committed, "only the replaced value changes");
    }

    #[test]
    fn quick_overrides_merge_deeply_and_vanish_otherwise() {
        let text = "seed = 10\n[a]\nx = 1\ny = 2\n[quick.a]\ny = 5\n[quick.b]\nz = 3\n";
        let mut quick = table(text);
        apply_quick(&mut quick, true).unwrap();
        assert_eq!(quick, table("seed = 10\n[a]\nx = 1\ny = 5\n[b]\nz = 3\n"));
        let mut full = table(text);
        apply_quick(&mut full, false).unwrap();
        assert_eq!(full, table("seed = 10\n[a]\nx = 1\ny = 2\n"));
        let mut bad = table("quick = 3\n");
        assert!(
            apply_quick(&mut bad, true)
                .unwrap_err()
                .to_string()
                .contains("quick")
        );
    }

    #[test]
    fn set_path_creates_tables_and_refuses_to_descend_into_values() {
        let mut t = table("[data]\nx = 1\n");
        set_path(&mut t, "data.source.kind", Value::String("real".into())).unwrap();
        assert_eq!(t["data"]["source"]["kind"].as_str(), Some("real"));
        let err = set_path(&mut t, "data.x.y", Value::Integer(1)).unwrap_err();
        assert!(err.to_string().contains("`x`"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct P {
            seed: u64,
        }
        let err = parse::<P>(table("seed = 1\nsede = 2\n"), Path::new("x.toml")).unwrap_err();
        let msg = err.chain();
        assert!(msg.contains("x.toml") && msg.contains("sede"), "{msg}");
    }
}

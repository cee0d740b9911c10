//! Saving and loading trained models: versioned JSON.
//!
//! A file is one JSON object
//! `{"format": "readout-model", "version": 1, "kind": "<kind>", "model": {...}}`.
//! Loading checks the format tag, then the version (an unknown version is an
//! error naming it), then the kind, then the model's own consistency. Weights
//! are written with the shortest representation that parses back to the same
//! `f64` (serde_json with `float_roundtrip`), so a round trip is exact.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The format tag of every model file.
pub const FORMAT_TAG: &str = "readout-model";
/// The version this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// A model that can be saved and loaded.
pub trait Persist: Serialize + DeserializeOwned {
    /// The `kind` written in the file, e.g. `"classifier"`.
    const KIND: &'static str;

    /// Checks a just-loaded model for internal consistency.
    fn check_loaded(&self) -> Result<()>;

    /// The model as versioned JSON text.
    fn to_json(&self) -> Result<String> {
        let envelope = serde_json::json!({
            "format": FORMAT_TAG,
            "version": FORMAT_VERSION,
            "kind": Self::KIND,
            "model": serde_json::to_value(self).map_err(|e| bad("<memory>", e.to_string()))?,
        });
        serde_json::to_string(&envelope).map_err(|e| bad("<memory>", e.to_string()))
    }

    /// Parses versioned JSON text (`source_name` is used in errors).
    fn from_json_named(text: &str, source_name: &str) -> Result<Self> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| bad(source_name, format!("not JSON: {e}")))?;
        let obj = v
            .as_object()
            .ok_or_else(|| bad(source_name, "not a JSON object".into()))?;
        match obj.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT_TAG) => {}
            other => {
                return Err(bad(
                    source_name,
                    format!("format tag is {other:?}, expected \"{FORMAT_TAG}\""),
                ));
            }
        }
        let version = obj
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| bad(source_name, "missing or non-integer `version`".into()))?;
        if version != FORMAT_VERSION {
            return Err(Error::UnknownFormatVersion {
                source_name: source_name.into(),
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let kind = obj.get("kind").and_then(|k| k.as_str());
        if kind != Some(Self::KIND) {
            return Err(bad(
                source_name,
                format!(
                    "holds a model of kind {kind:?}, expected \"{}\"",
                    Self::KIND
                ),
            ));
        }
        if let Some(extra) = obj
            .keys()
            .find(|k| !["format", "version", "kind", "model"].contains(&k.as_str()))
        {
            return Err(bad(
                source_name,
                format!("unknown top-level field `{extra}`"),
            ));
        }
        let model = obj
            .get("model")
            .cloned()
            .ok_or_else(|| bad(source_name, "missing `model`".into()))?;
        let m: Self = serde_json::from_value(model)
            .map_err(|e| bad(source_name, format!("bad model: {e}")))?;
        m.check_loaded()
            .map_err(|e| bad(source_name, e.to_string()))?;
        Ok(m)
    }

    /// Parses versioned JSON text.
    fn from_json(text: &str) -> Result<Self> {
        Self::from_json_named(text, "<memory>")
    }

    /// Writes the model to `path`.
    fn save(&self, path: &Path) -> Result<()> {
        let text = self.to_json()?;
        std::fs::write(path, text).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Reads a model from `path`.
    fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json_named(&text, &path.display().to_string())
    }
}

fn bad(source_name: &str, why: String) -> Error {
    Error::BadModelFile {
        source_name: source_name.into(),
        why,
    }
}

impl Persist for crate::Classifier {
    const KIND: &'static str = "classifier";
    fn check_loaded(&self) -> Result<()> {
        self.check()
    }
}

impl Persist for crate::Scaler {
    const KIND: &'static str = "scaler";
    fn check_loaded(&self) -> Result<()> {
        self.check()
    }
}

impl Persist for crate::ContrastiveModel {
    const KIND: &'static str = "contrastive";
    fn check_loaded(&self) -> Result<()> {
        self.check()
    }
}

impl Persist for crate::ProtoNet {
    const KIND: &'static str = "protonet";
    fn check_loaded(&self) -> Result<()> {
        self.check()
    }
}

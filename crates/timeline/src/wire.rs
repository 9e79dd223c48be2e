//! The JSON wire form of a Draft, with its schema version.
//!
//! Version 1 is the protocol's timeline form (`t`, `tt`, `sg`, `s`, `in`, `d`, `m`) plus a
//! `"v"` field. A draft without `v` is the form protocol clients send (version 0): it has
//! the same fields, so its upgrade only stamps the version. Version 2 reads a missing `fit`
//! as "not chosen" (each clip fitted by its shape) where version 1 read it as crop, so a
//! version 1 draft is upgraded to say crop. Each future version adds one `upgrade_from_N`
//! step here so that old saved drafts keep loading, and render as they did. A draft from a newer
//! cutline is refused with a message that says so, never half-read.

use serde_json::Value;

use crate::draft::{Draft, SCHEMA_VERSION};
use crate::validate::DraftError;

/// Reads a Draft from its JSON text, upgrading older schema versions.
pub fn from_json(text: &str) -> Result<Draft, DraftError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| DraftError::Malformed(e.to_string()))?;
    from_value(value)
}

/// Reads a Draft from a parsed JSON value, upgrading older schema versions.
pub fn from_value(mut value: Value) -> Result<Draft, DraftError> {
    let object = value
        .as_object_mut()
        .ok_or_else(|| DraftError::Malformed("a draft is a JSON object".into()))?;
    let version = match object.get("v") {
        None => 0,
        Some(v) => v
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| DraftError::Malformed("\"v\" must be a whole number".into()))?,
    };
    if version > SCHEMA_VERSION {
        return Err(DraftError::NewerSchema { found: version });
    }
    if version == 0 {
        upgrade_from_0(object);
    }
    if version <= 1 {
        upgrade_from_1(object);
    }
    serde_json::from_value(value).map_err(|e| DraftError::Malformed(e.to_string()))
}

/// Version 0 (the protocol's unversioned form) has every field of version 1.
fn upgrade_from_0(object: &mut serde_json::Map<String, Value>) {
    object.insert("v".into(), Value::from(1));
}

/// Version 1 cropped every clip of another shape unless `fit` said otherwise: say so.
fn upgrade_from_1(object: &mut serde_json::Map<String, Value>) {
    object.insert("v".into(), Value::from(2));
    if let Some(Value::Object(meta)) = object.get_mut("m") {
        meta.entry("fit").or_insert_with(|| Value::from("crop"));
    }
}

/// The Draft as pretty JSON in the current schema version.
pub fn to_json(draft: &Draft) -> String {
    let mut draft = draft.clone();
    draft.schema_version = SCHEMA_VERSION;
    serde_json::to_string_pretty(&draft).expect("a Draft always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::TrackKind;

    /// The three-track example of DESIGN.md, exactly as a protocol client sends it.
    pub const DESIGN_EXAMPLE: &str = r#"{ "d": 10000, "m": {"w": 1920, "h": 1080, "fps": 30},
      "t": [
        {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "a_7f3c", "s": 0, "in": 0, "d": 10000,
                                       "m": {"name": "city timelapse"}}]},
        {"id": "a1", "tt": 1, "sg": [{"id": "s2", "src": "a_91b0", "s": 0, "in": 0, "d": 10000,
                                       "m": {"name": "Lo-fi", "volume": 0.35}}]},
        {"id": "x1", "tt": 7, "sg": [{"id": "s3", "s": 0, "d": 3000,
                                       "m": {"text": "Urban Dreams", "role": "title"}}]}
      ] }"#;

    #[test]
    fn the_design_example_reads_with_full_names() {
        let draft = from_json(DESIGN_EXAMPLE).unwrap();
        assert_eq!(draft.schema_version, SCHEMA_VERSION);
        assert_eq!(draft.duration_ms, 10_000);
        assert_eq!((draft.meta.width, draft.meta.height), (1920, 1080));
        let kinds: Vec<_> = draft.tracks.iter().map(|t| t.kind).collect();
        assert_eq!(kinds, [TrackKind::Video, TrackKind::Audio, TrackKind::Text]);
        assert_eq!(draft.tracks[1].segments[0].meta.volume, Some(0.35));
        assert_eq!(
            draft.tracks[2].segments[0].meta.text.as_deref(),
            Some("Urban Dreams")
        );
        crate::validate(&draft, |src| src == "a_7f3c" || src == "a_91b0").unwrap();
    }

    #[test]
    fn writing_then_reading_gives_the_same_draft_and_keeps_unknown_fields() {
        let text = DESIGN_EXAMPLE.replace(
            "\"role\": \"title\"",
            "\"role\": \"title\", \"client_tag\": 7",
        );
        let draft = from_json(&text).unwrap();
        let again = from_json(&to_json(&draft)).unwrap();
        assert_eq!(draft, again);
        assert!(to_json(&draft).contains("\"client_tag\": 7"));
        assert!(to_json(&draft).contains("\"v\": 2"));
    }

    #[test]
    fn a_version_1_draft_without_a_fit_still_crops() {
        let old = r#"{"v": 1, "d": 0, "m": {"w": 1080, "h": 1920}, "t": []}"#;
        assert_eq!(from_json(old).unwrap().meta.fit, Some(crate::Fit::Crop));
        let blurred = r#"{"v": 1, "d": 0, "m": {"w": 1080, "h": 1920, "fit": "blur"}, "t": []}"#;
        assert_eq!(from_json(blurred).unwrap().meta.fit, Some(crate::Fit::Blur));
        let new = r#"{"v": 2, "d": 0, "m": {"w": 1080, "h": 1920}, "t": []}"#;
        assert_eq!(from_json(new).unwrap().meta.fit, None);
    }

    #[test]
    fn newer_and_malformed_drafts_are_refused_with_the_reason() {
        assert_eq!(
            from_json(r#"{"v": 9, "d": 0, "m": {"w": 2, "h": 2}, "t": []}"#),
            Err(DraftError::NewerSchema { found: 9 })
        );
        let err = from_json(r#"{"d": 0, "m": {"w": 2, "h": 2}, "t": [{"id": "q", "tt": 3}]}"#)
            .unwrap_err();
        assert!(err.to_string().contains("unknown track type 3"), "{err}");
        assert!(matches!(from_json("[1,2]"), Err(DraftError::Malformed(_))));
    }
}

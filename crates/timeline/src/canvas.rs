//! Output shapes as typed values: aspect presets, resolutions, and how sources are fitted.
//!
//! The canvas is chosen once, purely, from what the user asked and the main clip's shape:
//! an aspect preset fixes the shape, a resolution fixes the short side, and without either the
//! output keeps the main clip's shape and size, capped at 1920 pixels on the long side.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The longest side an output may have by default (the free plan's cap in API.md).
pub const MAX_LONG_SIDE: u32 = 1920;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aspect {
    Landscape16x9,
    Portrait9x16,
    Square1x1,
    Portrait4x5,
}

impl Aspect {
    pub const ALL: [Aspect; 4] = [
        Aspect::Landscape16x9,
        Aspect::Portrait9x16,
        Aspect::Square1x1,
        Aspect::Portrait4x5,
    ];

    /// Width and height at a given short side, e.g. 9:16 at 1080 → 1080×1920.
    pub fn size_at(self, short_side: u32) -> (u32, u32) {
        let (w, h) = self.ratio();
        let long = even(short_side as u64 * w.max(h) as u64 / w.min(h) as u64);
        if w >= h {
            (long, short_side)
        } else {
            (short_side, long)
        }
    }

    fn ratio(self) -> (u32, u32) {
        match self {
            Aspect::Landscape16x9 => (16, 9),
            Aspect::Portrait9x16 => (9, 16),
            Aspect::Square1x1 => (1, 1),
            Aspect::Portrait4x5 => (4, 5),
        }
    }
}

impl fmt::Display for Aspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (w, h) = self.ratio();
        write!(f, "{w}:{h}")
    }
}

impl FromStr for Aspect {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Aspect::ALL
            .into_iter()
            .find(|aspect| aspect.to_string() == text.trim())
            .ok_or_else(|| format!("unknown aspect '{text}' (use 16:9, 9:16, 1:1 or 4:5)"))
    }
}

/// Output resolution by its short side, as people name it ("1080p").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// 4K UHD.
    P2160,
    P1440,
    P1080,
    P720,
    P480,
}

impl Resolution {
    pub fn short_side(self) -> u32 {
        match self {
            Resolution::P2160 => 2160,
            Resolution::P1440 => 1440,
            Resolution::P1080 => 1080,
            Resolution::P720 => 720,
            Resolution::P480 => 480,
        }
    }
}

impl FromStr for Resolution {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "2160p" | "2160" | "4k" | "uhd" => Ok(Resolution::P2160),
            "1440p" | "1440" | "2k" | "qhd" => Ok(Resolution::P1440),
            "1080p" | "1080" | "fhd" => Ok(Resolution::P1080),
            "720p" | "720" | "hd" => Ok(Resolution::P720),
            "480p" | "480" | "sd" => Ok(Resolution::P480),
            _ => Err(format!(
                "unknown resolution '{text}' (use 2160p, 1440p, 1080p, 720p or 480p)"
            )),
        }
    }
}

impl fmt::Display for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}p", self.short_side())
    }
}

/// Aspects and resolutions are written as people write them: `"9:16"`, `"720p"`.
macro_rules! serde_as_text {
    ($type:ty) => {
        impl Serialize for $type {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $type {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

serde_as_text!(Aspect);
serde_as_text!(Resolution);

/// How a source of another shape fills the canvas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Scale to cover the canvas and cut off what sticks out (no bars).
    #[default]
    Crop,
    /// Scale to fit inside the canvas and fill the rest with black bars.
    Pad,
    /// Scale to fit, over a blurred, zoomed copy of itself filling the canvas.
    Blur,
}

impl FromStr for Fit {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "crop" => Ok(Fit::Crop),
            "pad" => Ok(Fit::Pad),
            "blur" => Ok(Fit::Blur),
            _ => Err(format!("unknown fit '{text}' (use crop, pad or blur)")),
        }
    }
}

/// How a clip of `source` display size fills `canvas` when no fit was `chosen`: cropped when
/// it has the canvas's orientation (a little of its edges goes), fitted over a blurred copy
/// of itself when it has the other one (cropping a portrait clip into a landscape frame would
/// throw away about 70% of it).
///
/// ```text
/// canvas 16:9   clip 4:3 → crop (keeps 75%)   clip 9:16 → blur (keeps all of it)
/// ```
pub fn fit_for(chosen: Option<Fit>, source: (u32, u32), canvas: (u32, u32)) -> Fit {
    let orientation = |(w, h): (u32, u32)| w.cmp(&h);
    match chosen {
        Some(fit) => fit,
        None if orientation(source) == orientation(canvas) => Fit::Crop,
        None if orientation(source).is_eq() || orientation(canvas).is_eq() => Fit::Crop,
        None => Fit::Blur,
    }
}

/// The output canvas for a main clip of `source` display size (width, height).
pub fn choose_canvas(
    aspect: Option<Aspect>,
    resolution: Option<Resolution>,
    source: (u32, u32),
) -> (u32, u32) {
    match (aspect, resolution) {
        (Some(aspect), resolution) => {
            aspect.size_at(resolution.unwrap_or(Resolution::P1080).short_side())
        }
        (None, Some(resolution)) => scale_to_short_side(source, resolution.short_side()),
        (None, None) => cap_long_side(source, MAX_LONG_SIDE),
    }
}

/// `source` scaled so its short side is `short_side` (even sizes).
pub fn scale_to_short_side((w, h): (u32, u32), short_side: u32) -> (u32, u32) {
    let (w, h) = (w.max(2) as u64, h.max(2) as u64);
    if w >= h {
        (even(w * short_side as u64 / h), even(short_side as u64))
    } else {
        (even(short_side as u64), even(h * short_side as u64 / w))
    }
}

/// `source`, scaled down when its long side is over `cap` (even sizes).
pub fn cap_long_side((w, h): (u32, u32), cap: u32) -> (u32, u32) {
    let (w, h) = (w.max(2) as u64, h.max(2) as u64);
    let long = w.max(h);
    if long <= cap as u64 {
        return (even(w), even(h));
    }
    (even(w * cap as u64 / long), even(h * cap as u64 / long))
}

/// H.264 in yuv420p needs even dimensions; round to the nearest even number (at least 2).
fn even(value: u64) -> u32 {
    (value.div_ceil(2) * 2).max(2) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aspect_presets_give_the_named_canvases() {
        let table = [
            ("16:9", 1080, (1920, 1080)),
            ("9:16", 1080, (1080, 1920)),
            ("1:1", 1080, (1080, 1080)),
            ("4:5", 1080, (1080, 1350)),
            ("16:9", 720, (1280, 720)),
            ("9:16", 720, (720, 1280)),
            ("4:5", 720, (720, 900)),
            ("16:9", 480, (854, 480)),
            ("9:16", 480, (480, 854)),
            ("4:5", 480, (480, 600)),
        ];
        for (aspect, short, expected) in table {
            let aspect: Aspect = aspect.parse().unwrap();
            assert_eq!(aspect.size_at(short), expected, "{aspect} at {short}");
        }
    }

    #[test]
    fn without_a_preset_the_clip_keeps_its_shape_capped_at_1920() {
        assert_eq!(choose_canvas(None, None, (1280, 720)), (1280, 720));
        assert_eq!(choose_canvas(None, None, (3840, 2160)), (1920, 1080));
        assert_eq!(choose_canvas(None, None, (1080, 1920)), (1080, 1920));
        assert_eq!(choose_canvas(None, None, (2160, 3840)), (1080, 1920));
        assert_eq!(choose_canvas(None, None, (641, 359)), (642, 360));
    }

    #[test]
    fn a_resolution_alone_sets_the_short_side_and_keeps_the_shape() {
        let p720 = Some(Resolution::P720);
        assert_eq!(choose_canvas(None, p720, (1920, 1080)), (1280, 720));
        assert_eq!(choose_canvas(None, p720, (1440, 1080)), (960, 720));
        assert_eq!(choose_canvas(None, p720, (1080, 1920)), (720, 1280));
        let portrait = Some(Aspect::Portrait9x16);
        assert_eq!(choose_canvas(portrait, None, (1920, 1080)), (1080, 1920));
    }

    #[test]
    fn without_a_chosen_fit_only_a_clip_of_the_other_orientation_is_not_cropped() {
        let landscape = (1920, 1080);
        let table = [
            ((1920, 1080), Fit::Crop),
            ((1440, 1080), Fit::Crop),
            ((1080, 1080), Fit::Crop),
            ((1080, 1920), Fit::Blur),
        ];
        for (source, expected) in table {
            assert_eq!(fit_for(None, source, landscape), expected, "{source:?}");
        }
        assert_eq!(fit_for(None, (1920, 1080), (1080, 1920)), Fit::Blur);
        assert_eq!(
            fit_for(Some(Fit::Crop), (1080, 1920), landscape),
            Fit::Crop,
            "a fit chosen is kept"
        );
    }

    #[test]
    fn names_parse_and_bad_ones_say_what_is_accepted() {
        assert_eq!("9:16".parse::<Aspect>(), Ok(Aspect::Portrait9x16));
        assert!("3:2"
            .parse::<Aspect>()
            .unwrap_err()
            .contains("16:9, 9:16, 1:1 or 4:5"));
        assert_eq!("720P".parse::<Resolution>(), Ok(Resolution::P720));
        assert_eq!("blur".parse::<Fit>(), Ok(Fit::Blur));
    }
}

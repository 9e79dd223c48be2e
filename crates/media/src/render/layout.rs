//! Where text sits on the canvas, so a title and the captions never cover each other. Pure.
//!
//! Captions own their place (the bottom unless asked elsewhere): they come and go all through
//! the video, and a viewer reads them where they always are. A title asked for the same place
//! is stacked beside them, towards the middle of the frame, clear of the tallest caption:
//!
//! ```text
//! top      [captions]   ← margin          middle            bottom
//!          (clearance)                     [title]           [title]
//!          [title]                         (clearance)       (clearance)
//!                                          [captions]        [captions]
//!                                                            ← margin
//! ```
//!
//! Heights of captions are known here (font size and line count, libass draws each line
//! about one font size high); a title's own height is left to drawtext (`text_h`), so only
//! the edge that faces the captions is fixed.

use timeline::Position;

/// The captions' place and the room the tallest of them takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CaptionBand {
    pub position: Position,
    /// The tallest caption's lines, in pixels.
    pub text_height: u32,
    /// What its box or outline and shadow add beyond the text on each side.
    pub pad: u32,
}

/// Where a title goes, as drawtext needs it (`y` of its top edge is worked out from these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TitlePlace {
    /// Its top edge this many pixels below the top of the canvas.
    Top(u32),
    /// Its bottom edge this many pixels above the bottom of the canvas.
    Bottom(u32),
    /// Centred on the canvas.
    Middle,
    /// Its bottom edge this many pixels above the middle of the canvas.
    AboveMiddle(u32),
}

/// The margins text keeps from the canvas's edges, and the space between a title and captions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spacing {
    /// From the top and bottom edges (the platforms' safe zone).
    pub margin: u32,
    /// Between a title's outline and the captions' box.
    pub clearance: u32,
}

impl Spacing {
    /// 8% of the height from the edges; 2% of it (at least 4 px) plus the title's own
    /// outline and shadow between a title and captions.
    pub fn for_canvas(height: u32, title_outline: u32) -> Self {
        let height = height as f64;
        Spacing {
            margin: (height * 0.08).round() as u32,
            clearance: (height * 0.02).round().max(4.0) as u32 + 2 * title_outline,
        }
    }
}

/// Where a title asked at `position` goes, given the captions (if any) and the spacing.
pub fn title_place(
    position: Position,
    captions: Option<CaptionBand>,
    spacing: Spacing,
) -> TitlePlace {
    let Spacing { margin, clearance } = spacing;
    let shared = captions.filter(|band| band.position == position);
    match (position, shared) {
        (Position::Top, None) => TitlePlace::Top(margin),
        (Position::Bottom, None) => TitlePlace::Bottom(margin),
        (Position::Center, None) => TitlePlace::Middle,
        (Position::Top, Some(band)) => {
            TitlePlace::Top(margin + band.text_height + band.pad + clearance)
        }
        (Position::Bottom, Some(band)) => {
            TitlePlace::Bottom(margin + band.text_height + band.pad + clearance)
        }
        (Position::Center, Some(band)) => {
            TitlePlace::AboveMiddle(band.text_height.div_ceil(2) + band.pad + clearance)
        }
    }
}

/// The rows (top, bottom) the captions' box covers on a canvas `height` high.
pub fn caption_rows(band: CaptionBand, height: u32, margin: u32) -> (i64, i64) {
    let (h, text, pad, margin) = (
        height as i64,
        band.text_height as i64,
        band.pad as i64,
        margin as i64,
    );
    match band.position {
        Position::Top => (margin - pad, margin + text + pad),
        Position::Bottom => (h - margin - text - pad, h - margin + pad),
        Position::Center => ((h - text) / 2 - pad, (h + text + 1) / 2 + pad),
    }
}

/// The rows (top, bottom) a title of `title_height` covers at `place` (as drawtext puts it).
pub fn title_rows(place: TitlePlace, title_height: u32, height: u32) -> (i64, i64) {
    let (h, t) = (height as i64, title_height as i64);
    let top = match place {
        TitlePlace::Top(y) => y as i64,
        TitlePlace::Bottom(up) => h - t - up as i64,
        TitlePlace::Middle => (h - t) / 2,
        TitlePlace::AboveMiddle(up) => h / 2 - up as i64 - t,
    };
    (top, top + t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLACES: [Position; 3] = [Position::Top, Position::Center, Position::Bottom];

    #[test]
    fn a_title_alone_keeps_its_place() {
        let spacing = Spacing::for_canvas(1920, 4);
        assert_eq!(spacing.margin, 154);
        assert_eq!(
            PLACES.map(|p| title_place(p, None, spacing)),
            [
                TitlePlace::Top(154),
                TitlePlace::Middle,
                TitlePlace::Bottom(154)
            ]
        );
    }

    #[test]
    fn captions_elsewhere_leave_the_title_where_it_was_asked() {
        let spacing = Spacing::for_canvas(1080, 4);
        let band = CaptionBand {
            position: Position::Bottom,
            text_height: 130,
            pad: 13,
        };
        assert_eq!(
            title_place(Position::Top, Some(band), spacing),
            TitlePlace::Top(86)
        );
        assert_eq!(
            title_place(Position::Center, Some(band), spacing),
            TitlePlace::Middle
        );
    }

    #[test]
    fn a_title_and_captions_at_any_places_never_overlap() {
        // Portrait and landscape canvases, small and full size, one and three caption lines.
        for (width, height) in [(180, 320), (320, 180), (1080, 1920), (1920, 1080)] {
            let short = width.min(height) as f64;
            let title_size = (short * 0.075).floor() as u32;
            let outline = (title_size / 18).max(2);
            let spacing = Spacing::for_canvas(height, outline);
            for lines in [1, 3] {
                let caption_size = (short * 0.05).round().max(12.0) as u32;
                for caption_at in PLACES {
                    let band = CaptionBand {
                        position: caption_at,
                        text_height: lines * caption_size * 6 / 5,
                        pad: caption_size / 4,
                    };
                    let captions = caption_rows(band, height, spacing.margin);
                    for title_at in PLACES {
                        let place = title_place(title_at, Some(band), spacing);
                        let title = title_rows(place, title_size * 6 / 5, height);
                        // The title's outline and shadow are inside the clearance.
                        let gap = (captions.0 - title.1).max(title.0 - captions.1);
                        assert!(
                            gap >= 2 * outline as i64 + 4,
                            "{width}×{height}, {lines} lines, title {title_at:?} {title:?}, captions {caption_at:?} {captions:?}"
                        );
                        assert!(title.0 >= 0 && title.1 <= height as i64, "{title:?}");
                    }
                }
            }
        }
    }
}

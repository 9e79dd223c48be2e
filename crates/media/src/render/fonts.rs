//! Finding the font titles are drawn with: `CUTLINE_FONT` if set, else a bold sans from the
//! Debian/Ubuntu font packages, with a CJK-capable one first when the text needs it.

use std::path::PathBuf;

const LATIN_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
];

const CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
];

/// The font for these texts, or `None` when no known font is installed.
pub fn title_font<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CUTLINE_FONT") {
        return Some(PathBuf::from(path));
    }
    let needs_cjk = texts
        .into_iter()
        .any(|t| t.chars().any(|c| c as u32 >= 0x2E80));
    let order: Vec<&str> = if needs_cjk {
        CJK_FONTS.iter().chain(LATIN_FONTS).copied().collect()
    } else {
        LATIN_FONTS.iter().chain(CJK_FONTS).copied().collect()
    };
    order.into_iter().map(PathBuf::from).find(|p| p.is_file())
}

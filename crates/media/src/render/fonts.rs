//! Finding the font text is drawn with: `CUTLINE_FONT` if set, else a bold sans from the
//! Debian/Ubuntu font packages, with a CJK-capable one first when the text needs it.
//!
//! Titles name the font by its file (drawtext); captions name it by its family (libass), so a
//! [`Font`] carries both, the family read from the file's own name table.

use std::path::{Path, PathBuf};

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

/// A font file and the family name it declares.
#[derive(Clone, Debug, PartialEq)]
pub struct Font {
    pub path: PathBuf,
    pub family: String,
}

/// The font for these texts, or `None` when no known font is installed.
pub fn title_font<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<Font> {
    let path = match std::env::var_os("CUTLINE_FONT") {
        Some(path) => PathBuf::from(path),
        None => {
            let needs_cjk = texts
                .into_iter()
                .any(|t| t.chars().any(|c| c as u32 >= 0x2E80));
            let order: Vec<&str> = if needs_cjk {
                CJK_FONTS.iter().chain(LATIN_FONTS).copied().collect()
            } else {
                LATIN_FONTS.iter().chain(CJK_FONTS).copied().collect()
            };
            order.into_iter().map(PathBuf::from).find(|p| p.is_file())?
        }
    };
    let family = std::fs::read(&path)
        .ok()
        .and_then(|data| family_name(&data))
        .unwrap_or_else(|| file_stem(&path));
    Some(Font { path, family })
}

/// The family of a font file (of its Simplified Chinese face in a collection that has one,
/// else its first face): the name libass looks fonts up by.
pub fn family_name(data: &[u8]) -> Option<String> {
    let faces = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    let families: Vec<String> = (0..faces)
        .filter_map(|index| ttf_parser::Face::parse(data, index).ok())
        .filter_map(|face| {
            face.names()
                .into_iter()
                .filter(|name| name.name_id == ttf_parser::name_id::FAMILY && name.is_unicode())
                .find_map(|name| name.to_string())
        })
        .collect();
    families
        .iter()
        .find(|family| family.contains(" SC"))
        .or(families.first())
        .cloned()
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_fonts_declare_the_families_libass_finds_them_by() {
        for (path, expected) in [
            (LATIN_FONTS[0], "DejaVu Sans"),
            (CJK_FONTS[0], "Noto Sans CJK SC"),
        ] {
            let Ok(data) = std::fs::read(path) else {
                panic!("{path} is missing: scripts/setup.sh installs it");
            };
            let family = family_name(&data).unwrap();
            assert!(family.starts_with(expected), "{path}: {family}");
        }
        assert_eq!(family_name(b"not a font"), None);
    }
}

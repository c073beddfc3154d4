//! The two faces a letter is set in, and the glyph advances used to wrap text.

use std::path::{Path, PathBuf};

use printpdf::ParsedFont;

use crate::LetterError;

/// The regular face's file name inside a fonts folder (DejaVu Sans, shipped in
/// `assets/fonts/` with its licence).
pub const REGULAR_FONT_FILE: &str = "DejaVuSans.ttf";
/// The bold face's file name inside a fonts folder.
pub const BOLD_FONT_FILE: &str = "DejaVuSans-Bold.ttf";

/// The regular and bold TrueType faces a letter is set in, parsed once and reused for
/// every letter of a batch.
#[derive(Debug, Clone)]
pub struct Fonts {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

impl Fonts {
    /// Reads [`REGULAR_FONT_FILE`] and [`BOLD_FONT_FILE`] from `dir`. A missing or
    /// unreadable file, or one that is not a usable TrueType font, is an error naming it.
    pub fn load(dir: &Path) -> Result<Fonts, LetterError> {
        let read = |name: &str| -> Result<(PathBuf, Vec<u8>), LetterError> {
            let path = dir.join(name);
            match std::fs::read(&path) {
                Ok(bytes) => Ok((path, bytes)),
                Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
                    Err(LetterError::FontMissing { path })
                }
                Err(source) => Err(LetterError::FontUnreadable { path, source }),
            }
        };
        let (regular_path, regular) = read(REGULAR_FONT_FILE)?;
        let (bold_path, bold) = read(BOLD_FONT_FILE)?;
        Ok(Fonts {
            regular: Face::parse(&regular, &regular_path.display().to_string(), "DejaVuSans")?,
            bold: Face::parse(&bold, &bold_path.display().to_string(), "DejaVuSans-Bold")?,
        })
    }

    /// Builds the faces from font files already in memory; `regular_name` and
    /// `bold_name` say where they came from, for error messages, and become the PDF's
    /// font names.
    pub fn from_bytes(
        regular: &[u8],
        regular_name: &str,
        bold: &[u8],
        bold_name: &str,
    ) -> Result<Fonts, LetterError> {
        Ok(Fonts {
            regular: Face::parse(regular, regular_name, &postscript_name(regular_name))?,
            bold: Face::parse(bold, bold_name, &postscript_name(bold_name))?,
        })
    }
}

/// A PDF font name from a file name: its stem, with only the characters a PDF name
/// may carry without escaping.
fn postscript_name(source: &str) -> String {
    let stem = Path::new(source)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(source);
    let name: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if name.is_empty() {
        "Font".to_string()
    } else {
        name
    }
}

/// One parsed face plus a fast table of advances for the characters letters use most.
#[derive(Debug, Clone)]
pub(crate) struct Face {
    pub(crate) parsed: ParsedFont,
    /// Advance of each ASCII character, in em.
    ascii: [f32; 128],
    units_per_em: f32,
    /// Ascender above the baseline, in em.
    pub(crate) ascent: f32,
}

impl Face {
    fn parse(bytes: &[u8], source: &str, pdf_name: &str) -> Result<Face, LetterError> {
        let mut warnings = Vec::new();
        let mut parsed = ParsedFont::from_bytes(bytes, 0, &mut warnings).ok_or_else(|| {
            LetterError::FontInvalid {
                font: source.to_string(),
                reason: "not a TrueType or OpenType font".to_string(),
            }
        })?;
        if parsed.codepoint_to_glyph.is_empty() {
            return Err(LetterError::FontInvalid {
                font: source.to_string(),
                reason: "it has no Unicode character map".to_string(),
            });
        }
        parsed.font_name = Some(pdf_name.to_string());
        let units_per_em = f32::from(parsed.units_per_em.max(1));
        let ascii = std::array::from_fn(|i| advance_in(&parsed, units_per_em, char::from(i as u8)));
        Ok(Face {
            ascent: f32::from(parsed.font_metrics.ascent) / units_per_em,
            parsed,
            ascii,
            units_per_em,
        })
    }

    /// Advance of one character in em (the font's own advance; combining marks are 0).
    pub(crate) fn advance(&self, c: char) -> f32 {
        if c.is_ascii() {
            self.ascii[c as usize]
        } else {
            advance_in(&self.parsed, self.units_per_em, c)
        }
    }

    /// Width of `text` set at `size` points, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

/// Advance of `c` in em, read from the font's `hmtx` (a character the font lacks gets
/// the advance of its missing-glyph box, which is what the viewer will draw).
fn advance_in(parsed: &ParsedFont, units_per_em: f32, c: char) -> f32 {
    let gid = parsed.lookup_glyph_index(u32::from(c)).unwrap_or(0);
    f32::from(parsed.get_glyph_width(gid).unwrap_or(0)) / units_per_em
}

//! The two faces a letter is set in, and the glyph advances used to wrap text.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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
    /// Font programs already deflated, for the next letter that embeds the same one.
    pub(crate) deflated: Recent<Vec<u8>, Vec<u8>>,
}

/// The last few results of a costly step, by their input: the letters of a batch mostly
/// share their characters, so each letter's subset fonts, and the deflated font
/// programs printpdf writes from them, are usually the previous letter's.
#[derive(Debug, Clone)]
pub(crate) struct Recent<K, V>(Arc<Mutex<Vec<(K, V)>>>);

impl<K: PartialEq, V: Clone> Recent<K, V> {
    /// Results kept: a batch alternates between few character sets.
    const KEEP: usize = 8;

    fn new() -> Self {
        Recent(Arc::new(Mutex::new(Vec::new())))
    }

    /// The kept result for `key`, or `make`'s (kept for next time).
    pub(crate) fn get_or<E>(&self, key: K, make: impl FnOnce(&K) -> Result<V, E>) -> Result<V, E> {
        // A panic elsewhere while holding the lock leaves whole entries only.
        let found = {
            let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            kept.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
        };
        if let Some(value) = found {
            return Ok(value);
        }
        let value = make(&key)?;
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= Self::KEEP {
            kept.remove(0);
        }
        kept.push((key, value.clone()));
        Ok(value)
    }
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
            deflated: Recent::new(),
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
            deflated: Recent::new(),
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
    /// The face cut down once to [`REPERTOIRE`], which nearly every letter's text stays
    /// within: each letter's own subset is then cut from these few hundred glyphs rather
    /// than the whole face's thousands, which was a fifth of a letter's time. None when
    /// the face cannot be cut (each letter then cuts from the whole face).
    repertoire: Option<ParsedFont>,
    /// Subsets already cut, by tag and characters.
    subsets: Recent<(String, BTreeSet<char>), ParsedFont>,
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
        let common: BTreeSet<char> = REPERTOIRE.iter().flat_map(|r| r.clone()).collect();
        let repertoire = cut(&parsed, &common, source).ok();
        Ok(Face {
            ascent: f32::from(parsed.font_metrics.ascent) / units_per_em,
            parsed,
            repertoire,
            subsets: Recent::new(),
            ascii,
            units_per_em,
        })
    }

    /// A copy of the face holding only the glyphs for `chars` (plus the missing-glyph
    /// box), named with the subset tag `TAG+Name` that marks a subset font program; the
    /// same characters again give the kept copy.
    pub(crate) fn subset(
        &self,
        chars: &BTreeSet<char>,
        tag: &str,
    ) -> Result<ParsedFont, LetterError> {
        self.subsets
            .get_or((tag.to_string(), chars.clone()), |(tag, chars)| {
                self.cut_to(chars, tag)
            })
    }

    fn cut_to(&self, chars: &BTreeSet<char>, tag: &str) -> Result<ParsedFont, LetterError> {
        let name = self.parsed.font_name.clone().unwrap_or_default();
        // The repertoire serves when it holds every character the face has; a character
        // the face lacks is drawn as the missing-glyph box either way.
        let source = match &self.repertoire {
            Some(small)
                if chars.iter().all(|c| {
                    small.lookup_glyph_index(u32::from(*c)).is_some()
                        || self.parsed.lookup_glyph_index(u32::from(*c)).is_none()
                }) =>
            {
                small
            }
            _ => &self.parsed,
        };
        let mut font = cut(source, chars, &name)?;
        font.font_name = Some(format!("{tag}+{name}"));
        Ok(font)
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

/// Latin letters with their accents (Basic Latin to Latin Extended-B, the combining
/// accents and Latin Extended Additional, which Yoruba and Vietnamese names need),
/// general punctuation (dashes, curly quotes, bullets, ellipsis), currency signs and
/// letterlike symbols: the text of nearly every letter. Other scripts are cut from the
/// whole face.
const REPERTOIRE: [std::ops::RangeInclusive<char>; 6] = [
    ' '..='\u{024F}',
    '\u{0300}'..='\u{036F}',
    '\u{1E00}'..='\u{1EFF}',
    '\u{2010}'..='\u{205E}',
    '\u{20A0}'..='\u{20C0}',
    '\u{2100}'..='\u{214F}',
];

/// A copy of `font` holding only the glyphs for `chars` (plus the missing-glyph box).
///
/// printpdf 0.12 subsets fonts itself only with its `text_layout` feature, which
/// brings in a whole layout engine; allsorts, which printpdf uses for that, does it
/// here. The copy keeps a Unicode cmap, so printpdf maps text to glyphs and writes
/// /ToUnicode from it as it would for the whole font.
fn cut(font: &ParsedFont, chars: &BTreeSet<char>, name: &str) -> Result<ParsedFont, LetterError> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{subset, CmapTarget, SubsetProfile};
    use allsorts::tag;

    let error = |reason: String| LetterError::FontInvalid {
        font: name.to_string(),
        reason: format!("cannot cut it down to the characters used: {reason}"),
    };
    let glyphs: BTreeSet<u16> = chars
        .iter()
        .filter_map(|c| font.lookup_glyph_index(u32::from(*c)))
        .filter(|gid| *gid != 0)
        .collect();
    // Glyph 0 (.notdef) first, as allsorts requires; the rest in order, no repeats.
    let ids: Vec<u16> = std::iter::once(0).chain(glyphs).collect();
    let scope = ReadScope::new(&font.original_bytes);
    let data = scope
        .read::<FontData<'_>>()
        .map_err(|e| error(e.to_string()))?;
    let provider = data.table_provider(0).map_err(|e| error(e.to_string()))?;
    // The tables a PDF's TrueType font program needs (ISO 32000-1, 9.9), plus cmap
    // and post, which printpdf reads back; not `name` (DejaVu's carries its whole
    // licence text, which is in the file beside the fonts).
    let tables = [
        tag::CMAP,
        tag::HEAD,
        tag::CVT,
        tag::FPGM,
        tag::HHEA,
        tag::HMTX,
        tag::MAXP,
        tag::POST,
        tag::PREP,
    ];
    let profile = SubsetProfile::Custom(tables.to_vec());
    let bytes =
        subset(&provider, &ids, &profile, CmapTarget::Unicode).map_err(|e| error(e.to_string()))?;
    let mut warnings = Vec::new();
    ParsedFont::from_bytes(&bytes, 0, &mut warnings)
        .ok_or_else(|| error("the subset font does not parse".to_string()))
}

#[cfg(test)]
mod tests {
    use super::Recent;

    #[test]
    fn recent_results_are_reused_and_only_the_last_few_kept() {
        use std::cell::Cell;
        let recent: Recent<u32, String> = Recent::new();
        let made = Cell::new(0);
        let get = |key: u32| {
            recent
                .get_or(key, |k| {
                    made.set(made.get() + 1);
                    Ok::<_, ()>(format!("value {k}"))
                })
                .unwrap()
        };
        assert_eq!(get(1), "value 1");
        assert_eq!(get(1), "value 1");
        assert_eq!(made.get(), 1, "the second call made it again");
        for key in 2..=9 {
            get(key);
        }
        assert_eq!(made.get(), 9);
        // Nine keys were asked for and eight are kept: the first is made again.
        get(1);
        assert_eq!(made.get(), 10);
        get(9);
        assert_eq!(made.get(), 10, "a recent key was made again");
    }

    #[test]
    fn a_failure_is_not_kept() {
        let recent: Recent<u32, u32> = Recent::new();
        assert!(recent.get_or(1, |_| Err("no")).is_err());
        assert_eq!(recent.get_or(1, |_| Ok::<_, &str>(7)), Ok(7));
    }
}

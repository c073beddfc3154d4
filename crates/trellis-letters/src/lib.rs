//! Feedback letters laid out as A4 PDFs.
//!
//! This crate takes a letter whose text is already written (trellis-core builds it from
//! the decision, the agreed scores and the panel's comments) and sets it on A4 pages:
//! letterhead, recipient address block, date, wrapped paragraphs, a per-criterion table
//! that splits across pages between lines, and "Page N of M" with the footer on every
//! page. Text is real and selectable, in an embedded, subset open-licence font
//! (DejaVu Sans, shipped in `assets/fonts/` with its licence).
//!
//! Pages are laid out by hand with printpdf's drawing operations and our own line
//! wrapping on the font's glyph advances (no HTML layout engine: it was much slower
//! and embedded whole fonts). The same input gives the same bytes: the document id
//! and dates come from the letter, never from the clock or a random source.

mod fonts;
mod layout;
mod pdf;
mod write;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use fonts::{Fonts, BOLD_FONT_FILE, REGULAR_FONT_FILE};
pub use write::write_atomically;

/// Who the letter is from: shown at the top of the first page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    pub organisation_name: String,
    pub address_lines: Vec<String>,
    /// A PNG image, drawn at the top left (see [`read_logo`]).
    pub logo_png: Option<Vec<u8>>,
}

/// One row of the per-criterion table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionRow {
    pub criterion: String,
    /// The agreed score's descriptor in words, e.g. "Good: meets the criterion well".
    pub score_words: String,
    /// The panel's comments on this criterion.
    pub comments: String,
}

/// A letter whose text is final; rendering only lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// A fixed identifier (e.g. the letter version's UUID); it becomes the PDF's
    /// document id, so the same letter always gives the same file.
    pub document_id: String,
    /// The letter's date, printed on it and used as the PDF's creation date.
    pub date: NaiveDate,
    /// The recipient's address block, one line each.
    pub recipient: Vec<String>,
    pub salutation: String,
    /// The letter's subject line, e.g. the decision.
    pub heading: String,
    pub paragraphs: Vec<String>,
    pub criteria: Vec<CriterionRow>,
    pub closing_paragraphs: Vec<String>,
    /// Lines of the sign-off, kept together on one page ("Yours sincerely," a name,
    /// a role). An empty line leaves room for a signature.
    pub sign_off: Vec<String>,
    /// Printed at the foot of every page, beside "Page N of M".
    pub footer: String,
}

/// How a letter is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    /// Large print: body text 16 pt (11 pt otherwise), headings larger still.
    pub large_print: bool,
}

/// Why a letter could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("font file not found: {}", path.display())]
    FontMissing { path: PathBuf },
    #[error("cannot read font file {}: {source}", path.display())]
    FontUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("font {font} cannot be used: {reason}")]
    FontInvalid { font: String, reason: String },
    #[error("logo file not found: {}", path.display())]
    LogoMissing { path: PathBuf },
    #[error("cannot read logo file {}: {source}", path.display())]
    LogoUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{logo} is not a readable PNG image: {reason}")]
    LogoInvalid { logo: String, reason: String },
    #[error("there are no letters to put in the combined file")]
    NoLetters,
    #[error("cannot serialise the PDF: {0}")]
    Serialise(String),
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Lays out one letter as an A4 PDF.
pub fn render(
    letterhead: &Letterhead,
    letter: &Letter,
    layout: &Layout,
    fonts: &Fonts,
) -> Result<Vec<u8>, LetterError> {
    pdf::build(&[(letterhead, letter, layout)], fonts)
}

/// Lays out many letters as one print file: each letter starts on a new page and has
/// its own page numbers ("Page 1 of 2" restarts for each letter).
pub fn render_combined(
    items: &[(Letterhead, Letter, Layout)],
    fonts: &Fonts,
) -> Result<Vec<u8>, LetterError> {
    if items.is_empty() {
        return Err(LetterError::NoLetters);
    }
    let items: Vec<_> = items.iter().map(|(h, l, o)| (h, l, o)).collect();
    pdf::build(&items, fonts)
}

/// Reads a PNG logo for a [`Letterhead`], checking that it decodes; a missing file or
/// one that is not a readable PNG is an error naming the file.
pub fn read_logo(path: &Path) -> Result<Vec<u8>, LetterError> {
    let bytes = std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            LetterError::LogoMissing {
                path: path.to_path_buf(),
            }
        } else {
            LetterError::LogoUnreadable {
                path: path.to_path_buf(),
                source,
            }
        }
    })?;
    pdf::decode_png(&bytes, &format!("logo file {}", path.display()))?;
    Ok(bytes)
}

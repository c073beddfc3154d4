//! Builds the PDF document from laid-out pages and serialises it deterministically.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use printpdf::{
    FontId, ImageCompression, ImageOptimizationOptions, Mm, OffsetDateTime, ParsedFont,
    PdfDocument, PdfFont, PdfPage, PdfSaveOptions, RawImage, XObject, XObjectId,
};

use crate::fonts::Face;
use crate::layout::{self, PlacedLogo, UsedChars, BOLD_ID, REGULAR_ID};
use crate::{Fonts, Layout, Letter, LetterError, Letterhead};

const PRODUCER: &str = "Trellis (trellis-letters)";

/// Lays out every letter and serialises them as one PDF.
pub(crate) fn build(
    items: &[(&Letterhead, &Letter, &Layout)],
    fonts: &Fonts,
) -> Result<Vec<u8>, LetterError> {
    let first = items.first().ok_or(LetterError::NoLetters)?;
    let (title, identifier, date) = if items.len() == 1 {
        let (head, letter, _) = first;
        (
            format!("{}: {}", head.organisation_name, letter.heading),
            letter.document_id.clone(),
            letter.date,
        )
    } else {
        let ids: Vec<&str> = items
            .iter()
            .map(|(_, l, _)| l.document_id.as_str())
            .collect();
        let latest = items
            .iter()
            .map(|(_, l, _)| l.date)
            .max()
            .unwrap_or(first.1.date);
        (
            format!("{} letters", items.len()),
            format!("batch-{}", hex_digest(ids.join("\n").as_bytes())),
            latest,
        )
    };

    let mut doc = PdfDocument::new(&title);
    let stamp = midnight_utc(date);
    let info = &mut doc.metadata.info;
    info.creation_date = stamp;
    info.modification_date = stamp;
    info.metadata_date = stamp;
    info.identifier = identifier.clone();
    info.author = first.0.organisation_name.clone();
    info.creator = PRODUCER.to_string();
    info.producer = PRODUCER.to_string();

    // One image per distinct logo, however many letters use it.
    let mut logos: Vec<(&[u8], PlacedLogo)> = Vec::new();
    let mut pages = Vec::new();
    let mut used = UsedChars::default();
    for (head, letter, layout) in items {
        let logo = match &head.logo_png {
            None => None,
            Some(bytes) => {
                let index = match logos.iter().position(|(b, _)| *b == bytes.as_slice()) {
                    Some(index) => index,
                    None => {
                        let name =
                            format!("the logo of the letterhead \"{}\"", head.organisation_name);
                        let image = decode_png(bytes, &name)?;
                        let placed = PlacedLogo {
                            id: XObjectId(format!("Logo{}", logos.len() + 1)),
                            width_px: image.width,
                            height_px: image.height,
                        };
                        doc.resources
                            .xobjects
                            .map
                            .insert(placed.id.clone(), XObject::Image(image));
                        logos.push((bytes.as_slice(), placed));
                        logos.len() - 1
                    }
                };
                Some(&logos[index].1)
            }
        };
        for ops in layout::lay_out(head, letter, layout, fonts, logo, &mut used) {
            pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
        }
    }
    doc.pages = pages;

    // Fixed resource ids (printpdf's own are random), so the same input gives the
    // same bytes; each face cut down to the characters the letters use.
    for (id, face, chars) in [
        (REGULAR_ID, &fonts.regular, &used.regular),
        (BOLD_ID, &fonts.bold, &used.bold),
    ] {
        if !chars.is_empty() {
            let font = subset(face, chars, id)?;
            doc.resources
                .fonts
                .map
                .insert(FontId(id.to_string()), PdfFont::new(font));
        }
    }

    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        // Lossless: a logo keeps its colours and edges.
        image_optimization: Some(ImageOptimizationOptions {
            format: Some(ImageCompression::Flate),
            ..Default::default()
        }),
    };
    let mut warnings = Vec::new();
    let mut pdf = doc.to_lopdf_document(&options, &mut warnings);
    pdf.compress();
    // printpdf fills the trailer's /ID with random characters; use the letter's id.
    let id = hex_digest(identifier.as_bytes()).into_bytes();
    pdf.trailer.set(
        "ID",
        lopdf::Object::Array(vec![
            lopdf::Object::String(id.clone(), lopdf::StringFormat::Literal),
            lopdf::Object::String(id, lopdf::StringFormat::Literal),
        ]),
    );
    let mut bytes = Vec::new();
    pdf.save_to(&mut bytes)
        .map_err(|e| LetterError::Serialise(e.to_string()))?;
    Ok(bytes)
}

/// Decodes a PNG, or says which image (`name`) could not be read and why.
pub(crate) fn decode_png(bytes: &[u8], name: &str) -> Result<RawImage, LetterError> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(SIGNATURE) {
        return Err(LetterError::LogoInvalid {
            logo: name.to_string(),
            reason: "it does not start with the PNG signature".to_string(),
        });
    }
    let mut warnings = Vec::new();
    RawImage::decode_from_bytes(bytes, &mut warnings).map_err(|reason| LetterError::LogoInvalid {
        logo: name.to_string(),
        reason,
    })
}

fn midnight_utc(date: NaiveDate) -> OffsetDateTime {
    let seconds = date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or(0);
    OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or_else(|_| OffsetDateTime::from_unix_timestamp(0).expect("the epoch is a date"))
}

/// A 128-bit FNV-1a digest as 32 hex digits: a stable, fixed-length document id.
fn hex_digest(bytes: &[u8]) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut hash = OFFSET;
    for b in bytes {
        hash ^= u128::from(*b);
        hash = hash.wrapping_mul(PRIME);
    }
    format!("{hash:032x}")
}

/// A copy of `face` holding only the glyphs for `chars` (plus the missing-glyph box),
/// named with the subset tag `TAG+Name` that marks a subset font program.
///
/// printpdf 0.12 subsets fonts itself only with its `text_layout` feature, which
/// brings in a whole layout engine; allsorts, which printpdf uses for that, does it
/// here. The subset keeps a Unicode cmap, so printpdf maps text to glyphs and writes
/// /ToUnicode from it as it would for the whole font.
fn subset(face: &Face, chars: &BTreeSet<char>, tag: &str) -> Result<ParsedFont, LetterError> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{subset, CmapTarget, SubsetProfile};
    use allsorts::tag;

    let name = face.parsed.font_name.clone().unwrap_or_default();
    let error = |reason: String| LetterError::FontInvalid {
        font: name.clone(),
        reason: format!("cannot cut it down to the characters used: {reason}"),
    };
    let glyphs: BTreeSet<u16> = chars
        .iter()
        .filter_map(|c| face.parsed.lookup_glyph_index(u32::from(*c)))
        .filter(|gid| *gid != 0)
        .collect();
    // Glyph 0 (.notdef) first, as allsorts requires; the rest in order, no repeats.
    let ids: Vec<u16> = std::iter::once(0).chain(glyphs).collect();
    let scope = ReadScope::new(&face.parsed.original_bytes);
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
    let mut font = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
        .ok_or_else(|| error("the subset font does not parse".to_string()))?;
    font.font_name = Some(format!("{tag}+{name}"));
    Ok(font)
}

//! Builds the PDF document from laid-out pages and serialises it deterministically.

use chrono::NaiveDate;
use printpdf::{
    FontId, ImageCompression, ImageOptimizationOptions, Mm, OffsetDateTime, PdfDocument, PdfFont,
    PdfPage, PdfSaveOptions, RawImage, XObject, XObjectId,
};

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
    // same bytes; each face cut down to the characters the letters use. The body face
    // also keeps every printable ASCII character: letters of one batch differ in names,
    // addresses and figures, and this way most of them share one subset, cut and
    // deflated once (`Recent`), for a few more glyphs in each file. The bold face sets
    // the headings, which a batch shares anyway.
    let mut body = used.regular.clone();
    if !body.is_empty() {
        body.extend(' '..='~');
    }
    for (id, face, chars) in [
        (REGULAR_ID, &fonts.regular, &body),
        (BOLD_ID, &fonts.bold, &used.bold),
    ] {
        if !chars.is_empty() {
            let font = face.subset(chars, id)?;
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
    compress_streams(&mut pdf, fonts)?;
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

/// Deflates every stream not yet filtered, as lopdf's `Document::compress` would, but at
/// the default level with one compressor reused for every stream (lopdf's level 9 with a
/// fresh compressor and its buffers per stream was a third of a letter's time, for files
/// barely smaller), and font programs (the streams with `/Length1`, most of the bytes)
/// deflated once per batch.
fn compress_streams(pdf: &mut lopdf::Document, fonts: &Fonts) -> Result<(), LetterError> {
    use flate2::{Compress, Compression};
    let mut deflate = Compress::new(Compression::default(), true);
    for object in pdf.objects.values_mut() {
        let lopdf::Object::Stream(stream) = object else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let out = if stream.dict.get(b"Length1").is_ok() {
            fonts
                .deflated
                .get_or(stream.content.clone(), |raw| deflate_all(&mut deflate, raw))?
        } else {
            deflate_all(&mut deflate, &stream.content)?
        };
        // As lopdf does: keep the raw bytes when deflating saves less than the filter's
        // own entry costs.
        if out.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(out);
        }
    }
    Ok(())
}

/// `input` as one zlib stream.
fn deflate_all(deflate: &mut flate2::Compress, input: &[u8]) -> Result<Vec<u8>, LetterError> {
    use flate2::{FlushCompress, Status};
    deflate.reset();
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    loop {
        let read = usize::try_from(deflate.total_in()).unwrap_or(usize::MAX);
        let rest = input.get(read..).unwrap_or_default();
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64));
        }
        match deflate.compress_vec(rest, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => return Ok(out),
            Ok(_) => {}
            Err(e) => return Err(LetterError::Serialise(format!("deflating a stream: {e}"))),
        }
    }
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

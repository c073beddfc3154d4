//! Renders real PDFs and reads them back with poppler's tools (pdftotext, pdfinfo,
//! pdffonts), which scripts/setup.sh installs (poppler-utils). A missing tool fails
//! the test rather than skipping it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use trellis_letters::{
    read_logo, render, render_combined, write_atomically, CriterionRow, Fonts, Layout, Letter,
    LetterError, Letterhead, BOLD_FONT_FILE, REGULAR_FONT_FILE,
};

fn fonts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts")
}

fn fonts() -> Fonts {
    Fonts::load(&fonts_dir()).expect("the shipped fonts load")
}

/// Runs a poppler tool on `pdf` and returns its standard output.
fn poppler(tool: &str, args: &[&str], pdf: &Path) -> String {
    let output = Command::new(tool)
        .args(args)
        .arg(pdf)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {tool} ({e}): install poppler-utils with scripts/setup.sh")
        });
    assert!(
        output.status.success(),
        "{tool} failed on {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("poppler prints UTF-8")
}

/// Writes `bytes` to `name` in `dir` the way the app does, and returns the path.
fn save(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    write_atomically(&path, bytes).expect("write the PDF");
    path
}

fn text_of(path: &Path, mode: &str) -> String {
    poppler("pdftotext", &[mode, "-enc", "UTF-8"], path)
}

/// Whitespace collapsed to single spaces, so wrapped lines read as running text.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts each needle occurs in `haystack`, each after the one before.
fn assert_in_order(haystack: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        match haystack[from..].find(needle) {
            Some(at) => from += at + needle.len(),
            None => {
                panic!("{needle:?} missing (or out of order) after byte {from} in:\n{haystack}")
            }
        }
    }
}

fn page_count(path: &Path) -> usize {
    let info = poppler("pdfinfo", &[], path);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in pdfinfo output:\n{info}"))
}

fn letterhead() -> Letterhead {
    Letterhead {
        organisation_name: "Northfield CVS Anti-Racist Commissioning".to_string(),
        address_lines: vec![
            "12 Market Street".to_string(),
            "Northfield NF1 2AB".to_string(),
            "grants@northfield-cvs.org.uk".to_string(),
        ],
        logo_png: None,
    }
}

fn criterion(name: &str, score: &str, comments: &str) -> CriterionRow {
    CriterionRow {
        criterion: name.to_string(),
        score_words: score.to_string(),
        comments: comments.to_string(),
    }
}

fn letter() -> Letter {
    Letter {
        document_id: "0192f5a3-7c1e-7b2a-9d4e-5f6a7b8c9d0e".to_string(),
        date: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        recipient: vec![
            "Çiğdem Kadın Dayanışma Derneği".to_string(),
            "4 Canal Road".to_string(),
            "Northfield NF3 4CD".to_string(),
        ],
        salutation: "Dear Çiğdem Kadın Dayanışma Derneği,".to_string(),
        heading: "Your application has been funded".to_string(),
        paragraphs: vec![
            "Thank you for applying to the Healthy Hearts round. The panel met on 2 March \
             and agreed to fund your project in full."
                .to_string(),
            "We will pay £12,000 in two parts. The first part is paid when you sign the \
             grant agreement."
                .to_string(),
        ],
        criteria: vec![
            criterion(
                "Need in the community",
                "Strong: clearly meets this",
                "You used your members' own words to show the need. The panel found this \
                 very convincing.",
            ),
            criterion(
                "Plan and budget",
                "Good: mostly meets this",
                "The budget was clear. Say more about who will run the sessions each week.",
            ),
            criterion(
                "Working with others",
                "Fair: partly meets this",
                "Tell us which partners, such as Łączy Nas, have agreed to take part.",
            ),
        ],
        closing_paragraphs: vec![
            "If you have questions, call us on 01234 567890. We are happy to help.".to_string(),
        ],
        sign_off: vec![
            "Yours sincerely,".to_string(),
            String::new(),
            "Amina Okafor".to_string(),
            "Grants Officer".to_string(),
        ],
        footer: "Northfield CVS is a registered charity, number 1234567.".to_string(),
    }
}

/// A sentence that says which paragraph and sentence it is, so a lost one is named.
fn sentence(kind: &str, i: usize, j: usize) -> String {
    format!(
        "{kind} {i} sentence {j} says what went well and what would make a future bid \
         stronger for the group."
    )
}

/// 40 paragraphs and 12 criteria with long comments.
fn long_letter() -> Letter {
    let mut letter = letter();
    letter.paragraphs = (1..=40)
        .map(|i| {
            (1..=3)
                .map(|j| sentence("Paragraph", i, j))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    letter.criteria = (1..=12)
        .map(|i| {
            criterion(
                &format!("Criterion {i}"),
                "Good",
                &(1..=6)
                    .map(|j| sentence("Comment", i, j))
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();
    letter
}

/// A small valid PNG (a 4×2 RGB image), made by hand: zlib "stored" blocks need no
/// compressor.
fn tiny_png() -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc(&body).to_be_bytes());
    }
    let (w, h) = (4u32, 2u32);
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            raw.extend([(40 * x) as u8, 90, (120 * y) as u8]);
        }
    }
    let mut adler = (1u32, 0u32);
    for b in &raw {
        adler.0 = (adler.0 + u32::from(*b)) % 65521;
        adler.1 = (adler.1 + adler.0) % 65521;
    }
    let mut zlib = vec![0x78, 0x01, 0x01];
    zlib.extend((raw.len() as u16).to_le_bytes());
    zlib.extend((!(raw.len() as u16)).to_le_bytes());
    zlib.extend(&raw);
    zlib.extend(((adler.1 << 16) | adler.0).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[test]
fn letter_reads_back_in_order_on_a4_with_embedded_subset_fonts() {
    let dir = tempfile::tempdir().unwrap();
    let letter = letter();
    let pdf = render(&letterhead(), &letter, &Layout::default(), &fonts()).unwrap();
    let path = save(&dir, "letter.pdf", &pdf);

    let text = flat(&text_of(&path, "-layout"));
    assert_in_order(
        &text,
        &[
            "Northfield CVS Anti-Racist Commissioning",
            "12 Market Street",
            "Çiğdem Kadın Dayanışma Derneği",
            "9 March 2026",
            "Dear Çiğdem Kadın Dayanışma Derneği,",
            "Your application has been funded",
            "agreed to fund your project in full.",
            "Criterion",
            // Cells wrap, so -layout interleaves a row's columns line by line.
            "Need in the",
            "Plan and budget",
            "Working with",
            "If you have questions",
            "Yours sincerely,",
            "Amina Okafor",
            "Northfield CVS is a registered charity, number 1234567.",
            "Page 1 of 1",
        ],
    );
    // Each criterion's comments follow it (read in content order, so a wrapped cell
    // reads as running text).
    let raw = flat(&text_of(&path, "-raw"));
    let mut order = Vec::new();
    for row in &letter.criteria {
        order.extend([
            row.criterion.as_str(),
            row.score_words.as_str(),
            row.comments.as_str(),
        ]);
    }
    assert_in_order(&raw, &order);

    let info = poppler("pdfinfo", &[], &path);
    let size = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or_else(|| panic!("no page size in:\n{info}"));
    assert!(
        size.contains("595.") && size.contains("x 841.") && size.contains("(A4)"),
        "{size}"
    );
    assert_eq!(page_count(&path), 1);

    let fonts = poppler("pdffonts", &[], &path);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "two faces, regular and bold:\n{fonts}");
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let name = cols[0];
        assert!(
            name.len() > 7
                && name.as_bytes()[6] == b'+'
                && name[..6].chars().all(|c| c.is_ascii_uppercase()),
            "subset tag missing on {name}:\n{fonts}"
        );
        assert!(name.contains("DejaVuSans"), "{fonts}");
        // name type encoding emb sub uni object ID
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "emb/sub/uni:\n{fonts}"
        );
    }
}

#[test]
fn long_letter_flows_onto_further_pages_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let letter = long_letter();
    let pdf = render(&letterhead(), &letter, &Layout::default(), &fonts()).unwrap();
    let path = save(&dir, "long.pdf", &pdf);
    let pages = page_count(&path);
    assert!(
        pages >= 3,
        "40 paragraphs and 12 long criteria fit on {pages} pages?"
    );

    let layout = text_of(&path, "-layout");
    for n in 1..=pages {
        assert!(
            layout.contains(&format!("Page {n} of {pages}")),
            "page {n} unnumbered"
        );
    }
    assert_eq!(
        layout
            .matches("Northfield CVS is a registered charity")
            .count(),
        pages,
        "the footer is on every page"
    );

    // Content order, with the page furniture (footer, page numbers, the table header
    // repeated on a new page) taken out so a row split across pages reads on.
    let mut raw = text_of(&path, "-raw");
    for n in 1..=pages {
        raw = raw.replace(&format!("Page {n} of {pages}"), " ");
    }
    raw = raw.replace(&letter.footer, " ");
    let mut raw = flat(&raw).replace("Criterion Score Comments ", "");
    for row in &letter.criteria {
        raw = raw.replace(&format!("{} (continued) ", row.criterion), "");
    }
    assert!(!raw.contains("(continued)"), "a continued row is not named");
    let mut expected: Vec<String> = Vec::new();
    for i in 1..=40 {
        expected.extend((1..=3).map(|j| sentence("Paragraph", i, j)));
    }
    for i in 1..=12 {
        expected.push(format!("Criterion {i} Good"));
        expected.extend((1..=6).map(|j| sentence("Comment", i, j)));
    }
    expected.push("Amina Okafor".to_string());
    let needles: Vec<&str> = expected.iter().map(String::as_str).collect();
    assert_in_order(&raw, &needles);
}

#[test]
fn accents_and_non_latin_letters_survive() {
    let dir = tempfile::tempdir().unwrap();
    let mut letter = letter();
    let names = [
        "Çiğdem Kadın Dayanışma Derneği",
        "Łączy Nas",
        // Yoruba: ẹ with a combining acute (U+0301) has no precomposed form.
        "Ẹgbẹ́ Ìlera Yorùbá",
    ];
    letter.recipient = names.iter().map(|s| s.to_string()).collect();
    letter
        .paragraphs
        .push(format!("Partners: {}.", names.join(", ")));
    let mut head = letterhead();
    head.organisation_name = "Ẹgbẹ́ Ìlera Yorùbá".to_string();
    let pdf = render(&head, &letter, &Layout::default(), &fonts()).unwrap();
    let path = save(&dir, "names.pdf", &pdf);
    let text = text_of(&path, "-layout");
    for name in names {
        assert!(text.contains(name), "{name:?} lost:\n{text}");
    }
    assert!(
        text.contains("gbe\u{323}\u{301}") || text.contains("gbẹ\u{301}"),
        "combining acute lost"
    );
}

/// A batch reuses subset fonts and deflated font programs from letter to letter; letters
/// whose characters differ (plain, accented, another script) must each still carry
/// their own glyphs, and give the same bytes as when rendered alone with fresh fonts.
#[test]
fn a_batch_reuses_fonts_without_mixing_letters_up() {
    let dir = tempfile::tempdir().unwrap();
    let recipients = [
        "Hope Kitchen",
        "Çiğdem Kadın Dayanışma Derneği",
        "Жіноча громада Істбрука",
        "Hope Kitchen",
        "Ẹgbẹ́ Ìlera Yorùbá",
        "Hope Kitchen",
    ];
    let head = letterhead();
    let shared = fonts();
    for (i, name) in recipients.iter().enumerate() {
        let mut letter = letter();
        letter.recipient = vec![name.to_string()];
        letter.paragraphs.push(format!("Thank you, {name}."));
        let in_batch = render(&head, &letter, &Layout::default(), &shared).unwrap();
        let alone = render(&head, &letter, &Layout::default(), &fonts()).unwrap();
        assert!(
            in_batch == alone,
            "letter {i} differs from the same letter alone"
        );
        let path = save(&dir, &format!("letter-{i}.pdf"), &in_batch);
        let text = text_of(&path, "-layout");
        assert!(
            text.contains(&format!("Thank you, {name}.")),
            "letter {i} lost {name:?}:\n{text}"
        );
    }
}

/// Height of the text's words as pdftotext measures them (font ascent + descent),
/// the median over the page's words, in points.
fn median_word_height(path: &Path) -> f32 {
    let html = poppler("pdftotext", &["-bbox"], path);
    let mut heights: Vec<f32> = html
        .lines()
        .filter(|l| l.contains("<word "))
        .filter_map(|l| {
            let attr = |name: &str| -> Option<f32> {
                let start = l.find(&format!("{name}=\""))? + name.len() + 2;
                l[start..].split('"').next()?.parse().ok()
            };
            Some(attr("yMax")? - attr("yMin")?)
        })
        .collect();
    heights.sort_by(f32::total_cmp);
    heights[heights.len() / 2]
}

#[test]
fn large_print_sets_body_text_at_16_points_or_more() {
    let dir = tempfile::tempdir().unwrap();
    let fonts = fonts();
    let letter = long_letter();
    let normal = save(
        &dir,
        "normal.pdf",
        &render(&letterhead(), &letter, &Layout::default(), &fonts).unwrap(),
    );
    let large = save(
        &dir,
        "large.pdf",
        &render(
            &letterhead(),
            &letter,
            &Layout { large_print: true },
            &fonts,
        )
        .unwrap(),
    );
    // DejaVu Sans's glyph box is 1.164 em, so 16 pt text measures about 18.6 pt.
    let (normal_h, large_h) = (median_word_height(&normal), median_word_height(&large));
    assert!(
        large_h >= 16.0 * 1.16,
        "large print words are {large_h} pt tall"
    );
    assert!(
        normal_h < 12.0 * 1.17,
        "normal words are {normal_h} pt tall"
    );
    assert!(page_count(&large) > page_count(&normal));
    let text = flat(&text_of(&large, "-raw"));
    assert!(
        text.contains(&sentence("Comment", 12, 6)),
        "large print lost text"
    );
}

#[test]
fn same_input_gives_the_same_bytes() {
    let fonts = fonts();
    let mut head = letterhead();
    head.logo_png = Some(tiny_png());
    let letter = long_letter();
    let first = render(&head, &letter, &Layout::default(), &fonts).unwrap();
    let second = render(&head, &letter, &Layout::default(), &fonts).unwrap();
    assert!(first == second, "two renders differ");
    let items = vec![
        (head.clone(), letter.clone(), Layout::default()),
        (head, letter.clone(), Layout { large_print: true }),
    ];
    assert!(render_combined(&items, &fonts).unwrap() == render_combined(&items, &fonts).unwrap());

    // The document id and dates come from the letter.
    let dir = tempfile::tempdir().unwrap();
    let path = save(&dir, "fixed.pdf", &first);
    let info = poppler("pdfinfo", &["-isodates"], &path);
    assert!(
        info.contains("2026-03-09T00:00:00"),
        "dates are the letter's:\n{info}"
    );
    let mut other = letter;
    other.document_id = "another-version".to_string();
    assert!(render(&letterhead(), &other, &Layout::default(), &fonts).unwrap() != first);
}

#[test]
fn combined_file_starts_each_letter_on_a_new_page_with_its_own_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let fonts = fonts();
    let mut second = letter();
    second.document_id = "second".to_string();
    second.recipient[0] = "Łączy Nas".to_string();
    let items = vec![
        (letterhead(), long_letter(), Layout::default()),
        (letterhead(), second, Layout::default()),
        (letterhead(), letter(), Layout { large_print: true }),
    ];
    let mut sum = 0;
    for (i, (head, letter, layout)) in items.iter().enumerate() {
        let path = save(
            &dir,
            &format!("{i}.pdf"),
            &render(head, letter, layout, &fonts).unwrap(),
        );
        sum += page_count(&path);
    }
    let path = save(&dir, "all.pdf", &render_combined(&items, &fonts).unwrap());
    assert_eq!(page_count(&path), sum);
    let text = text_of(&path, "-layout");
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let long_pages = pages
        .iter()
        .take_while(|p| !p.contains("Łączy Nas"))
        .count();
    assert!(long_pages >= 3);
    assert!(
        pages[long_pages].contains("Page 1 of 1"),
        "second letter restarts numbering"
    );
    assert!(pages[long_pages - 1].contains(&format!("Page {long_pages} of {long_pages}")));
    assert!(matches!(
        render_combined(&[], &fonts),
        Err(LetterError::NoLetters)
    ));
}

#[test]
fn logo_is_drawn_and_a_bad_logo_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let logo_path = save(&dir, "logo.png", &tiny_png());
    let mut head = letterhead();
    head.logo_png = Some(read_logo(&logo_path).unwrap());
    let path = save(
        &dir,
        "logo.pdf",
        &render(&head, &letter(), &Layout::default(), &fonts()).unwrap(),
    );
    let images = poppler("pdfimages", &["-list"], &path);
    assert_eq!(images.lines().skip(2).count(), 1, "one image:\n{images}");

    let missing = dir.path().join("no-such-logo.png");
    let err = read_logo(&missing).unwrap_err();
    assert!(err.to_string().contains("no-such-logo.png"), "{err}");

    let bad = save(&dir, "broken.png", b"\x89PNG\r\n\x1a\nnot really");
    let err = read_logo(&bad).unwrap_err();
    assert!(matches!(err, LetterError::LogoInvalid { .. }), "{err:?}");
    assert!(err.to_string().contains("broken.png"), "{err}");

    head.logo_png = Some(b"GIF89a".to_vec());
    let err = render(&head, &letter(), &Layout::default(), &fonts()).unwrap_err();
    assert!(
        err.to_string()
            .contains("Northfield CVS Anti-Racist Commissioning"),
        "{err}"
    );
}

#[test]
fn a_missing_font_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = Fonts::load(dir.path()).unwrap_err();
    assert!(matches!(err, LetterError::FontMissing { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&dir.path().join(REGULAR_FONT_FILE).display().to_string()),
        "{err}"
    );

    std::fs::copy(
        fonts_dir().join(REGULAR_FONT_FILE),
        dir.path().join(REGULAR_FONT_FILE),
    )
    .unwrap();
    let err = Fonts::load(dir.path()).unwrap_err();
    assert!(err.to_string().contains(BOLD_FONT_FILE), "{err}");

    std::fs::write(dir.path().join(BOLD_FONT_FILE), b"not a font").unwrap();
    let err = Fonts::load(dir.path()).unwrap_err();
    assert!(matches!(err, LetterError::FontInvalid { .. }), "{err:?}");
    assert!(err.to_string().contains(BOLD_FONT_FILE), "{err}");
}

#[test]
fn writing_replaces_the_file_whole_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    write_atomically(&path, b"first").unwrap();
    write_atomically(&path, b"second").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"second");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("letter.pdf")]);

    let err = write_atomically(&dir.path().join("no-such-folder/letter.pdf"), b"x").unwrap_err();
    assert!(err.to_string().contains("no-such-folder"), "{err}");
}

/// Prints how long 100 one-to-two page letters take (run with --release for a figure
/// worth reading); asserts only that they render.
#[test]
fn timing_of_100_letters_is_printed() {
    let fonts = fonts();
    let head = letterhead();
    let mut letter = letter();
    letter.paragraphs.extend((1..=6).map(|i| {
        (1..=3)
            .map(|j| sentence("Paragraph", i, j))
            .collect::<Vec<_>>()
            .join(" ")
    }));
    let start = Instant::now();
    let mut bytes = 0;
    for i in 0..100 {
        letter.document_id = format!("letter-{i}");
        bytes += render(&head, &letter, &Layout::default(), &fonts)
            .unwrap()
            .len();
    }
    let elapsed = start.elapsed();
    println!(
        "rendered 100 letters in {:.3} s ({:.0} letters/s, {} KiB each)",
        elapsed.as_secs_f64(),
        100.0 / elapsed.as_secs_f64(),
        bytes / 100 / 1024
    );
}

//! Lays a letter out on A4 pages as printpdf drawing operations.
//!
//! Coordinates are PDF points from the bottom-left corner. A cursor `y` marks the top
//! of the next line; a block that does not fit above the bottom margin continues on a
//! new page, so nothing is ever clipped.

use std::collections::BTreeSet;

use printpdf::{
    Color, FontId, Greyscale, Line, LinePoint, Op, PaintMode, PdfFontHandle, Point, Pt, Rect,
    TextItem, XObjectId, XObjectTransform,
};

use crate::fonts::{Face, Fonts};
use crate::{Layout, Letter, Letterhead};

/// A4 in points.
pub(crate) const PAGE_WIDTH: f32 = 595.2756;
pub(crate) const PAGE_HEIGHT: f32 = 841.8898;
const MARGIN_SIDE: f32 = 68.0;
const MARGIN_TOP: f32 = 56.0;
/// Baseline of the lowest footer line above the bottom edge.
const FOOTER_BASELINE: f32 = 36.0;

/// PDF resource names of the two faces. Their first six letters also make the
/// subset tag (`TRELRG+DejaVuSans`), so they are fixed, upper-case and distinct.
pub(crate) const REGULAR_ID: &str = "TRELRG";
pub(crate) const BOLD_ID: &str = "TRELBD";

/// Ascender plus descender of DejaVu Sans, in em; the rest of a line's height is
/// shared above and below.
const GLYPH_BOX: f32 = 1.164;

#[derive(Debug, Clone, Copy)]
struct Sizes {
    body: f32,
    small: f32,
    heading: f32,
    organisation: f32,
    /// Line height as a multiple of the font size.
    leading: f32,
    logo_height: f32,
}

impl Sizes {
    fn for_layout(layout: &Layout) -> Sizes {
        if layout.large_print {
            Sizes {
                body: 16.0,
                small: 16.0,
                heading: 20.0,
                organisation: 20.0,
                leading: 1.35,
                logo_height: 64.0,
            }
        } else {
            Sizes {
                body: 11.0,
                small: 9.0,
                heading: 14.0,
                organisation: 15.0,
                leading: 1.4,
                logo_height: 52.0,
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

/// A logo registered in the document's resources, with its size in pixels.
#[derive(Debug, Clone)]
pub(crate) struct PlacedLogo {
    pub(crate) id: XObjectId,
    pub(crate) width_px: usize,
    pub(crate) height_px: usize,
}

/// The characters drawn in each face, for subsetting the fonts.
#[derive(Debug, Default)]
pub(crate) struct UsedChars {
    pub(crate) regular: BTreeSet<char>,
    pub(crate) bold: BTreeSet<char>,
}

/// Lays out one letter; returns the operations of each of its pages, and records the
/// characters it uses in `used`.
pub(crate) fn lay_out(
    letterhead: &Letterhead,
    letter: &Letter,
    layout: &Layout,
    fonts: &Fonts,
    logo: Option<&PlacedLogo>,
    used: &mut UsedChars,
) -> Vec<Vec<Op>> {
    let sizes = Sizes::for_layout(layout);
    let mut page = Composer::new(fonts, sizes, &letter.footer, used);
    page.letterhead(letterhead, logo);
    page.address_block(&letter.recipient);
    page.gap(0.8);
    page.paragraph(&format_date(letter), Weight::Regular, sizes.body);
    page.gap(1.2);
    if !letter.salutation.is_empty() {
        page.paragraph(&letter.salutation, Weight::Regular, sizes.body);
        page.gap(0.8);
    }
    if !letter.heading.is_empty() {
        page.keep_lines(3, sizes.body);
        page.paragraph(&letter.heading, Weight::Bold, sizes.heading);
        page.gap(0.6);
    }
    for text in &letter.paragraphs {
        page.paragraph(text, Weight::Regular, sizes.body);
        page.gap(0.6);
    }
    if !letter.criteria.is_empty() {
        page.gap(0.4);
        page.criteria_table(&letter.criteria);
        page.gap(1.0);
    }
    for text in &letter.closing_paragraphs {
        page.paragraph(text, Weight::Regular, sizes.body);
        page.gap(0.6);
    }
    if !letter.sign_off.is_empty() {
        page.gap(0.4);
        page.sign_off(&letter.sign_off);
    }
    page.finish()
}

/// "26 November 2026": day, month in words, year (GOV.UK style).
fn format_date(letter: &Letter) -> String {
    letter.date.format("%-d %B %Y").to_string()
}

struct Composer<'a> {
    fonts: &'a Fonts,
    used: &'a mut UsedChars,
    sizes: Sizes,
    footer_lines: Vec<String>,
    pages: Vec<Vec<Op>>,
    /// The page being drawn on (the last one, until the footers go on).
    current: usize,
    /// Top of the next line.
    y: f32,
    /// Lowest point content may reach on a page (above the footer).
    bottom: f32,
    /// Nothing has been drawn on the current page yet.
    fresh: bool,
}

impl<'a> Composer<'a> {
    fn new(fonts: &'a Fonts, sizes: Sizes, footer: &str, used: &'a mut UsedChars) -> Composer<'a> {
        let label_room = fonts.regular.width("Page 888 of 888", sizes.small) + sizes.small;
        let footer_width = content_width() - label_room;
        let footer_lines = wrap(&fonts.regular, footer, sizes.small, footer_width);
        let footer_lines_count = footer_lines.len().max(1) as f32;
        let bottom = FOOTER_BASELINE
            + (footer_lines_count - 1.0) * sizes.small * sizes.leading
            + sizes.small * (1.0 + sizes.leading);
        Composer {
            fonts,
            used,
            sizes,
            footer_lines,
            pages: vec![Vec::new()],
            current: 0,
            y: PAGE_HEIGHT - MARGIN_TOP,
            bottom,
            fresh: true,
        }
    }

    fn face(&self, weight: Weight) -> &'a Face {
        match weight {
            Weight::Regular => &self.fonts.regular,
            Weight::Bold => &self.fonts.bold,
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        self.fresh = false;
        &mut self.pages[self.current]
    }

    fn line_height(&self, size: f32) -> f32 {
        size * self.sizes.leading
    }

    /// Baseline of a line whose box starts at `top`.
    fn baseline(&self, top: f32, size: f32, weight: Weight) -> f32 {
        let half_leading = (self.sizes.leading - GLYPH_BOX) / 2.0;
        top - size * (half_leading + self.face(weight).ascent)
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
        self.y = PAGE_HEIGHT - MARGIN_TOP;
        self.fresh = true;
    }

    /// Vertical space of `lines` body lines.
    fn gap(&mut self, lines: f32) {
        if !self.fresh {
            self.y -= lines * self.line_height(self.sizes.body);
        }
    }

    /// Starts a new page unless `lines` lines of `size` still fit on this one.
    fn keep_lines(&mut self, lines: usize, size: f32) {
        if !self.fresh && self.y - lines as f32 * self.line_height(size) < self.bottom {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, baseline: f32, weight: Weight, size: f32, text: &str) {
        let (id, used) = match weight {
            Weight::Regular => (REGULAR_ID, &mut self.used.regular),
            Weight::Bold => (BOLD_ID, &mut self.used.bold),
        };
        used.extend(text.chars());
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(FontId(id.to_string())),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Pt(x),
                    y: Pt(baseline),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    fn rule(&mut self, x0: f32, x1: f32, y: f32, grey: f32, thickness: f32) {
        self.ops().extend([
            Op::SetOutlineColor {
                col: Color::Greyscale(Greyscale::new(grey, None)),
            },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point {
                                x: Pt(x0),
                                y: Pt(y),
                            },
                            bezier: false,
                        },
                        LinePoint {
                            p: Point {
                                x: Pt(x1),
                                y: Pt(y),
                            },
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    fn shade(&mut self, x: f32, y: f32, width: f32, height: f32, grey: f32) {
        self.ops().extend([
            Op::SetFillColor {
                col: Color::Greyscale(Greyscale::new(grey, None)),
            },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(y),
                    width: Pt(width),
                    height: Pt(height),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
            Op::SetFillColor {
                col: Color::Greyscale(Greyscale::new(0.0, None)),
            },
        ]);
    }

    /// A wrapped paragraph across the content width; lines flow onto new pages.
    fn paragraph(&mut self, text: &str, weight: Weight, size: f32) {
        let lines = wrap(self.face(weight), text, size, content_width());
        let line_height = self.line_height(size);
        for line in lines {
            if self.y - line_height < self.bottom && !self.fresh {
                self.new_page();
            }
            if !line.is_empty() {
                let baseline = self.baseline(self.y, size, weight);
                self.text(MARGIN_SIDE, baseline, weight, size, &line);
            }
            self.y -= line_height;
        }
    }

    /// Logo at the top left; organisation name and address right-aligned beside it.
    fn letterhead(&mut self, letterhead: &Letterhead, logo: Option<&PlacedLogo>) {
        let top = self.y;
        let right = PAGE_WIDTH - MARGIN_SIDE;
        let mut text_width = content_width();
        let mut logo_bottom = top;
        if let Some(logo) = logo {
            let max_width = content_width() * 0.35;
            let aspect = logo.width_px.max(1) as f32 / logo.height_px.max(1) as f32;
            let height = self.sizes.logo_height.min(max_width / aspect);
            let width = height * aspect;
            let dpi = logo.height_px.max(1) as f32 * 72.0 / height;
            logo_bottom = top - height;
            self.ops().push(Op::UseXobject {
                id: logo.id.clone(),
                transform: XObjectTransform {
                    translate_x: Some(Pt(MARGIN_SIDE)),
                    translate_y: Some(Pt(logo_bottom)),
                    dpi: Some(dpi),
                    ..Default::default()
                },
            });
            text_width -= width + self.sizes.body * 1.5;
        }
        let mut y = top;
        let name_size = self.sizes.organisation;
        for line in wrap(
            &self.fonts.bold,
            &letterhead.organisation_name,
            name_size,
            text_width,
        ) {
            let baseline = self.baseline(y, name_size, Weight::Bold);
            let x = right - self.fonts.bold.width(&line, name_size);
            self.text(x, baseline, Weight::Bold, name_size, &line);
            y -= self.line_height(name_size);
        }
        let small = self.sizes.small;
        for address in &letterhead.address_lines {
            for line in wrap(&self.fonts.regular, address, small, text_width) {
                let baseline = self.baseline(y, small, Weight::Regular);
                let x = right - self.fonts.regular.width(&line, small);
                self.text(x, baseline, Weight::Regular, small, &line);
                y -= self.line_height(small);
            }
        }
        self.y = y.min(logo_bottom) - self.sizes.body * 0.8;
        self.rule(MARGIN_SIDE, right, self.y, 0.6, 0.75);
        self.y -= self.line_height(self.sizes.body) * 1.4;
    }

    fn address_block(&mut self, lines: &[String]) {
        if lines.is_empty() {
            return;
        }
        self.keep_lines(lines.len(), self.sizes.body);
        for line in lines {
            self.paragraph(line, Weight::Regular, self.sizes.body);
        }
    }

    /// The sign-off stays together on one page.
    fn sign_off(&mut self, lines: &[String]) {
        let size = self.sizes.body;
        let count: usize = lines
            .iter()
            .map(|l| {
                wrap(&self.fonts.regular, l, size, content_width())
                    .len()
                    .max(1)
            })
            .sum();
        self.keep_lines(count, size);
        for line in lines {
            if line.trim().is_empty() {
                self.y -= self.line_height(size);
            } else {
                self.paragraph(line, Weight::Regular, size);
            }
        }
    }

    /// Criterion | score in words | comments. Rows wrap within their cells; a row too
    /// long for the rest of the page splits between lines and carries on under a
    /// repeated header row on the next page.
    fn criteria_table(&mut self, rows: &[crate::CriterionRow]) {
        let size = self.sizes.body;
        let line_height = self.line_height(size);
        let pad = size * 0.45;
        let width = content_width();
        let columns = [width * 0.28, width * 0.24, width * 0.48];
        let lefts = [
            MARGIN_SIDE,
            MARGIN_SIDE + columns[0],
            MARGIN_SIDE + columns[0] + columns[1],
        ];
        let weights = [Weight::Bold, Weight::Regular, Weight::Regular];
        let header = ["Criterion", "Score", "Comments"];
        let header_height = line_height + 2.0 * pad;
        let mut need_header = true;

        for row in rows {
            let texts = [&row.criterion, &row.score_words, &row.comments];
            let cells: Vec<Vec<String>> = (0..3)
                .map(|c| {
                    wrap(
                        self.face(weights[c]),
                        texts[c],
                        size,
                        columns[c] - 2.0 * pad,
                    )
                })
                .collect();
            let total = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
            let mut done = 0;
            while done < total {
                let remaining = total - done;
                let header_cost = if need_header { header_height } else { 0.0 };
                let room = self.y - header_cost - self.bottom - 2.0 * pad;
                let fits = (room / line_height).floor().max(0.0) as usize;
                // Start a row (or its continuation) only where at least three of its
                // lines, or all of a shorter row, fit.
                if fits < remaining.min(3) && !self.fresh {
                    self.new_page();
                    need_header = true;
                    continue;
                }
                let mut take = remaining.min(fits.max(1));
                // Never leave a single line of a row alone on the next page.
                if remaining - take == 1 && take > 2 {
                    take -= 1;
                }
                if need_header {
                    let top = self.y;
                    self.shade(MARGIN_SIDE, top - header_height, width, header_height, 0.9);
                    let baseline = self.baseline(top - pad, size, Weight::Bold);
                    for (c, label) in header.iter().enumerate() {
                        self.text(lefts[c] + pad, baseline, Weight::Bold, size, label);
                    }
                    self.y -= header_height;
                    self.rule(MARGIN_SIDE, MARGIN_SIDE + width, self.y, 0.3, 0.75);
                    need_header = false;
                }
                let top = self.y - pad;
                if done > 0 && done >= cells[0].len() {
                    // The rest of a row split across pages: say whose it is.
                    let label = format!("{} (continued)", row.criterion);
                    let label = wrap(&self.fonts.regular, &label, size, columns[0] - 2.0 * pad);
                    for (i, line) in label.iter().enumerate().take(take) {
                        let line_top = top - i as f32 * line_height;
                        let baseline = self.baseline(line_top, size, Weight::Regular);
                        self.text(lefts[0] + pad, baseline, Weight::Regular, size, line);
                    }
                }
                for (c, lines) in cells.iter().enumerate() {
                    for (i, line) in lines.iter().enumerate().skip(done).take(take) {
                        let line_top = top - (i - done) as f32 * line_height;
                        let baseline = self.baseline(line_top, size, weights[c]);
                        self.text(lefts[c] + pad, baseline, weights[c], size, line);
                    }
                }
                self.y -= 2.0 * pad + take as f32 * line_height;
                self.rule(MARGIN_SIDE, MARGIN_SIDE + width, self.y, 0.6, 0.5);
                done += take;
                if done < total {
                    self.new_page();
                    need_header = true;
                }
            }
        }
    }

    /// Adds the footer and "Page N of M" to every page and hands the pages back.
    fn finish(mut self) -> Vec<Vec<Op>> {
        let count = self.pages.len();
        let small = self.sizes.small;
        let line_height = self.line_height(small);
        let right = PAGE_WIDTH - MARGIN_SIDE;
        let lines = std::mem::take(&mut self.footer_lines);
        let top_baseline = FOOTER_BASELINE + (lines.len().max(1) - 1) as f32 * line_height;
        let rule_y = top_baseline + small * 1.3;
        for n in 0..count {
            self.current = n;
            self.rule(MARGIN_SIDE, right, rule_y, 0.6, 0.5);
            for (i, line) in lines.iter().enumerate() {
                let baseline = top_baseline - i as f32 * line_height;
                self.text(MARGIN_SIDE, baseline, Weight::Regular, small, line);
            }
            let label = format!("Page {} of {}", n + 1, count);
            let x = right - self.fonts.regular.width(&label, small);
            self.text(x, top_baseline, Weight::Regular, small, &label);
        }
        self.pages
    }
}

fn content_width() -> f32 {
    PAGE_WIDTH - 2.0 * MARGIN_SIDE
}

/// Whether `c` is a combining mark, drawn over the character before it (so a line
/// is never broken between the two).
fn is_combining(c: char) -> bool {
    matches!(u32::from(c),
        0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// Breaks `text` into lines no wider than `width` points: at spaces, at newlines in
/// the text, and inside a word only when the word alone is wider than a line.
pub(crate) fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let space = face.advance(' ') * size;
    let mut lines = Vec::new();
    for hard_line in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for word in hard_line.split_whitespace() {
            let word_width = face.width(word, size);
            if line.is_empty() {
                // fall through to placing the word below
            } else if line_width + space + word_width <= width {
                line.push(' ');
                line.push_str(word);
                line_width += space + word_width;
                continue;
            } else {
                lines.push(std::mem::take(&mut line));
                line_width = 0.0;
            }
            if word_width <= width {
                line.push_str(word);
                line_width = word_width;
            } else {
                // A word wider than the line: break it between characters, never
                // before a combining mark.
                for c in word.chars() {
                    let w = face.advance(c) * size;
                    if line_width + w > width && !line.is_empty() && !is_combining(c) {
                        lines.push(std::mem::take(&mut line));
                        line_width = 0.0;
                    }
                    line.push(c);
                    line_width += w;
                }
            }
        }
        lines.push(line);
    }
    // Keep blank lines inside the text, not at its end.
    while lines.len() > 1 && lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    if lines.len() == 1 && lines[0].is_empty() {
        lines.clear();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/fonts");
        Fonts::load(&dir).expect("the shipped fonts load")
    }

    #[test]
    fn wrapped_lines_fit_the_width_and_keep_every_word() {
        let fonts = fonts();
        let text = "The panel liked how you used your members' own words to show the need, \
                    and would like to hear more about who will run the sessions each week.";
        for width in [80.0, 150.0, 300.0] {
            let lines = wrap(&fonts.regular, text, 11.0, width);
            assert!(lines.len() > 1);
            for line in &lines {
                assert!(
                    fonts.regular.width(line, 11.0) <= width,
                    "{line:?} wider than {width}"
                );
            }
            assert_eq!(
                lines.join(" "),
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }

    #[test]
    fn a_word_wider_than_the_line_breaks_but_never_before_a_combining_mark() {
        let fonts = fonts();
        let word = "Ẹgbẹ́".repeat(12);
        let lines = wrap(&fonts.regular, &word, 11.0, 60.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), word);
        for line in &lines {
            assert!(
                !line.starts_with('\u{301}'),
                "{line:?} starts with a loose accent"
            );
        }
    }

    #[test]
    fn newlines_in_the_text_break_lines_and_blank_text_has_none() {
        let fonts = fonts();
        assert_eq!(
            wrap(&fonts.regular, "Yours sincerely,\n\nAmina", 11.0, 400.0),
            vec!["Yours sincerely,", "", "Amina"]
        );
        assert!(wrap(&fonts.regular, "  ", 11.0, 400.0).is_empty());
    }

    #[test]
    fn advances_come_from_the_font() {
        let fonts = fonts();
        // DejaVu Sans: "i" is narrower than "m"; bold is wider than regular.
        assert!(fonts.regular.width("i", 10.0) < fonts.regular.width("m", 10.0));
        assert!(fonts.bold.width("Criterion", 10.0) > fonts.regular.width("Criterion", 10.0));
        // A combining mark takes no room of its own.
        assert_eq!(fonts.regular.advance('\u{301}'), 0.0);
    }
}

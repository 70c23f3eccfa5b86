//! A small top-down layout engine over printpdf operations: text runs measured with the embedded
//! font's glyph widths, right-aligned amounts, wrapped paragraphs, rules, page breaks and page numbers.

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt,
    Rgb, TextItem,
};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

// US Letter, in points.
const PAGE_W: f32 = 612.0;
const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 50.0;
const BOTTOM: f32 = 60.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    Title,
    Heading,
    Body,
    Strong,
    Emphasis,
    Small,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => 18.0,
            Style::Heading => 12.5,
            Style::Body | Style::Strong => 9.5,
            Style::Emphasis => 12.0,
            Style::Small => 8.0,
        }
    }

    fn bold(self) -> bool {
        matches!(self, Style::Title | Style::Heading | Style::Strong | Style::Emphasis)
    }

    fn leading(self) -> f32 {
        self.size() * 1.45
    }
}

struct Face {
    /// Placeholder id used in the page operations until the subset font is embedded.
    id: FontId,
    /// The whole font: for measuring text and for subsetting.
    parsed: ParsedFont,
    bytes: &'static [u8],
    used: std::collections::BTreeSet<char>,
}

impl Face {
    fn width(&self, text: &str, size: f32) -> f32 {
        let upm = f32::from(self.parsed.units_per_em.max(1));
        let units: u32 = text
            .chars()
            .map(|c| {
                self.parsed
                    .lookup_glyph_index(c as u32)
                    .and_then(|g| self.parsed.get_glyph_width(g))
                    .map(u32::from)
                    .unwrap_or(upm as u32 / 2)
            })
            .sum();
        units as f32 / upm * size
    }
}

pub struct Doc {
    pdf: PdfDocument,
    regular: Face,
    bold: Face,
    pages: Vec<Vec<Op>>,
    /// Baseline of the current line, from the bottom of the page.
    y: f32,
    /// Extra left indent of the header lines beside the logo.
    indent: f32,
}

fn grey(v: f32) -> Color {
    Color::Rgb(Rgb { r: v, g: v, b: v, icc_profile: None })
}

impl Doc {
    pub fn new() -> Result<Doc, String> {
        let pdf = PdfDocument::new("Quote");
        let mut warnings = Vec::new();
        let regular = ParsedFont::from_bytes(REGULAR, 0, &mut warnings).ok_or("cannot read DejaVuSans.ttf")?;
        let bold = ParsedFont::from_bytes(BOLD, 0, &mut warnings).ok_or("cannot read DejaVuSans-Bold.ttf")?;
        let regular = Face { id: FontId("regular".into()), parsed: regular, bytes: REGULAR, used: Default::default() };
        let bold = Face { id: FontId("bold".into()), parsed: bold, bytes: BOLD, used: Default::default() };
        Ok(Doc { pdf, regular, bold, pages: vec![Vec::new()], y: PAGE_H - MARGIN - Style::Title.size(), indent: 0.0 })
    }

    fn face(&self, style: Style) -> &Face {
        if style.bold() { &self.bold } else { &self.regular }
    }

    fn face_mut(&mut self, style: Style) -> &mut Face {
        if style.bold() { &mut self.bold } else { &mut self.regular }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn ensure(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = PAGE_H - MARGIN - Style::Body.size();
        }
    }

    fn put(&mut self, text: &str, x: f32, style: Style, colour: f32) {
        if text.is_empty() {
            return;
        }
        let face = self.face_mut(style);
        face.used.extend(text.chars());
        let id = face.id.clone();
        let y = self.y;
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFillColor { col: grey(colour) },
            Op::SetFont { font: PdfFontHandle::External(id), size: Pt(style.size()) },
            Op::SetTextCursor { pos: Point { x: Pt(x), y: Pt(y) } },
            Op::ShowText { items: vec![TextItem::Text(text.to_string())] },
            Op::EndTextSection,
        ]);
    }

    /// Draws the logo at the top left, 40 pt high, and moves the left margin of the title past it.
    pub fn logo(&mut self, png: &[u8]) {
        let Ok(image) = printpdf::RawImage::decode_from_bytes(png, &mut Vec::new()) else { return };
        let (w, h) = (image.width as f32, image.height as f32);
        if w < 1.0 || h < 1.0 {
            return;
        }
        let height = 40.0;
        let id = self.pdf.add_image(&image);
        let dpi = h * 72.0 / height;
        let y = self.y - 10.0;
        self.ops().push(Op::UseXobject {
            id,
            transform: printpdf::XObjectTransform {
                translate_x: Some(Pt(MARGIN)),
                translate_y: Some(Pt(y)),
                dpi: Some(dpi),
                ..Default::default()
            },
        });
        self.indent = w * 72.0 / dpi + 10.0;
    }

    /// Text at the left margin on the current line.
    pub fn text(&mut self, text: &str, style: Style) {
        // The first lines sit beside the logo, if there is one.
        let x = if self.pages.len() == 1 && self.y > PAGE_H - MARGIN - 50.0 { MARGIN + self.indent } else { MARGIN };
        self.put(text, x, style, if style == Style::Small { 0.35 } else { 0.1 });
    }

    /// Text ending at the right margin on the current line.
    pub fn text_right(&mut self, text: &str, style: Style) {
        let w = self.face(style).width(text, style.size());
        self.put(text, PAGE_W - MARGIN - w, style, if style == Style::Small { 0.35 } else { 0.1 });
    }

    pub fn newline(&mut self, style: Style) {
        self.y -= style.leading();
        self.ensure(0.0);
    }

    pub fn gap(&mut self, points: f32) {
        self.y -= points * 4.0;
    }

    fn hline(&mut self, y: f32, from: f32, to: f32, shade: f32, thickness: f32) {
        self.ops().extend([
            Op::SetOutlineColor { col: grey(shade) },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint { p: Point { x: Pt(from), y: Pt(y) }, bezier: false },
                        LinePoint { p: Point { x: Pt(to), y: Pt(y) }, bezier: false },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    pub fn rule(&mut self) {
        let y = self.y + 4.0;
        self.hline(y, MARGIN, PAGE_W - MARGIN, 0.6, 0.8);
        self.y -= 6.0;
    }

    /// Starts a new page unless `lines` body lines still fit on this one.
    pub fn keep_together(&mut self, lines: usize) {
        self.ensure(Style::Body.leading() * lines as f32 + Style::Heading.leading() * 2.0);
    }

    pub fn section(&mut self, title: &str) {
        self.ensure(Style::Heading.leading() * 3.0);
        self.y -= 8.0;
        self.text(title, Style::Heading);
        self.y -= 4.0;
        let y = self.y;
        self.hline(y, MARGIN, PAGE_W - MARGIN, 0.75, 0.5);
        self.y -= Style::Body.leading();
    }

    /// A label on the left and an amount right-aligned, wrapping a long label.
    pub fn row(&mut self, label: &str, amount: &str, style: Style) {
        let max = PAGE_W - 2.0 * MARGIN - 110.0;
        let lines = self.wrap(label, style, max);
        self.ensure(style.leading() * lines.len() as f32);
        for (i, l) in lines.iter().enumerate() {
            self.text(l, style);
            if i == 0 {
                self.text_right(amount, style);
            }
            self.y -= style.leading();
        }
    }

    /// Evenly spaced columns; the first left-aligned, the others right-aligned.
    pub fn table_row(&mut self, cells: &[String], style: Style) {
        self.ensure(style.leading());
        let n = cells.len().max(1) as f32;
        let col = (PAGE_W - 2.0 * MARGIN) / n;
        for (i, c) in cells.iter().enumerate() {
            if i == 0 {
                self.put(c, MARGIN, style, 0.1);
            } else {
                let w = self.face(style).width(c, style.size());
                self.put(c, MARGIN + col * (i as f32 + 1.0) - w, style, 0.1);
            }
        }
        self.y -= style.leading();
    }

    pub fn paragraph(&mut self, text: &str, style: Style) {
        for l in self.wrap(text, style, PAGE_W - 2.0 * MARGIN) {
            self.ensure(style.leading());
            self.text(&l, style);
            self.y -= style.leading();
        }
    }

    /// Two titled blocks side by side (customer | vehicle).
    pub fn pair_columns(&mut self, left: (&str, &[&str]), right: (&str, &[&str])) {
        let half = (PAGE_W - 2.0 * MARGIN) / 2.0;
        let start = self.y;
        let mut lowest = start;
        for (x, (title, lines)) in [(MARGIN, left), (MARGIN + half, right)] {
            self.y = start;
            self.put(title, x, Style::Strong, 0.35);
            self.y -= Style::Body.leading();
            for l in lines.iter().filter(|l| !l.is_empty()) {
                self.put(l, x, Style::Body, 0.1);
                self.y -= Style::Body.leading();
            }
            lowest = lowest.min(self.y);
        }
        self.y = lowest;
    }

    pub fn signatures(&mut self, who: &[&str]) {
        self.ensure(90.0);
        self.y -= 50.0;
        let width = (PAGE_W - 2.0 * MARGIN - 30.0 * (who.len() as f32 - 1.0)) / who.len() as f32;
        let y = self.y;
        for (i, w) in who.iter().enumerate() {
            let x = MARGIN + i as f32 * (width + 30.0);
            self.hline(y, x, x + width * 0.68, 0.2, 0.7);
            self.hline(y, x + width * 0.75, x + width, 0.2, 0.7);
            self.y = y - 11.0;
            self.put(&format!("{w} signature"), x, Style::Small, 0.35);
            self.put("Date", x + width * 0.75, Style::Small, 0.35);
        }
        self.y = y - 24.0;
    }

    fn wrap(&self, text: &str, style: Style, max: f32) -> Vec<String> {
        let face = self.face(style);
        let mut lines = Vec::new();
        let mut cur = String::new();
        for word in text.split_whitespace() {
            let candidate = if cur.is_empty() { word.to_string() } else { format!("{cur} {word}") };
            if face.width(&candidate, style.size()) > max && !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
                cur = word.to_string();
            } else {
                cur = candidate;
            }
        }
        if !cur.is_empty() || lines.is_empty() {
            lines.push(cur);
        }
        lines
    }

    /// Adds page numbers and returns the PDF bytes.
    pub fn finish(mut self, title: &str) -> Vec<u8> {
        let n = self.pages.len();
        let id = self.regular.id.clone();
        self.regular.used.extend("Page of 0123456789".chars());
        let mut pages = Vec::with_capacity(n);
        for (i, mut ops) in std::mem::take(&mut self.pages).into_iter().enumerate() {
            let label = format!("Page {} of {n}", i + 1);
            let w = self.regular.width(&label, Style::Small.size());
            ops.extend([
                Op::StartTextSection,
                Op::SetFillColor { col: grey(0.45) },
                Op::SetFont { font: PdfFontHandle::External(id.clone()), size: Pt(Style::Small.size()) },
                Op::SetTextCursor { pos: Point { x: Pt(PAGE_W - MARGIN - w), y: Pt(30.0) } },
                Op::ShowText { items: vec![TextItem::Text(label)] },
                Op::EndTextSection,
            ]);
            pages.push(PdfPage::new(Mm::from(Pt(PAGE_W)), Mm::from(Pt(PAGE_H)), ops));
        }
        // Embed only the glyphs used: the subset replaces the placeholder ids in every page.
        let mut ids = Vec::new();
        for face in [&self.regular, &self.bold] {
            let parsed = subset(face).unwrap_or_else(|| face.parsed.clone());
            ids.push((face.id.clone(), self.pdf.add_font(&parsed)));
        }
        for page in &mut pages {
            for op in &mut page.ops {
                if let Op::SetFont { font: PdfFontHandle::External(fid), .. } = op
                    && let Some((_, real)) = ids.iter().find(|(placeholder, _)| placeholder == fid)
                {
                    *fid = real.clone();
                }
            }
        }
        self.pdf.metadata.info.document_title = title.to_string();
        let mut warnings = Vec::new();
        self.pdf.with_pages(pages).save(&PdfSaveOptions::default(), &mut warnings)
    }
}

/// The font cut down to the glyphs this document uses (plus .notdef), with a Unicode cmap so the
/// characters still map to their glyphs. `None` if subsetting fails: the whole font is embedded.
fn subset(face: &Face) -> Option<ParsedFont> {
    use allsorts::binary::read::ReadScope;
    use allsorts::font_data::FontData;
    use allsorts::subset::{CmapTarget, SubsetProfile, subset};
    let mut glyphs: Vec<u16> = face.used.iter().filter_map(|c| face.parsed.lookup_glyph_index(*c as u32)).collect();
    glyphs.retain(|g| *g != 0);
    glyphs.sort_unstable();
    glyphs.dedup();
    glyphs.insert(0, 0);
    let font = ReadScope::new(face.bytes).read::<FontData<'_>>().ok()?;
    let provider = font.table_provider(0).ok()?;
    let bytes = subset(&provider, &glyphs, &SubsetProfile::Minimal, CmapTarget::Unicode).ok()?;
    ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
}

//! Reading a CSV file for import, shared by every importer: UTF-8 with or without BOM, `,` `;` or
//! tab separated (sniffed from the header), tolerant header names mapped to fields, ragged rows and
//! bytes that are not UTF-8 reported per line and field instead of aborting the file.

use super::customers_csv::{ImportOptions, ImportReport, RowOutcome};
use crate::error::{CoreError, FieldError, Result};
use crate::store::{Store, Writer};

/// The file, read: which field each column means, and every data row with its line number.
pub struct Sheet<F> {
    pub columns: Vec<Option<F>>,
    /// Header names that mean nothing to this importer.
    pub ignored: Vec<String>,
    pub rows: Vec<SheetRow>,
}

pub struct SheetRow {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// Each cell trimmed; `None` where the bytes were not UTF-8.
    pub cells: Vec<Option<String>>,
    /// Set when the row could not be read as CSV at all.
    pub unreadable: Option<String>,
}

fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let count = |b: u8| first_line.iter().filter(|&&c| c == b).count();
    [b',', b';', b'\t'].into_iter().max_by_key(|&b| count(b)).unwrap_or(b',')
}

/// Reads `bytes`. `field_for` maps a header to a field; `name` names a field in messages.
pub fn read<F: Copy + PartialEq>(
    bytes: &[u8],
    field_for: impl Fn(&str) -> Option<F>,
    name: impl Fn(F) -> &'static str,
) -> Result<Sheet<F>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CoreError::Import("the file is empty".into()));
    }
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(first_line))
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| CoreError::Import(format!("line 1: cannot read the header row ({e})")))?
        .clone();
    let mut columns: Vec<Option<F>> = Vec::new();
    let mut ignored = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = std::str::from_utf8(h).map_err(|_| {
            CoreError::Import(format!("line 1, column {}: header is not UTF-8 text; save the file as UTF-8", i + 1))
        })?;
        match field_for(h.trim()) {
            Some(f) if columns.contains(&Some(f)) => {
                return Err(CoreError::Import(format!("line 1: two columns mean {}; keep one", name(f))));
            }
            Some(f) => columns.push(Some(f)),
            None => {
                if !h.trim().is_empty() {
                    ignored.push(h.trim().to_string());
                }
                columns.push(None);
            }
        }
    }
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line = reader.position().line() + 1;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                rows.push(SheetRow {
                    line,
                    cells: Vec::new(),
                    unreadable: Some(format!("cannot be read as CSV ({e})")),
                });
                continue;
            }
        }
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        let cells = record.iter().map(|c| std::str::from_utf8(c).ok().map(|s| s.trim().to_string())).collect();
        rows.push(SheetRow { line, cells, unreadable: None });
    }
    Ok(Sheet { columns, ignored, rows })
}

impl SheetRow {
    /// The row's non-empty cells by field, and the problems of its shape and encoding.
    pub fn fields<F: Copy>(
        &self,
        columns: &[Option<F>],
        name: impl Fn(F) -> &'static str,
    ) -> (Vec<(F, String)>, Vec<FieldError>) {
        let mut problems = Vec::new();
        if let Some(why) = &self.unreadable {
            problems.push(FieldError::new("row", why.clone()));
            return (Vec::new(), problems);
        }
        if self.cells.len() != columns.len() {
            problems.push(FieldError::new(
                "row",
                format!("has {} fields but the header has {}", self.cells.len(), columns.len()),
            ));
        }
        let mut out = Vec::new();
        for (cell, column) in self.cells.iter().zip(columns) {
            let Some(f) = column else { continue };
            match cell {
                Some(v) if !v.is_empty() => out.push((*f, v.clone())),
                Some(_) => {}
                None => problems.push(FieldError::new(
                    name(*f),
                    "is not UTF-8 text (the file looks like Windows-1252 or Latin-1); save it as UTF-8",
                )),
            }
        }
        (out, problems)
    }
}

/// The field a column feeds: the person's mapping first (an empty field ignores the column), else
/// recognised by its header. `all` lists the importer's fields, `name` names one as the mapping does.
pub fn mapped<F: Copy>(
    header: &str,
    mapping: &[(String, String)],
    all: &[F],
    name: impl Fn(F) -> &'static str,
    field_for: impl Fn(&str) -> Option<F>,
) -> Option<F> {
    match mapping.iter().find(|(h, _)| h.trim().eq_ignore_ascii_case(header.trim())) {
        Some((_, f)) => all.iter().copied().find(|x| name(*x) == f.trim()),
        None => field_for(header),
    }
}

/// What a CSV file looks like before importing it: each column with the field it feeds (by the
/// mapping, else by its header), the first five rows, how many records, and every field a column
/// may be mapped to.
pub fn preview<F: Copy + PartialEq>(
    bytes: &[u8],
    field_for: impl Fn(&str) -> Option<F>,
    name: impl Fn(F) -> &'static str + Copy,
    all: &[F],
) -> Result<super::LeadFilePreview> {
    let headers = std::cell::RefCell::new(Vec::new());
    let sheet = read(
        bytes,
        |h| {
            headers.borrow_mut().push(h.to_string());
            field_for(h)
        },
        name,
    )?;
    let columns = headers
        .into_inner()
        .into_iter()
        .zip(&sheet.columns)
        .map(|(h, f)| (h, f.map(name).unwrap_or_default().to_string()))
        .collect();
    let sample = sheet
        .rows
        .iter()
        .take(5)
        .map(|r| r.cells.iter().map(|c| c.clone().unwrap_or_else(|| "(not UTF-8)".into())).collect())
        .collect();
    Ok(super::LeadFilePreview {
        format: "csv".into(),
        columns,
        sample,
        records: sheet.rows.len() as u64,
        fields: all.iter().map(|f| name(*f).to_string()).collect(),
    })
}

/// Header text reduced to letters and digits, lower-cased: "Stock #" -> "stock".
pub fn header_key(header: &str) -> String {
    header.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase()
}

/// Runs an import as ONE transaction: every row through `row`, counted into the report; committed
/// only when not a dry run and either every row is valid or the caller chose to skip invalid rows.
pub fn run<F: Copy>(
    store: &mut Store,
    sheet: &Sheet<F>,
    name: impl Fn(F) -> &'static str + Copy,
    opts: ImportOptions,
    ignored_columns: Vec<String>,
    mut row: impl FnMut(&mut Writer<'_>, Vec<(F, String)>, Vec<FieldError>, u64) -> Result<RowOutcome>,
) -> Result<ImportReport> {
    transact(store, opts, ignored_columns, |w, report| {
        for r in &sheet.rows {
            let (cells, problems) = r.fields(&sheet.columns, name);
            report.add(row(w, cells, problems, r.line)?, opts);
        }
        Ok(())
    })
}

/// Rows from which [`run_prepared`] prepares rows on a second thread; below it, one thread does all.
pub const PIPELINE_FROM: usize = 512;
/// Rows a second thread hands over at a time (one wake-up of the writing thread per batch).
const BATCH: usize = 128;

/// [`run`] in two stages: `prepare` does a row's work that needs no database (reading its cells,
/// validating, normalising: about a third of a large import's time), and `row` writes the prepared
/// row. From [`PIPELINE_FROM`] rows on, a second thread prepares the rows ahead of this one, which
/// writes them in file order, so the two halves of the work overlap on two cores. The transaction,
/// the order of the writes and the report are the same as [`run`]'s.
pub fn run_prepared<F: Copy + Send + Sync, P: Send>(
    store: &mut Store,
    sheet: &Sheet<F>,
    name: impl Fn(F) -> &'static str + Copy + Send + Sync,
    opts: ImportOptions,
    ignored_columns: Vec<String>,
    prepare: impl Fn(Vec<(F, String)>, Vec<FieldError>, u64) -> P + Sync,
    mut row: impl FnMut(&mut Writer<'_>, P) -> Result<RowOutcome>,
) -> Result<ImportReport> {
    let prepared = |r: &SheetRow| {
        let (cells, problems) = r.fields(&sheet.columns, name);
        prepare(cells, problems, r.line)
    };
    transact(store, opts, ignored_columns, |w, report| {
        if sheet.rows.len() < PIPELINE_FROM {
            for r in &sheet.rows {
                report.add(row(w, prepared(r))?, opts);
            }
            return Ok(());
        }
        std::thread::scope(|s| {
            let (batches, ready) = std::sync::mpsc::sync_channel::<Vec<P>>(4);
            let preparing = move || {
                for chunk in sheet.rows.chunks(BATCH) {
                    // The writer stopped (an error): nobody waits for the rest.
                    if batches.send(chunk.iter().map(prepared).collect()).is_err() {
                        break;
                    }
                }
            };
            std::thread::Builder::new()
                .name("import-prepare".into())
                .spawn_scoped(s, preparing)
                .map_err(|e| CoreError::Import(format!("cannot start the import: {e}")))?;
            // An error returns here, dropping `ready`: the preparing thread's next send fails and it ends.
            for batch in ready {
                for p in batch {
                    report.add(row(w, p)?, opts);
                }
            }
            Ok(())
        })
    })
}

/// One import's transaction and report, the rows written by `rows`.
fn transact(
    store: &mut Store,
    opts: ImportOptions,
    ignored_columns: Vec<String>,
    rows: impl FnOnce(&mut Writer<'_>, &mut ImportReport) -> Result<()>,
) -> Result<ImportReport> {
    let mut report = ImportReport { dry_run: opts.dry_run, ignored_columns, ..Default::default() };
    let commit = store.write_if(|w| {
        rows(w, &mut report)?;
        Ok(!opts.dry_run && (report.invalid == 0 || opts.skip_invalid))
    })?;
    report.committed = commit;
    Ok(report)
}

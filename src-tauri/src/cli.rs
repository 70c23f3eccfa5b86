//! The headless CLI. Each subcommand is a thin adapter over `showroom_core::Showroom`. It never
//! touches the desktop toolkit, so the `showroom` binary that runs it starts in milliseconds.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use showroom_core::Showroom;
use showroom_core::io::{ImportAction, ImportOptions};
use showroom_core::vault::Unlock;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "showroom", version, about = "Showroom: offline-first sales app for car dealerships")]
pub struct Args {
    /// Folder holding the local database (default: the OS data folder, e.g. ~/.local/share/showroom).
    #[arg(long, global = true, env = "SHOWROOM_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load the demo dealership into an empty database.
    Demo,
    /// Write every entity to JSON (one object, an array per entity) or CSV (one file per entity).
    Export {
        /// `leads` exports only the leads (the only choice for ADF); default: everything.
        #[arg(value_parser = ["leads"])]
        what: Option<String>,
        #[arg(long, value_enum)]
        format: Format,
        /// JSON: a file (default: standard output). CSV: a folder (default: ./showroom-export).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Import records from a file.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Sync once with the sync server, headless. With --server and --user, signs in first (the
    /// password from SHOWROOM_PASSWORD or a prompt); without them, uses the stored sign-in.
    Sync {
        #[arg(long, requires = "user")]
        server: Option<String>,
        #[arg(long, requires = "server")]
        user: Option<String>,
    },
    /// Say how this laptop's data is protected: where the database key and the sync token are kept.
    Vault,
    /// Print a report's figures (the same as the screen), for scripts and for checking.
    Report {
        #[command(subcommand)]
        what: ReportWhat,
    },
    /// The dealer group: sync every rooftop you manage, search the sister stores' stock, vehicle
    /// transfers, moving a customer to another rooftop (needs the sync server).
    Group {
        #[command(subcommand)]
        what: GroupWhat,
    },
    /// Compute or print a deal described in a JSON file (see docs/deal-json.md).
    Quote {
        #[command(subcommand)]
        what: QuoteWhat,
    },
}

#[derive(Subcommand, Debug)]
pub enum GroupWhat {
    /// Sync this laptop's rooftop and every other rooftop of the group you manage (each into a
    /// store of its own on this laptop, for the group dashboard).
    Sync,
    /// The sister rooftops' vehicles for sale matching every word of QUERY (VIN, stock number,
    /// year, make, model, trim, colour).
    Inventory {
        #[arg(default_value = "")]
        query: String,
    },
    /// Transfers from or to this rooftop (a group manager: the group's).
    Transfers,
    /// Ask the sister rooftop that has the vehicle for it.
    Request {
        #[arg(long)]
        vehicle: uuid::Uuid,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Approve a transfer of one of this rooftop's vehicles: it moves to the asking rooftop.
    Approve { transfer: uuid::Uuid },
    /// Decline a transfer, saying why.
    Decline {
        transfer: uuid::Uuid,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Move a customer, with their leads, deals, quotes and history, to another rooftop (group
    /// managers).
    MoveCustomer {
        #[arg(long)]
        customer: uuid::Uuid,
        /// The rooftop's name (or id).
        #[arg(long)]
        to: String,
        /// The salesperson there (email or name).
        #[arg(long)]
        owner: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum ReportWhat {
    /// The manager's dashboard for a range of local days: units, revenue, gross, win rate, cycle
    /// time, speed to lead, funnel, reps, sources, pipeline, trends, goals and the forecast.
    Dashboard(RangeArgs),
    /// Deals lost in a range of local days, by reason, competitor, rep and lead source.
    Lost(RangeArgs),
    /// The dealer group's rooftops side by side for a range (each from its own store on this
    /// laptop: run `showroom group sync` first) with their total.
    Group {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormat,
    },
    /// The forecast's backtest: at the start of each of the last full months, what it would have
    /// forecast with only what was known then, against the units won; and the mean error (MAPE).
    Forecast {
        #[arg(long, default_value_t = 12)]
        months: usize,
    },
}

/// A report's range of local days, whose figures, and how they are printed.
#[derive(clap::Args, Debug)]
pub struct RangeArgs {
    /// First day, `YYYY-MM-DD` (local calendar).
    #[arg(long)]
    from: String,
    /// Last day, inclusive.
    #[arg(long)]
    to: String,
    /// One rep's figures (their email or name); the team when absent.
    #[arg(long)]
    rep: Option<String>,
    #[arg(long, value_enum, default_value = "json")]
    format: ReportFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ReportFormat {
    Json,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum QuoteWhat {
    /// Print the computed quote as JSON: every line, tax, payment and the payment grid.
    Calc { deal: PathBuf },
    /// Write the printable quote as a PDF.
    Pdf {
        deal: PathBuf,
        #[arg(long, short)]
        out: PathBuf,
        /// Customer name printed on the quote.
        #[arg(long, default_value = "")]
        customer: String,
        /// Print the payment grid (terms × down payments).
        #[arg(long)]
        grid: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportWhat {
    /// Customers from a CSV file; reports each row with a problem by line number, then the totals.
    Customers {
        file: PathBuf,
        #[command(flatten)]
        flags: ImportFlags,
    },
    /// Leads from an ADF/XML feed or a CSV file (recognised by content).
    Leads {
        file: PathBuf,
        #[command(flatten)]
        flags: ImportFlags,
    },
    /// Inventory from a DMS-style CSV (stock, VIN, year, make, model, …); matches by stock number.
    Vehicles {
        file: PathBuf,
        #[command(flatten)]
        flags: ImportFlags,
    },
    /// A full JSON export (`showroom export --format json`) restored into an empty data folder.
    Backup { file: PathBuf },
}

/// What every file import takes.
#[derive(clap::Args, Debug)]
pub struct ImportFlags {
    /// Check and report, write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the valid rows even when some rows are invalid (default: refuse the whole file).
    #[arg(long)]
    skip_invalid: bool,
    /// List every row (default: only the rows with a problem, then the totals).
    #[arg(long)]
    every_row: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Json,
    Csv,
    /// ADF/XML 1.0, for leads.
    Adf,
}

/// Prints to standard output; a closed pipe (`| head`) ends the output quietly instead of panicking.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.write_all(b"\n")) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn read_deal(path: &Path) -> anyhow::Result<showroom_core::desk::Deal> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a valid deal (see docs/deal-json.md)", path.display()))
}

/// Prints each field problem on its own line and returns the failure exit code.
fn field_errors(e: showroom_core::CoreError) -> anyhow::Result<ExitCode> {
    match e {
        showroom_core::CoreError::Validation(fields) => {
            for f in fields {
                eprintln!("error: {}: {}", f.field, f.message);
            }
            Ok(ExitCode::FAILURE)
        }
        other => Err(other.into()),
    }
}

/// Opens the data with the OS keyring or `SHOWROOM_PASSPHRASE`; at a terminal, asks for the
/// passphrase when neither opens it (twice when setting one).
fn open(data_dir: &Path) -> anyhow::Result<Showroom> {
    use std::io::IsTerminal;
    let unlock = Unlock::from_env();
    let context = || format!("cannot open the database in {}", data_dir.display());
    match Showroom::open(data_dir, &unlock) {
        Err(showroom_core::CoreError::Locked { first_time, message }) if std::io::stdin().is_terminal() => {
            eprintln!("{message}");
            let pass = rpassword::prompt_password("Passphrase: ")?;
            if first_time && rpassword::prompt_password("Again: ")? != pass {
                anyhow::bail!("the two passphrases differ; nothing was created");
            }
            Showroom::open(data_dir, &unlock.and_passphrase(&pass)).with_context(context)
        }
        Err(e @ showroom_core::CoreError::Locked { .. }) => {
            Err(anyhow::Error::new(e).context("set SHOWROOM_PASSPHRASE, or run the command at a terminal to type it"))
                .with_context(context)
        }
        other => other.with_context(context),
    }
}

/// The environment the window's WebKit processes start with, unless already set (a user's own
/// value wins: `JSC_useJIT=true`, `WEBKIT_DISABLE_COMPOSITING_MODE=0`).
///
/// - `JSC_useJIT=false`: the page's JavaScript runs in JavaScriptCore's interpreter instead of
///   being JIT-compiled. The page draws a few hundred rows at a time and computes nothing heavy
///   (the core does), so the JIT mostly costs memory. With it off (same session,
///   `scripts/bench-window`): after every screen the web process holds ~58 MB less (all processes
///   559–576 → 502–508 MB), the walk through every screen takes the same time (21.9 vs 22.0 s) and
///   the cold start is no slower (613–629 vs 623–677 ms). Typing costs a little
///   (`scripts/bench-typing`, 100k customers, 2 runs each): the customer list p50 18–19 → 21–22 ms,
///   p95 28–31 → 33–36 ms; Ctrl+K p50 14–16 → 15–18 ms; all within the 50 ms target.
/// - `WEBKIT_DISABLE_COMPOSITING_MODE=1`: WebKit paints the page itself instead of compositing
///   layers through OpenGL (Mesa's LLVM-compiled shaders in software, or the GPU driver). With
///   compositing on (`scripts/bench-window` with `WEBKIT_DISABLE_COMPOSITING_MODE=0`, 2 runs each
///   way, alternating): after every screen 703–712 MB in all, the web process 446–450 MB; with it
///   off 488–499 MB and 223–234 MB; the walk and the cold start take the same time (21.8–22.2 s,
///   668–759 ms). The window tests and benches had always run with it off (their harness set it),
///   so every earlier window, typing and start figure was measured this way: the app as it
///   shipped held ~210 MB more than they said. It is also the usual cure for WebKitGTK windows
///   that stay blank on some GPU drivers.
pub const WEBKIT_ENV: &[(&str, &str)] = &[("JSC_useJIT", "false"), ("WEBKIT_DISABLE_COMPOSITING_MODE", "1")];

/// [`WEBKIT_ENV`]'s variables the environment lacks.
pub fn webkit_env_missing() -> impl Iterator<Item = (&'static str, &'static str)> {
    WEBKIT_ENV.iter().copied().filter(|(k, _)| std::env::var_os(k).is_none())
}

/// What both binaries do first: log to standard error (`RUST_LOG` overrides) and find the data
/// folder. `Err` is the exit code to leave with, the problem already printed.
pub fn start(args: &Args) -> Result<PathBuf, ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "showroom=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    showroom_core::paths::resolve_data_dir(args.data_dir.as_deref(), None).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

/// How both binaries leave: the command's own exit code, or the error with its causes and failure.
pub fn exit(result: anyhow::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}

pub fn run(cmd: Command, data_dir: &Path) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Demo => {
            let mut app = open(data_dir)?;
            let s = app.load_demo()?;
            println!(
                "Loaded the demo dealership into {}: {} users, {} vehicles, {} customers, {} leads, {} opportunities, {} activities, {} interactions",
                app.status()?.data_file,
                s.users,
                s.vehicles,
                s.customers,
                s.leads,
                s.opportunities,
                s.activities,
                s.interactions
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Vault => {
            write_stdout(&open(data_dir)?.protection())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sync { server, user } => {
            let app = std::sync::Mutex::new(open(data_dir)?);
            // One worker beside this thread: a push goes out and the next pull page is read while this
            // thread writes to the store.
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
            runtime.block_on(async {
                use showroom_core::sync::engine;
                if let (Some(server), Some(user)) = (server, user) {
                    let password = match std::env::var("SHOWROOM_PASSWORD") {
                        Ok(p) => p,
                        Err(_) => rpassword::prompt_password(format!("Password for {user} at {server}: "))
                            .context("cannot read a password (set SHOWROOM_PASSWORD)")?,
                    };
                    match engine::sign_in(&app, &server, &user, &password).await {
                        Ok(a) => {
                            let at = app.lock().map_err(|_| anyhow::anyhow!("lock"))?.dealership_name()?;
                            let at = at.map(|d| format!(" at {d}")).unwrap_or_default();
                            eprintln!("Signed in to {}{at} as {} ({})", a.server, a.user, a.role)
                        }
                        Err(e) => return field_errors(e),
                    }
                }
                match engine::sync_once(&app).await {
                    Ok(r) => {
                        println!(
                            "Synced: pushed {} changes, pulled {} ({} applied, {} older values kept in history), removed {}, refused {}, notices {}; server at {}",
                            r.pushed, r.pulled, r.applied, r.lost, r.evicted, r.refused, r.notices, r.server_seq
                        );
                        for n in app.lock().map_err(|_| anyhow::anyhow!("lock"))?.sync_notices()? {
                            println!("notice: {}", n.message);
                        }
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(showroom_core::sync::round::SyncError::Local(e)) => field_errors(e),
                    Err(e) => {
                        eprintln!("error: {e}");
                        Ok(ExitCode::FAILURE)
                    }
                }
            })
        }
        Command::Export { what, format: Format::Adf, out } => {
            if what.as_deref() != Some("leads") {
                eprintln!("error: format: ADF holds leads; use `showroom export leads --format adf`");
                return Ok(ExitCode::FAILURE);
            }
            let app = open(data_dir)?;
            let xml = app.export_leads_adf()?;
            match out {
                Some(path) => {
                    std::fs::write(&path, xml).with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Wrote {}", path.display());
                }
                None => write_stdout(&xml)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { what: Some(_), .. } => {
            eprintln!("error: format: leads are exported as ADF: `showroom export leads --format adf`");
            Ok(ExitCode::FAILURE)
        }
        Command::Export { what: None, format: Format::Json, out } => {
            let app = open(data_dir)?;
            let json = serde_json::to_string_pretty(&app.export_json()?)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Wrote {}", path.display());
                }
                None => write_stdout(&json)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { what: None, format: Format::Csv, out } => {
            let app = open(data_dir)?;
            let dir = out.unwrap_or_else(|| PathBuf::from("showroom-export"));
            for f in app.export_csv(&dir)? {
                eprintln!("Wrote {}", f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { what: ReportWhat::Dashboard(RangeArgs { from, to, rep, format }) } => {
            let app = open(data_dir)?;
            match app.dashboard_report(&from, &to, rep.as_deref()) {
                Ok(d) => {
                    match format {
                        ReportFormat::Json => write_stdout(&serde_json::to_string_pretty(&d)?)?,
                        ReportFormat::Csv => write_stdout(&showroom_core::analytics::dashboard_csv(&d))?,
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => field_errors(e),
            }
        }
        Command::Report { what: ReportWhat::Lost(RangeArgs { from, to, rep, format }) } => {
            let app = open(data_dir)?;
            match app.lost_report(&from, &to, rep.as_deref()) {
                Ok(r) => {
                    match format {
                        ReportFormat::Json => write_stdout(&serde_json::to_string_pretty(&r)?)?,
                        ReportFormat::Csv => write_stdout(&showroom_core::analytics::lost::lost_csv(&r))?,
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => field_errors(e),
            }
        }
        Command::Report { what: ReportWhat::Group { from, to, format } } => {
            let app = open(data_dir)?;
            match app.group_dashboard(&from, &to) {
                Ok(g) => {
                    match format {
                        ReportFormat::Json => write_stdout(&serde_json::to_string_pretty(&g)?)?,
                        ReportFormat::Csv => write_stdout(&showroom_core::analytics::group::group_csv(&g))?,
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => field_errors(e),
            }
        }
        Command::Group { what } => group(data_dir, what),
        Command::Report { what: ReportWhat::Forecast { months } } => {
            let app = open(data_dir)?;
            write_stdout(&serde_json::to_string_pretty(&app.forecast_backtest(months)?)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Quote { what: QuoteWhat::Calc { deal } } => {
            let deal = read_deal(&deal)?;
            let app = open(data_dir)?;
            match app.calculate_deal(&deal) {
                Ok(calc) => {
                    for w in &calc.warnings {
                        eprintln!("warning: {}: {}", w.field, w.message);
                    }
                    write_stdout(&serde_json::to_string_pretty(&calc)?)?;
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => field_errors(e),
            }
        }
        Command::Quote { what: QuoteWhat::Pdf { deal, out, customer, grid } } => {
            let deal = read_deal(&deal)?;
            let app = open(data_dir)?;
            let header = showroom_core::pdf::QuoteHeader {
                customer: showroom_core::pdf::QuoteParty { name: customer, ..Default::default() },
                show_grid: grid,
                ..Default::default()
            };
            match app.quote_pdf(&deal, header) {
                Ok(bytes) => {
                    std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
                    eprintln!("Wrote {} ({} KB)", out.display(), bytes.len().div_ceil(1024));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => field_errors(e),
            }
        }
        Command::Import { what: ImportWhat::Backup { file } } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let export: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
            let mut app = open(data_dir)?;
            let restored = app.restore_backup(&export)?;
            for (table, n) in &restored.tables {
                println!("{table:<22} {n:>8}");
            }
            println!("Restored {} rows from {}", restored.rows, file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { what } => {
            let (file, flags, kind) = match what {
                ImportWhat::Backup { .. } => unreachable!("handled above"),
                ImportWhat::Customers { file, flags } => (file, flags, 0),
                ImportWhat::Vehicles { file, flags } => (file, flags, 1),
                ImportWhat::Leads { file, flags } => (file, flags, 2),
            };
            let opts = ImportOptions { dry_run: flags.dry_run, skip_invalid: flags.skip_invalid };
            let skip_invalid = opts.skip_invalid;
            // People and leads carry phone numbers: their metadata loads while the data opens.
            if kind != 1 {
                showroom_core::domain::validate::warm_up_phone_numbers();
            }
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let mut app = open(data_dir)?;
            let report = match kind {
                1 => app.import_vehicles_csv(&bytes, opts),
                2 => app.import_leads(&bytes, opts, &[]),
                _ => app.import_customers_csv(&bytes, opts),
            };
            let report = match report {
                Ok(r) => r,
                Err(e @ showroom_core::CoreError::Validation(_)) => return field_errors(e),
                Err(e) => return Err(e.into()),
            };
            for col in &report.ignored_columns {
                println!("note: column {col:?} was not understood and was ignored");
            }
            // A 50,000-row file prints its problems and its totals, not 50,000 lines.
            for row in report
                .rows
                .iter()
                .filter(|r| flags.every_row || !r.problems.is_empty() || matches!(r.action, ImportAction::Invalid))
            {
                let what = match row.action {
                    ImportAction::Created => "created",
                    ImportAction::Updated => "updated",
                    ImportAction::Unchanged => "skipped (unchanged)",
                    ImportAction::Invalid if skip_invalid => "skipped (invalid)",
                    ImportAction::Invalid => "invalid",
                };
                let problems =
                    row.problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; ");
                if problems.is_empty() {
                    println!("line {}: {what} {}", row.line, row.name);
                } else {
                    println!("line {}: {what} {}: {problems}", row.line, row.name);
                }
            }
            println!("{}", report.summary());
            if report.invalid > 0 && !skip_invalid {
                println!(
                    "The file has invalid rows, so nothing was imported. Fix them, or pass --skip-invalid to import the valid rows."
                );
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `showroom group …`: the dealer group's calls, over the stored sign-in.
fn group(data_dir: &Path, what: GroupWhat) -> anyhow::Result<ExitCode> {
    use showroom_core::sync::group as g;
    use showroom_core::sync::round::SyncError;
    let app = std::sync::Mutex::new(open(data_dir)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let done: Result<(), SyncError> = runtime.block_on(async {
        match what {
            GroupWhat::Sync => {
                for r in g::sync_group(&app).await? {
                    match (&r.report, &r.error) {
                        (Some(rep), _) => println!(
                            "{}: pushed {}, pulled {} ({} applied), removed {}, refused {}",
                            r.name, rep.pushed, rep.pulled, rep.applied, rep.evicted, rep.refused
                        ),
                        (None, e) => println!("{}: not synced: {}", r.name, e.as_deref().unwrap_or("")),
                    }
                }
            }
            GroupWhat::Inventory { query } => {
                for v in g::inventory(&app, &query).await? {
                    let car = &v.vehicle;
                    println!(
                        "{}\t{}\t{}\tstock {}\tVIN {}\t{}{}",
                        car.id,
                        v.dealership,
                        car.title(),
                        car.stock_no,
                        car.vin,
                        showroom_core::desk::money::Money(car.price_cents),
                        if v.requested { "\t(transfer requested)" } else { "" }
                    );
                }
            }
            GroupWhat::Transfers => {
                for t in g::transfers(&app).await? {
                    println!(
                        "{}\t{}\t{} -> {}\t{}\tasked by {}{}",
                        t.id,
                        t.status,
                        t.from_dealership,
                        t.to_dealership,
                        t.vehicle,
                        t.requested_by,
                        if t.reason.is_empty() { String::new() } else { format!("\t{}", t.reason) }
                    );
                }
            }
            GroupWhat::Request { vehicle, note } => {
                let t = g::request_transfer(&app, vehicle, &note).await?;
                println!("Asked {} for the {} (transfer {})", t.from_dealership, t.vehicle, t.id);
            }
            GroupWhat::Approve { transfer } => {
                let t = g::decide_transfer(&app, transfer, true, "").await?;
                println!("Approved: the {} goes to {}", t.vehicle, t.to_dealership);
            }
            GroupWhat::Decline { transfer, reason } => {
                let t = g::decide_transfer(&app, transfer, false, &reason).await?;
                println!("Declined the transfer of the {} to {}", t.vehicle, t.to_dealership);
            }
            GroupWhat::MoveCustomer { customer, to, owner } => {
                let m = g::move_customer(&app, customer, &to, &owner).await?;
                println!("Moved the customer ({} records) from {} to {}", m.rows, m.from_dealership, m.to_dealership);
            }
        }
        Ok(())
    });
    match done {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(SyncError::Local(e)) => field_errors(e),
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

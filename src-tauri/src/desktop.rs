//! The desktop window: opens the database and hands it to the commands.

use crate::cli;
use crate::commands::{self, AppState};
use showroom_core::api::AppStatus;
use showroom_core::vault::Unlock;
use showroom_core::{ApiError, Showroom};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::Manager;
use tokio::sync::Notify;

/// Makes sure the web processes get [`cli::WEBKIT_ENV`]: WebKit hands this process's environment
/// to them, and a running program may not safely change its own, so when a variable is missing
/// (`showroom-app` started directly, not through `showroom`) the program starts again in its
/// place with it set. Returns only when nothing was missing.
#[cfg(unix)]
pub fn with_webkit_env() -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let missing: Vec<_> = cli::webkit_env_missing().collect();
    if missing.is_empty() {
        return Ok(());
    }
    let me = std::env::current_exe()?;
    let err = std::process::Command::new(&me).args(std::env::args_os().skip(1)).envs(missing).exec();
    Err(anyhow::anyhow!("cannot start {} again: {err}", me.display()))
}

/// Elsewhere the webview is not WebKitGTK: nothing to pass on.
#[cfg(not(unix))]
pub fn with_webkit_env() -> anyhow::Result<()> {
    Ok(())
}

pub fn run(data_dir: &Path) -> anyhow::Result<ExitCode> {
    let state = AppState {
        app: Default::default(),
        closed: Mutex::new(None),
        data_dir: data_dir.to_path_buf(),
        used: Arc::new(Notify::new()),
    };
    // The first customer form or sync a rep makes does not wait for the phone-number metadata.
    showroom_core::domain::validate::warm_up_phone_numbers();
    // The keyring (or SHOWROOM_PASSPHRASE) usually opens the data now; else the window asks.
    let opened = Showroom::open(data_dir, &Unlock::from_env());
    // The webview's own storage (theme, density) lives beside the database, so each data folder is
    // a self-contained profile and tests never touch the user's.
    let webview_dir = data_dir.join("webview");
    // WebKit's web process prunes its caches and returns free pages when it grows (see there).
    #[cfg(target_os = "linux")]
    crate::webkit_memory::install(crate::webkit_memory::WINDOW);
    tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            let config = app.config().app.windows.first().cloned().ok_or("no window in tauri.conf.json")?;
            tauri::WebviewWindowBuilder::from_config(app.handle(), &config)?.data_directory(webview_dir).build()?;
            let state = app.state::<AppState>();
            match opened {
                Ok(showroom) => started(app.handle(), &state, showroom),
                Err(e) => {
                    if !matches!(e, showroom_core::CoreError::Locked { .. }) {
                        tracing::error!("cannot open the database in {}: {e}", state.data_dir.display());
                    }
                    if let Ok(mut closed) = state.closed.lock() {
                        *closed = Some(ApiError::from(e));
                    }
                }
            }
            Ok(())
        })
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::first_paint,
            commands::app_status,
            commands::data_lock,
            commands::open_data,
            commands::start_empty,
            commands::load_demo,
            commands::list_customers,
            commands::customer_detail,
            commands::create_customer,
            commands::update_customer,
            commands::search,
            commands::calculate_deal,
            commands::tax_jurisdictions,
            commands::find_vehicles,
            commands::create_quote,
            commands::revise_quote,
            commands::save_quote_pdf,
            commands::filter_vehicles,
            commands::vehicle_matches,
            commands::jurisdictions,
            commands::save_custom_jurisdiction,
            commands::letterhead,
            commands::save_letterhead,
            commands::dealership_place,
            commands::save_dealership_place,
            commands::accept_quote,
            commands::share_quote,
            commands::revoke_share,
            commands::quote_shares,
            commands::queue_message,
            commands::cancel_message,
            commands::outgoing_messages,
            commands::quotes,
            commands::open_quote_pdf,
            commands::quote_detail,
            commands::decline_quote,
            commands::duplicate_quote,
            commands::set_order_products,
            commands::fund_order,
            commands::deliver_order,
            commands::cancel_order,
            commands::split_deal,
            commands::preview_import,
            commands::import_file,
            commands::unwind_deal,
            commands::lost_deals,
            commands::coaching,
            commands::add_coaching,
            commands::coaching_done,
            commands::remove_coaching,
            commands::sign_in,
            commands::sign_out,
            commands::sync_account,
            commands::sync_now,
            commands::group_dashboard,
            commands::export_group_dashboard,
            commands::sync_group,
            commands::group_inventory,
            commands::group_transfers,
            commands::request_transfer,
            commands::decide_transfer,
            commands::conflicts,
            commands::keep_mine,
            commands::dismiss_conflict,
            commands::sync_notices,
            commands::dismiss_notice,
            commands::refused_changes,
            commands::dismiss_refused,
            commands::board,
            commands::move_opportunity,
            commands::create_opportunity,
            commands::pipeline_stages,
            commands::pipelines,
            commands::save_stage,
            commands::create_activity,
            commands::complete_activity,
            commands::today,
            commands::me,
            commands::set_laptop_user,
            commands::log_contact,
            commands::messages,
            commands::schedule_test_drive,
            commands::record_survey,
            commands::add_referral,
            commands::relations,
            commands::lead_inbox,
            commands::capture_lead,
            commands::convert_lead,
            commands::assign_leads,
            commands::route_leads,
            commands::lead_assignments,
            commands::lead_settings,
            commands::save_lead_settings,
            commands::lead_calibration,
            commands::preview_lead_file,
            commands::import_leads,
            commands::possible_duplicates,
            commands::merge_customers,
            commands::floor,
            commands::check_in,
            commands::reorder_floor,
            commands::walk_in,
            commands::walk_in_outcome,
            commands::lock_settings,
            commands::configure_lock,
            commands::unlock,
            commands::events,
            commands::save_event,
            commands::staff,
            commands::dashboard,
            commands::drill,
            commands::export_dashboard,
            commands::forecast_accuracy,
            commands::forecast_backtest,
            commands::parse_money,
            commands::goals,
            commands::save_goal,
            commands::commission_plans,
            commands::save_commission_plan,
            commands::marketing_spend,
            commands::save_marketing_spend,
            commands::commission_statement,
            commands::approve_statement,
            commands::save_statement_pdf,
        ])
        .run(tauri::generate_context!())?;
    Ok(ExitCode::SUCCESS)
}

/// Opens a document the app saved in the system's viewer (where the rep prints it), or runs the
/// program named by `SHOWROOM_OPEN_WITH` with its path (the window tests keep a copy that way).
pub fn open_document(path: &Path) -> Result<(), ApiError> {
    let failed =
        |e: String| ApiError::from(showroom_core::CoreError::Conflict(format!("cannot open {}: {e}", path.display())));
    match std::env::var_os("SHOWROOM_OPEN_WITH") {
        Some(program) => std::process::Command::new(program)
            .arg(path)
            .status()
            .map_err(|e| failed(e.to_string()))
            .and_then(|s| if s.success() { Ok(()) } else { Err(failed(format!("the viewer exited with {s}"))) }),
        None => tauri_plugin_opener::open_path(path, None::<&str>).map_err(|e| failed(e.to_string())),
    }
}

/// When the process started, for the startup probe.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Prints "first-paint WHAT MS" (milliseconds since `main` began) when `SHOWROOM_STARTUP_PROBE`
/// is set: the window benchmark's marker. Nothing otherwise.
pub fn report_paint(what: &str) {
    if std::env::var_os("SHOWROOM_STARTUP_PROBE").is_none() {
        return;
    }
    let ms = STARTED.get().map(|t| t.elapsed().as_secs_f64() * 1e3).unwrap_or(f64::NAN);
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "first-paint {} {ms:.1}", what.replace(char::is_whitespace, "-"));
    let _ = out.flush();
}

/// The data is open: keep it and start the background work.
fn started(handle: &tauri::AppHandle, state: &AppState, showroom: Showroom) {
    let shared = Arc::new(Mutex::new(showroom));
    if state.app.set(shared.clone()).is_err() {
        return;
    }
    if let Ok(mut closed) = state.closed.lock() {
        *closed = None;
    }
    // Background sync: soon after a change, every 30 s, on request, with backoff when offline.
    tauri::async_runtime::spawn(showroom_core::sync::engine::run(shared.clone()));
    tauri::async_runtime::spawn(reminders(handle.clone(), shared.clone()));
    tauri::async_runtime::spawn(when_quiet(state.used.clone(), QUIET, move || release_memory(&shared)));
}

/// How long the window goes without a command before the memory its last actions used is given
/// back: longer than the pause between a rep's clicks on one screen, short enough that a screen
/// left open while the rep talks to the customer holds no more than it shows.
const QUIET: Duration = Duration::from_millis(1500);

/// Calls `release` (on a blocking thread) once after each burst of commands, when `used` has not
/// been notified for `quiet`; nothing while the window stays idle (the status bar's poll does not
/// count as use), so an open window wakes for nothing.
pub(crate) async fn when_quiet(used: Arc<Notify>, quiet: Duration, release: impl Fn() + Clone + Send + 'static) {
    loop {
        used.notified().await;
        while tokio::time::timeout(quiet, used.notified()).await.is_ok() {}
        let release = release.clone();
        if tokio::task::spawn_blocking(release).await.is_err() {
            tracing::warn!("releasing memory failed");
        }
    }
}

/// The window went quiet: the database's page cache goes back to the allocator, and the
/// allocator's free pages (the cache's, and what the screens' commands and WebKit's UI side
/// allocated and freed) go back to the system. After a walk through every screen the page cache
/// alone holds ~18 MB, and glibc keeps ~24 MB of freed memory resident until asked.
fn release_memory(shared: &Mutex<Showroom>) {
    if let Ok(app) = shared.lock()
        && let Err(e) = app.release_memory()
    {
        tracing::warn!(error = %e, "cannot release the database's page cache");
    }
    trim_allocator();
}

/// Asks glibc's allocator to return the free pages of every arena (`malloc_trim`): glibc returns
/// freed memory on its own only from the top of a heap, so pages freed below a live allocation
/// stay resident. Returns whether anything went back.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim_allocator() -> bool {
    // SAFETY: `malloc_trim` takes no pointer, and glibc serializes it with every other call into
    // the allocator (it takes each arena's lock in turn).
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Other allocators (musl, macOS, Windows) return free pages on their own: nothing to ask.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_allocator() -> bool {
    false
}

/// Opens the data with a typed passphrase (the `open_data` command).
pub fn open_data(handle: &tauri::AppHandle, state: &AppState, unlock: Unlock) -> Result<AppStatus, ApiError> {
    if state.app.get().is_none() {
        started(handle, state, Showroom::open(&state.data_dir, &unlock)?);
    }
    let shared =
        state.app.get().ok_or_else(|| ApiError::from(showroom_core::CoreError::Conflict("not open".into())))?;
    let app = shared.lock().map_err(|_| ApiError::from(showroom_core::CoreError::Conflict("poisoned".into())))?;
    Ok(app.status()?)
}

/// Desktop notifications for activities as they fall due (the Today screen lists them too), and
/// for what a sync brought that the user should know at once (a web lead assigned to them, a
/// reservation that lost): each notice once, as it arrives.
async fn reminders(app: tauri::AppHandle, shared: Arc<Mutex<Showroom>>) {
    use tauri_plugin_notification::NotificationExt;
    let mut since = showroom_core::domain::Timestamp::now();
    let newest = |a: &Showroom| a.sync_notices().ok().and_then(|n| n.iter().map(|n| n.seq).max()).unwrap_or(0);
    let mut notices_seen = shared.lock().map(|a| newest(&a)).unwrap_or(0);
    if let Ok(mut app) = shared.lock()
        && let Err(e) = app.housekeeping()
    {
        tracing::warn!(error = %e, "housekeeping failed");
    }
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(20)).await;
        let now = showroom_core::domain::Timestamp::now();
        let due = match shared.lock() {
            Ok(app) => app.reminders_since(since).unwrap_or_default(),
            Err(_) => return,
        };
        since = now;
        // Quotes past their date are stored expired; leads past their first-response deadline
        // go to the next rep (a manager's or a single-user device routes).
        if let Ok(mut app) = shared.lock()
            && let Err(e) = app.housekeeping()
        {
            tracing::warn!(error = %e, "housekeeping failed");
        }
        let arrived: Vec<_> = match shared.lock() {
            Ok(a) => a.sync_notices().unwrap_or_default().into_iter().filter(|n| n.seq > notices_seen).collect(),
            Err(_) => return,
        };
        notices_seen = arrived.iter().map(|n| n.seq).max().unwrap_or(notices_seen).max(notices_seen);
        for n in arrived {
            if let Err(e) = app.notification().builder().title(n.title()).body(&n.message).show() {
                tracing::warn!(error = %e, "cannot show a notice");
            }
        }
        for item in due {
            let body = match &item.deal {
                Some(d) => format!("{} · {d}", item.customer),
                None => item.customer.clone(),
            };
            if let Err(e) = app.notification().builder().title(&item.activity.subject).body(body).show() {
                tracing::warn!(error = %e, "cannot show a reminder notification");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Waits until `released` reaches `n` (or gives up after 10 s), then returns its value.
    async fn reaches(released: &AtomicUsize, n: usize) -> usize {
        let t = std::time::Instant::now();
        while released.load(Ordering::SeqCst) < n && t.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        released.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn memory_is_released_once_after_each_burst_of_commands_and_never_while_idle() {
        let used = Arc::new(Notify::new());
        let released = Arc::new(AtomicUsize::new(0));
        let count = released.clone();
        // Far longer than the 10 ms between the burst's commands, so even a busy machine does not
        // see a quiet period inside the burst.
        let quiet = Duration::from_millis(400);
        tokio::spawn(when_quiet(used.clone(), quiet, move || {
            count.fetch_add(1, Ordering::SeqCst);
        }));
        // Opened and left alone: nothing to release.
        tokio::time::sleep(quiet * 3).await;
        assert_eq!(released.load(Ordering::SeqCst), 0, "released with no command");
        // A burst of commands (a rep clicking through a screen), then quiet: one release.
        for _ in 0..5 {
            used.notify_one();
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(reaches(&released, 1).await, 1);
        tokio::time::sleep(quiet * 3).await;
        assert_eq!(released.load(Ordering::SeqCst), 1, "released again with no command in between");
        // The next burst: one more.
        used.notify_one();
        assert_eq!(reaches(&released, 2).await, 2);
    }

    #[test]
    fn trimming_the_allocator_after_freeing_memory_gives_pages_back() {
        // Freed blocks under a live one: glibc keeps them until asked.
        let blocks: Vec<Vec<u8>> = (0..2_000).map(|i| vec![i as u8; 16 * 1024]).collect();
        let pinned = vec![1u8; 1024];
        drop(blocks);
        let trimmed = trim_allocator();
        assert_eq!(pinned[0], 1);
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(trimmed, "malloc_trim gave nothing back after 32 MB were freed");
        }
    }
}

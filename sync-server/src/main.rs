//! `showroom-sync`: the admin CLI (`init`, `user add|reset-password|disable|enable`, `dealership
//! add`, `source add|list|revoke`, `compact`, `migrate`) and `serve`, which runs the sync server
//! until Ctrl+C or SIGTERM. `--db` names a SQLite file or a `postgres://` database. Passwords
//! come from `SHOWROOM_SYNC_PASSWORD` or a prompt.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use showroom_sync::storage::{self, Role, SqliteStorage, Storage};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(name = "showroom-sync", version, about = "Showroom's central sync server")]
struct Args {
    /// The server's database: a SQLite file, or a PostgreSQL URL (`postgres://user@host/db`)
    /// that several server processes may share.
    #[arg(long, global = true, env = "SHOWROOM_SYNC_DB", default_value = "showroom-sync.sqlite3")]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create the database with its first dealership.
    Init {
        #[arg(long)]
        dealership: String,
    },
    /// Add another dealership to the same server.
    Dealership {
        #[command(subcommand)]
        command: DealershipCommand,
    },
    /// Dealer groups: several dealerships (rooftops) under one owner.
    Group {
        #[command(subcommand)]
        command: GroupCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Move a customer, with their leads, deals, quotes and history, to another rooftop of their
    /// dealer group.
    Customer {
        #[command(subcommand)]
        command: CustomerCommand,
    },
    /// Lead sources (websites, OEM and marketplace feeds) and their API keys for
    /// `POST /api/v1/intake/leads`.
    Source {
        #[command(subcommand)]
        command: SourceCommand,
    },
    /// Fold history older than --keep-days into the current state: every change that lost to a
    /// later value and was received before then leaves the log (the winning values stay, so a
    /// laptop however long away still catches up). Deleted rows older than that go entirely
    /// once every device that synced in the last --away-days has pulled their deletion; a device
    /// away longer re-syncs from the state when it returns. Safe while the server runs.
    Compact {
        #[arg(long)]
        keep_days: u64,
        /// A device not seen for this many days no longer holds the purge of deleted rows back.
        #[arg(long, default_value_t = DEFAULT_AWAY_DAYS)]
        away_days: u64,
        /// Then return the freed space to the disk (VACUUM: rewrites the file and holds it
        /// meanwhile; run it with the server stopped or at a quiet hour).
        #[arg(long)]
        vacuum: bool,
    },
    /// Move a SQLite store into an empty PostgreSQL database (stop the SQLite server first):
    /// one transaction that commits only when every partition's checksum matches the source's.
    Migrate {
        /// The SQLite file.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database (`postgres://user@host:port/db`).
        #[arg(long)]
        to: String,
    },
    /// Serve the API. Without --tls-cert/--tls-key only loopback addresses are allowed.
    Serve {
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: SocketAddr,
        /// PEM certificate chain: serve HTTPS.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key for --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// How long a sign-in stays valid.
        #[arg(long, default_value_t = 14 * 24 * 3600)]
        token_ttl_secs: u64,
        /// Also take ADF lead emails over SMTP on this address (e.g. 0.0.0.0:25); STARTTLS with
        /// --tls-cert/--tls-key when given.
        #[arg(long)]
        smtp_listen: Option<SocketAddr>,
        /// The name the SMTP server greets with (the mail domain's host).
        #[arg(long, default_value = "localhost")]
        smtp_name: String,
        /// The address customers reach this server at, for links in messages (default: the
        /// listening address).
        #[arg(long)]
        public_url: Option<String>,
        /// Send the reps' emails through this SMTP relay (host:port, plain SMTP: a relay on this
        /// machine or a trusted network).
        #[arg(long)]
        mail_relay: Option<String>,
        /// The From address of those emails (the dealership's name is shown as the sender).
        #[arg(long, default_value = "quotes@localhost")]
        mail_from: String,
        /// Send texts through this provider URL (POST JSON {to, body}); its key comes from
        /// SHOWROOM_SMS_KEY.
        #[arg(long)]
        sms_url: Option<String>,
        /// Compact the log once a day, keeping this many days of superseded values (see
        /// `compact`); the log keeps everything when absent.
        #[arg(long)]
        keep_history_days: Option<u64>,
    },
}

#[derive(Subcommand, Debug)]
enum DealershipCommand {
    Add {
        name: String,
        /// The dealer group it belongs to (made with `group add`).
        #[arg(long)]
        group: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum GroupCommand {
    /// A new dealer group; then `dealership add NAME --group GROUP` adds new rooftops to it.
    Add {
        name: String,
        /// Dealerships already on this server that belong to it (repeat for each).
        #[arg(long = "rooftop")]
        rooftops: Vec<String>,
    },
    /// Every group with its rooftops.
    List,
}

#[derive(Subcommand, Debug)]
enum CustomerCommand {
    /// Move a customer to another dealership of their group, to a salesperson there.
    Move {
        /// The customer's id.
        #[arg(long)]
        id: uuid::Uuid,
        /// The dealership they go to.
        #[arg(long)]
        to: String,
        /// The login of the salesperson there who takes them.
        #[arg(long)]
        owner: String,
    },
}

#[derive(Subcommand, Debug)]
enum SourceCommand {
    /// Add a source and print its API key (shown once; only its hash is kept).
    Add {
        /// How its leads are labelled ("Website", "Toyota OEM", "CarsDirect").
        name: String,
        /// The channel its leads come in on (web, marketplace, email, chat, social, advertising…).
        #[arg(long, default_value = "web")]
        channel: String,
        /// Needed when the server holds more than one dealership.
        #[arg(long)]
        dealership: Option<String>,
    },
    /// Every source, live and revoked, with when it last posted.
    List,
    /// Revoke a source's key: its next post is refused.
    Revoke {
        name: String,
        #[arg(long)]
        dealership: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add an account; the password comes from SHOWROOM_SYNC_PASSWORD or a prompt.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long)]
        name: String,
        /// rep, manager, or group-manager (a manager of every rooftop of `--group`).
        #[arg(long, value_parser = ["rep", "manager", "group-manager"])]
        role: String,
        /// Needed when the server holds more than one dealership: the user's own rooftop (for a
        /// group manager, the one they work from: their laptop's own store).
        #[arg(long)]
        dealership: Option<String>,
        /// The group a group manager manages.
        #[arg(long, required_if_eq("role", "group-manager"))]
        group: Option<String>,
    },
    /// Set a new password; every device of the user must sign in again.
    ResetPassword {
        login: String,
    },
    /// Lock an account out; its tokens stop working at once and every device it signed in from
    /// erases its customer data at its next contact.
    Disable {
        login: String,
    },
    /// A laptop was lost or stolen: the user's devices (or the one named) erase their customer
    /// data at their next contact with the server, and must sign in again.
    Lost {
        login: String,
        /// The device id (shown in the app's Sync settings); every device of the user when absent.
        #[arg(long)]
        device: Option<uuid::Uuid>,
    },
    Enable {
        login: String,
    },
}

fn password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("SHOWROOM_SYNC_PASSWORD") {
        return Ok(p);
    }
    let p = rpassword::prompt_password("Password: ").context("cannot read a password (set SHOWROOM_SYNC_PASSWORD)")?;
    let again = rpassword::prompt_password("Again: ")?;
    if p != again {
        bail!("the passwords differ");
    }
    Ok(p)
}

fn open_existing(db: &str) -> anyhow::Result<Box<dyn Storage>> {
    if !storage::is_postgres(db) && !Path::new(db).exists() {
        bail!("{db} does not exist: run `showroom-sync init --dealership NAME` first");
    }
    let s = storage::open(db)?;
    if storage::is_postgres(db) && s.dealerships()?.is_empty() {
        bail!("{db} holds no dealership yet: run `showroom-sync init --dealership NAME` first");
    }
    Ok(s)
}

/// A push allocates a small value per field of every change it takes; mimalloc serves those
/// faster than the system allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    match args.command {
        Command::Init { dealership } => {
            if !storage::is_postgres(&args.db) && Path::new(&args.db).exists() {
                bail!("{} exists already; `dealership add` adds another dealership", args.db);
            }
            let s = storage::open(&args.db)?;
            if !s.dealerships()?.is_empty() {
                bail!("{} holds dealerships already; `dealership add` adds another dealership", args.db);
            }
            let id = s.create_dealership(&dealership)?;
            println!("created {} with dealership {dealership:?} ({id})", args.db);
        }
        Command::Dealership { command: DealershipCommand::Add { name, group } } => {
            let s = open_existing(&args.db)?;
            if let Some(g) = &group {
                // The group is checked before the dealership is made.
                s.groups()?
                    .iter()
                    .find(|(_, n, _)| n.eq_ignore_ascii_case(g.trim()))
                    .with_context(|| format!("group: no group {g:?}; make it with `showroom-sync group add {g:?}`"))?;
            }
            let id = s.create_dealership(&name)?;
            if let Some(g) = &group {
                s.join_group(name.trim(), g)?;
            }
            match group {
                Some(g) => println!("added dealership {name:?} ({id}) to group {g:?}"),
                None => println!("added dealership {name:?} ({id})"),
            }
        }
        Command::Group { command } => {
            let s = open_existing(&args.db)?;
            match command {
                GroupCommand::Add { name, rooftops } => {
                    // Every rooftop named must exist before the group is made.
                    let known = s.dealerships()?;
                    for r in &rooftops {
                        known
                            .iter()
                            .find(|(_, n)| n.eq_ignore_ascii_case(r.trim()))
                            .with_context(|| format!("rooftop: no dealership {r:?}"))?;
                    }
                    let id = s.create_group(&name)?;
                    for r in &rooftops {
                        s.join_group(r, &name)?;
                    }
                    println!("added dealer group {name:?} ({id}) with {} rooftop(s)", rooftops.len());
                }
                GroupCommand::List => {
                    for (id, name, rooftops) in s.groups()? {
                        println!("{name}\t{id}\t{}", rooftops.join(", "));
                    }
                }
            }
        }
        Command::Customer { command: CustomerCommand::Move { id, to, owner } } => {
            let s = open_existing(&args.db)?;
            let (to_id, _) = s
                .dealerships()?
                .into_iter()
                .find(|(_, n)| n.eq_ignore_ascii_case(to.trim()))
                .with_context(|| format!("to: no dealership {to:?}"))?;
            let (owner, _) = s.credentials(&owner)?.with_context(|| format!("owner: no user {owner:?}"))?;
            let mv = showroom_core::sync::protocol::CustomerMove { to: to_id, owner: owner.id };
            let now = showroom_core::domain::Timestamp::now().millis().max(0) as u64;
            let moved = s.move_customer(None, id, &mv, now)?;
            println!(
                "moved customer {id} ({} rows) from {} to {}, to {}",
                moved.rows, moved.from_dealership, moved.to_dealership, owner.name
            );
        }
        Command::User { command } => {
            let s = open_existing(&args.db)?;
            match command {
                UserCommand::Add { login, name, role, dealership, group } => {
                    let group_manager = role == "group-manager";
                    let role = if group_manager {
                        Role::Manager
                    } else {
                        Role::parse(&role).context("role: rep or manager")?
                    };
                    // A group manager works from one of the group's rooftops (its first by name).
                    let dealership = match (&group, dealership) {
                        (Some(g), d) if group_manager => {
                            let (_, _, rooftops) = s
                                .groups()?
                                .into_iter()
                                .find(|(_, n, _)| n.eq_ignore_ascii_case(g.trim()))
                                .with_context(|| format!("group: no group {g:?}"))?;
                            match d {
                                Some(d) if rooftops.iter().any(|r| r.eq_ignore_ascii_case(d.trim())) => Some(d),
                                Some(d) => anyhow::bail!("dealership: {d:?} is not in group {g:?}"),
                                None if rooftops.len() == 1 => rooftops.first().cloned(),
                                None if rooftops.is_empty() => {
                                    anyhow::bail!("group: {g:?} has no dealership yet; add one with --group")
                                }
                                None => anyhow::bail!(
                                    "dealership: name the rooftop the group manager works from ({})",
                                    rooftops.join(", ")
                                ),
                            }
                        }
                        (_, d) => d,
                    };
                    let hash = showroom_sync::auth::hash_password(&password()?).map_err(anyhow::Error::msg)?;
                    let u = s.add_user(dealership.as_deref(), &login, &name, role, &hash)?;
                    if group_manager && let Some(g) = &group {
                        s.make_group_manager(&u.login, g)?;
                        println!("added {} {:?} as group manager of {g:?} ({})", u.login, u.name, u.id);
                    } else {
                        println!("added {} {:?} as {} ({})", u.login, u.name, u.role.as_str(), u.id);
                    }
                }
                UserCommand::ResetPassword { login } => {
                    let hash = showroom_sync::auth::hash_password(&password()?).map_err(anyhow::Error::msg)?;
                    s.set_password(&login, &hash)?;
                    println!("new password set for {login}; its devices must sign in again");
                }
                UserCommand::Disable { login } => {
                    s.set_disabled(&login, true)?;
                    println!("{login} disabled; its tokens are revoked");
                }
                UserCommand::Lost { login, device } => {
                    let now = showroom_core::domain::Timestamp::now().millis();
                    let devices = s.request_wipe(&login, device, "reported lost", now)?;
                    println!(
                        "{} device(s) of {login} will erase their customer data at their next contact: {}",
                        devices.len(),
                        devices.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
                    );
                }
                UserCommand::Enable { login } => {
                    s.set_disabled(&login, false)?;
                    println!("{login} enabled");
                }
            }
        }
        Command::Source { command } => {
            let s = open_existing(&args.db)?;
            let now = showroom_core::domain::Timestamp::now().millis();
            match command {
                SourceCommand::Add { name, channel, dealership } => {
                    let channel: showroom_core::domain::Channel =
                        serde_json::from_value(serde_json::Value::String(channel.trim().to_lowercase())).map_err(|_| {
                            anyhow::anyhow!(
                                "channel: {channel:?} is not a channel (web, email, marketplace, chat, social, advertising, referral, phone, event, walk_in)"
                            )
                        })?;
                    let (key, hash) = showroom_sync::auth::new_token();
                    let src = s.add_lead_source(dealership.as_deref(), &name, channel, &hash, now)?;
                    println!("added lead source {:?} ({})", src.name, src.id);
                    println!("email intake mailbox: {}@ (the domain whose MX points at this server)", src.mailbox);
                    println!("API key (shown once; send it in the X-Api-Key header):");
                    println!("{key}");
                }
                SourceCommand::List => {
                    let names: std::collections::HashMap<uuid::Uuid, String> = s.dealerships()?.into_iter().collect();
                    for src in s.lead_sources()? {
                        let when = |ms: Option<i64>| {
                            ms.map(|m| showroom_core::domain::Timestamp::from_millis(m).to_string())
                                .unwrap_or("never".into())
                        };
                        let state = match src.revoked_ms {
                            Some(r) => format!("revoked {}", when(Some(r))),
                            None => "live".into(),
                        };
                        println!(
                            "{}\t{}\t{:?}\t{}@\t{state}\tlast post {}",
                            names.get(&src.dealership_id).map(String::as_str).unwrap_or("?"),
                            src.name,
                            src.channel,
                            src.mailbox,
                            when(src.last_used_ms)
                        );
                    }
                }
                SourceCommand::Revoke { name, dealership } => {
                    s.revoke_lead_source(dealership.as_deref(), &name, now)?;
                    println!("revoked lead source {name:?}; its key is refused from now on");
                }
            }
        }
        Command::Compact { keep_days, away_days, vacuum } => {
            let s = open_existing(&args.db)?;
            let c = s.compact(history_cutoff(keep_days), history_cutoff(away_days))?;
            println!(
                "removed {} superseded changes older than {keep_days} days and {} deleted rows every device has \
                 seen deleted ({} purge notes and {} unused write records forgotten); the log holds {} entries \
                 (was {}); {:.1} MB in use of {:.1} MB",
                c.removed,
                c.purged.rows,
                c.purged.forgotten,
                c.writes,
                c.after.entries,
                c.before.entries,
                c.after.live_bytes as f64 / 1e6,
                c.after.file_bytes as f64 / 1e6
            );
            if vacuum {
                s.vacuum()?;
                println!("vacuumed: the file is {:.1} MB", s.log_size()?.file_bytes as f64 / 1e6);
            }
        }
        Command::Migrate { from, to } => {
            anyhow::ensure!(storage::is_postgres(&to), "--to {to}: give a postgres:// URL");
            anyhow::ensure!(from.exists(), "--from {}: no such file", from.display());
            let source = SqliteStorage::open(&from)?;
            let target = storage::pg::PgStorage::open(&to)?;
            let started = std::time::Instant::now();
            let moved = storage::migrate(&source, &target, |table, rows| println!("copied {table}: {rows} rows"))?;
            println!(
                "migrated {} to {to} in {:.1} s: {} rows, {} partition checksums equal before and after",
                from.display(),
                started.elapsed().as_secs_f64(),
                moved.tables.iter().map(|(_, n)| n).sum::<u64>(),
                moved.partitions
            );
        }
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            token_ttl_secs,
            smtp_listen,
            smtp_name,
            public_url,
            mail_relay,
            mail_from,
            sms_url,
            keep_history_days,
        } => {
            // Listening for the stop signals starts before the port is announced: a SIGTERM sent
            // as soon as a script or test learns the port is never missed.
            let stop = shutdown_signal()?;
            let storage = open_existing(&args.db)?;
            let mut state = showroom_sync::AppState::new(storage);
            state.token_ttl = std::time::Duration::from_secs(token_ttl_secs);
            let scheme = if tls_cert.is_some() { "https" } else { "http" };
            anyhow::ensure!(
                scheme == "https" || listen.ip().is_loopback(),
                "refusing plain HTTP on {listen}: give --tls-cert and --tls-key, or listen on a loopback address"
            );
            let listener = std::net::TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
            let addr = listener.local_addr()?;
            let public_url = public_url.unwrap_or_else(|| format!("{scheme}://{addr}"));
            state.secure_cookies = public_url.starts_with("https://");
            let relay = match mail_relay {
                Some(r) => {
                    let (host, port) =
                        r.rsplit_once(':').with_context(|| format!("--mail-relay {r}: give host:port"))?;
                    Some((
                        host.to_string(),
                        port.parse::<u16>().with_context(|| format!("--mail-relay {r}: bad port"))?,
                    ))
                }
                None => None,
            };
            let sms = sms_url.map(|url| showroom_sync::outbox::HttpSms {
                url,
                key: std::env::var("SHOWROOM_SMS_KEY").unwrap_or_default(),
            });
            let config = showroom_sync::outbox::OutboxConfig { relay, from: mail_from, public_url, sms };
            showroom_sync::outbox::spawn(
                state.storage.clone(),
                config,
                state.outbox_wake.clone(),
                std::time::Duration::from_secs(15),
            );
            if let Some(days) = keep_history_days {
                spawn_compaction(state.storage.clone(), days);
            }
            if let Some(addr) = smtp_listen {
                let listener =
                    std::net::TcpListener::bind(addr).with_context(|| format!("cannot listen for SMTP on {addr}"))?;
                let bound = listener.local_addr()?;
                let tls = tls_cert.as_deref().zip(tls_key.as_deref());
                showroom_sync::smtp::serve(listener, state.storage.clone(), &smtp_name, tls)?;
                // Tests and scripts read this line to learn the port when started with :0.
                println!("smtp intake on {bound}");
                tracing::info!(%bound, starttls = tls.is_some(), "email lead intake serving");
            }
            match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => {
                    println!("listening on https://{addr}");
                    tracing::info!(%addr, tls = true, "showroom-sync serving");
                    showroom_sync::serve_tls(listener, &cert, &key, state, stop).await?;
                }
                _ => {
                    listener.set_nonblocking(true)?;
                    let listener = tokio::net::TcpListener::from_std(listener)?;
                    // Tests and scripts read this line to learn the port when started with :0.
                    println!("listening on http://{addr}");
                    tracing::info!(%addr, tls = false, "showroom-sync serving");
                    showroom_sync::serve(listener, state, stop).await?;
                }
            }
            tracing::info!("showroom-sync stopped");
        }
    }
    Ok(())
}

/// Days without a sync after which a device no longer holds the purge of deleted rows back.
const DEFAULT_AWAY_DAYS: u64 = 60;

/// The instant before which superseded history goes, `days` ago.
fn history_cutoff(days: u64) -> u64 {
    let now = showroom_core::domain::Timestamp::now().millis().max(0) as u64;
    now.saturating_sub(days.saturating_mul(86_400_000))
}

/// Compacts the log a minute after start and then once a day, off the async threads.
fn spawn_compaction(storage: std::sync::Arc<dyn Storage>, days: u64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + std::time::Duration::from_secs(60),
            std::time::Duration::from_secs(86_400),
        );
        loop {
            tick.tick().await;
            let s = storage.clone();
            match tokio::task::spawn_blocking(move || {
                s.compact(history_cutoff(days), history_cutoff(DEFAULT_AWAY_DAYS))
            })
            .await
            {
                Ok(Ok(c)) => {
                    tracing::info!(
                        removed = c.removed,
                        purged = c.purged.rows,
                        entries = c.after.entries,
                        "log compacted"
                    )
                }
                Ok(Err(e)) => tracing::error!(error = %e, "log compaction failed"),
                Err(e) => tracing::error!(error = %e, "log compaction stopped"),
            }
        }
    });
}

/// Resolves at the first Ctrl+C (SIGINT) or SIGTERM received after this call. Both are listened
/// for from the call on, not from the future's first poll: a future made lazily (as before) let a
/// SIGTERM sent right after the port was announced go unheard (tokio had taken over the signal, so
/// the process neither stopped gracefully nor died), and a test waited for it forever.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl+C")?;
        Ok(async move {
            tokio::select! { _ = term.recv() => {}, _ = interrupt.recv() => {} }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

//! `showroom-sync serve --listen ADDR`: runs the sync server until Ctrl+C or SIGTERM.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;

#[derive(Parser, Debug)]
#[command(name = "showroom-sync", version, about = "Showroom's central sync server")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the API. Plain HTTP is only allowed on loopback addresses.
    Serve {
        #[arg(long, default_value = "127.0.0.1:7878")]
        listen: SocketAddr,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let Command::Serve { listen } = Args::parse().command;
    anyhow::ensure!(
        listen.ip().is_loopback(),
        "refusing plain HTTP on {listen}: only loopback addresses may serve without TLS (TLS arrives with the sync work)"
    );
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to learn the port when started with :0.
    println!("listening on http://{addr}");
    tracing::info!(%addr, "showroom-sync serving");
    showroom_sync::serve(listener, showroom_sync::AppState::default(), shutdown_signal()).await?;
    tracing::info!("showroom-sync stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

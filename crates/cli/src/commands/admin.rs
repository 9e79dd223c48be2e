//! `cutline admin token create --credits N [--name NAME] [--data DIR]`: a named user with a
//! grant of credits and a token for it, made straight in the server's database (the server
//! may be running).

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Tokens for named users.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// A new named user with credits, and a token for it (printed once; only its hash is kept).
    Create {
        /// Credits the user gets.
        #[arg(long)]
        credits: u32,
        /// Who the user is (for the operator's records).
        #[arg(long, default_value = "user")]
        name: String,
        /// How many days the token works.
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// The server's data folder.
        #[arg(long, env = "CUTLINE_DATA", default_value = "cutline-data")]
        data: PathBuf,
        /// The server's PostgreSQL database, when it has one (`cutline serve --database`).
        #[arg(long, env = "CUTLINE_DATABASE", value_name = "URL")]
        database: Option<String>,
        /// Print {"token", "user_id", "credits"} as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(args: &AdminArgs) -> Result<(), String> {
    let AdminCommand::Token {
        command:
            TokenCommand::Create {
                credits,
                name,
                days,
                data,
                database,
                json,
            },
    } = &args.command;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(async {
        let store = server::Store::connect(database.as_deref(), data).await?;
        let user = store
            .named_user(name, i64::from(*credits))
            .await
            .map_err(|e| e.to_string())?;
        let lifetime = i64::from(*days) * 24 * 3600;
        let (token, _) = store
            .issue_token(&user, lifetime)
            .await
            .map_err(|e| e.to_string())?;
        if *json {
            let out = serde_json::json!({"token": token, "user_id": user, "credits": credits});
            println!("{out}");
        } else {
            println!("{token}");
            eprintln!(
                "user {user} ({name}) with {credits} credits; the token works for {days} days"
            );
        }
        Ok(())
    })
}

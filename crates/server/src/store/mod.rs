//! The database: users, tokens, sessions and assets here; the credits ledger and holds in
//! [`credits`]; the export queue in [`renders`], the parts of long exports in [`parts`].
//! SQLite in the data folder by default, or PostgreSQL (`--database postgres://…`), both
//! through sqlx's `Any` driver: one text per query, with `$1`-style parameters, which both
//! engines read. The few places their SQL differs ask [`Engine`].
//!
//! Each engine has its migrations (`migrations/`, `migrations-postgres/`: the same tables),
//! run at start. A transaction that writes is one at a time on either engine (see
//! [`Store::begin`]), so every check-then-write in one (a hold against the balance, a claim
//! under a user's cap) holds as it does in SQLite.

pub mod credits;
pub mod parts;
pub mod pieces;
pub mod renders;
#[cfg(test)]
mod tests;
pub mod turn_events;

use std::collections::HashMap;
use std::path::Path;

use media::MediaKind;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Executor, Row};

use crate::error::ApiError;
use crate::tokens;

pub use credits::{Balance, HoldEnd};
pub use parts::PartRecord;
pub use pieces::Piece;
pub use renders::{NewRender, RenderRecord, RenderStatus};

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// Tokens already looked up: hash → (user, expiry). Every request starts with its token,
    /// and a token never changes owner or expiry, so this saves a query per request.
    known_tokens: std::sync::Arc<std::sync::Mutex<HashMap<String, (String, i64)>>>,
    /// This process's id, made at open: the holds of its chat turns carry it (see `credits`).
    instance: std::sync::Arc<str>,
}

/// The database engine behind a [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// A column that orders a table's rows as they were inserted: SQLite's `rowid`, the
    /// `seq` column the Postgres tables have for it.
    fn insertion_order(self) -> &'static str {
        match self {
            Engine::Sqlite => "rowid",
            Engine::Postgres => "seq",
        }
    }

    /// The greater of two numbers (SQLite's two-argument `MAX`).
    fn greatest(self) -> &'static str {
        match self {
            Engine::Sqlite => "MAX",
            Engine::Postgres => "GREATEST",
        }
    }

    /// The integer at `$.d` (a wire Draft's length) of the JSON text in `column`.
    fn draft_length(self, column: &str) -> String {
        match self {
            Engine::Sqlite => format!("json_extract({column}, '$.d')"),
            Engine::Postgres => format!("CAST(CAST({column} AS jsonb) ->> 'd' AS BIGINT)"),
        }
    }
}

/// Where the store is: `--database`, or SQLite in the data folder when that is unset.
fn engine_of(database: Option<&str>) -> Result<Engine, String> {
    match database {
        None => Ok(Engine::Sqlite),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Engine::Postgres)
        }
        Some(other) => Err(format!(
            "--database takes a postgres://… URL (unset: SQLite in the data folder), not {:?}",
            other.split(['/', '@']).next().unwrap_or(other)
        )),
    }
}

/// What asking for the user of an `X-Client-Id` got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signup {
    /// The client's user from before.
    Known(String),
    /// A new user, with the free grant.
    New(String),
    /// The address made its new users for this hour; the oldest ages out in this many seconds.
    Limited { retry_after_s: i64 },
}

/// Tokens remembered at most; past that the memory starts again.
const KNOWN_TOKENS: usize = 100_000;

/// An uploaded file as the protocol describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct AssetRecord {
    pub id: String,
    pub session_id: String,
    pub filename: String,
    pub kind: MediaKind,
    pub duration_ms: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<f64>,
    pub size: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub id: String,
    pub task_id: String,
    pub user_id: String,
    pub task_name: String,
    pub language: String,
    /// The piece of work words without a name are for (see `pieces`); `None` when the words
    /// must say which.
    pub current_piece: Option<String>,
    /// The id of the last chat event sent in this session.
    pub last_event_id: i64,
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Set on every SQLite connection. WAL: readers never wait for the writer. `synchronous =
/// NORMAL`, WAL's own recommendation: a commit is not flushed to disk by itself (the
/// checkpoints are), so a burst of writers is not a queue of fsyncs; a power cut may lose the
/// last commits, whole, a killed process loses nothing. A writer waits its turn 30 s before
/// "database is locked": 200 requests at once on two busy cores waited more than sqlx's
/// default of 5 s (CI stop 21).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// Set on every Postgres connection: a process that stalls inside a transaction (holding the
/// write lock) is cut off after a minute instead of stopping every writer of every server.
const POSTGRES_SETTINGS: &str = "SET idle_in_transaction_session_timeout = '60s'";

/// The `sqlite://` URL of the database file at `path` (absolute), created when missing. Every
/// byte a URL could read otherwise is percent-encoded (`%` too: sqlx decodes the path).
fn sqlite_url(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    const ENCODED: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}');
    let encoded = percent_encoding::percent_encode(path.as_os_str().as_bytes(), ENCODED);
    format!("sqlite://{encoded}?mode=rwc")
}

/// The key of the Postgres advisory lock that makes writing transactions one at a time.
const WRITE_LOCK: i64 = 0x0063_7574_6c69_6e65;

impl Store {
    /// Opens (creating it if needed) `cutline.db` in `folder` and brings it up to date.
    pub async fn open(folder: &Path) -> Result<Self, String> {
        Self::connect(None, folder).await
    }

    /// Opens the store at `database` (a `postgres://` URL), or SQLite in `folder` when it is
    /// `None`, and brings it up to date.
    pub async fn connect(database: Option<&str>, folder: &Path) -> Result<Self, String> {
        sqlx::any::install_default_drivers();
        let engine = engine_of(database)?;
        let (url, place) = match database {
            Some(url) => (url.to_string(), "the database at --database".to_string()),
            None => {
                std::fs::create_dir_all(folder)
                    .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
                let place = format!("the database in {}", folder.display());
                // Whole and real, so the URL names this file and no other: a relative path's
                // first name would be read as the URL's host.
                let folder = folder
                    .canonicalize()
                    .map_err(|e| format!("cannot open {place}: {e}"))?;
                (sqlite_url(&folder.join("cutline.db")), place)
            }
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|e| format!("cannot read --database: {e}"))?;
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    let settings = match engine {
                        Engine::Sqlite => SQLITE_PRAGMAS,
                        Engine::Postgres => POSTGRES_SETTINGS,
                    };
                    connection.execute(settings).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| format!("cannot open {place}: {e}"))?;
        let migrated = match engine {
            Engine::Sqlite => sqlx::migrate!("./migrations").run(&pool).await,
            Engine::Postgres => sqlx::migrate!("./migrations-postgres").run(&pool).await,
        };
        migrated.map_err(|e| format!("cannot migrate {place}: {e}"))?;
        Ok(Self {
            pool,
            engine,
            known_tokens: Default::default(),
            instance: format!("i_{}", tokens::random_hex(8)).into(),
        })
    }

    /// The engine behind this store.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The user of `client_id`, created with `free_credits` when new, unless `ip` already
    /// made `per_hour` new users in the last hour. Two first requests of one client racing
    /// each other get the same user, granted once; the count of the address's sign-ups and the
    /// new user are one statement, so racing requests never make more than `per_hour`.
    pub async fn anonymous_user(
        &self,
        client_id: &str,
        ip: &str,
        free_credits: i64,
        per_hour: u32,
    ) -> Result<Signup, ApiError> {
        let mut tx = self.begin().await?;
        let id = format!("u_{}", tokens::random_hex(8));
        let now = now_s();
        let inserted = sqlx::query(
            "INSERT INTO users (id, client_id, created_at) SELECT $1, $2, $3 \
             WHERE (SELECT COUNT(*) FROM anonymous_signups WHERE ip = $4 AND created_at > $3 - 3600) < $5 \
             ON CONFLICT (client_id) DO NOTHING",
        )
        .bind(&id)
        .bind(client_id)
        .bind(now)
        .bind(ip)
        .bind(i64::from(per_hour))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !inserted {
            tx.rollback().await?;
            if let Some(known) = self.user_of_client(client_id).await? {
                return Ok(Signup::Known(known));
            }
            let (_, retry_after_s) = self.recent_signups(ip).await?;
            return Ok(Signup::Limited { retry_after_s });
        }
        sqlx::query("INSERT INTO ledger (user_id, delta, reason, created_at) VALUES ($1, $2, 'free grant', $3)")
            .bind(&id)
            .bind(free_credits)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO anonymous_signups (ip, created_at) VALUES ($1, $2)")
            .bind(ip)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Signup::New(id))
    }

    /// A new named user with a grant of `credits` (the operator's `admin token create`).
    pub async fn named_user(&self, name: &str, credits: i64) -> Result<String, ApiError> {
        let id = format!("u_{}", tokens::random_hex(8));
        let now = now_s();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO users (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&id)
            .bind(name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO ledger (user_id, delta, reason, created_at) VALUES ($1, $2, 'grant', $3)",
        )
        .bind(&id)
        .bind(credits)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The anonymous user of `client_id`, if one exists.
    pub async fn user_of_client(&self, client_id: &str) -> Result<Option<String>, ApiError> {
        let row = sqlx::query("SELECT id FROM users WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get("id")))
    }

    /// New anonymous users from `ip` in the last hour, and when the oldest of them ages out.
    pub async fn recent_signups(&self, ip: &str) -> Result<(u32, i64), ApiError> {
        let since = now_s() - 3600;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM anonymous_signups WHERE ip = $1 AND created_at > $2",
        )
        .bind(ip)
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        let count: i64 = row.get("n");
        let oldest: Option<i64> = row.get("oldest");
        let free_in = oldest.map_or(0, |t| (t + 3600 - now_s()).max(1));
        Ok((count as u32, free_in))
    }

    /// Issues a token for `user_id`, valid for `lifetime_s`; returns it and its expiry.
    pub async fn issue_token(
        &self,
        user_id: &str,
        lifetime_s: i64,
    ) -> Result<(String, i64), ApiError> {
        let token = tokens::new_token();
        let expires_at = now_s() + lifetime_s;
        sqlx::query("INSERT INTO tokens (hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(tokens::hash(&token))
            .bind(user_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok((token, expires_at))
    }

    /// The user a token belongs to, if it is known and not expired.
    pub async fn user_of_token(&self, token: &str) -> Result<Option<String>, ApiError> {
        let hash = tokens::hash(token);
        let now = now_s();
        let remembered = {
            let known = self.known_tokens.lock().unwrap_or_else(|e| e.into_inner());
            known.get(&hash).cloned()
        };
        if let Some((user, expires_at)) = remembered {
            return Ok((expires_at > now).then_some(user));
        }
        let row = sqlx::query(
            "SELECT user_id, expires_at FROM tokens WHERE hash = $1 AND expires_at > $2",
        )
        .bind(&hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let (user, expires_at): (String, i64) = (row.get("user_id"), row.get("expires_at"));
        let mut known = self.known_tokens.lock().unwrap_or_else(|e| e.into_inner());
        if known.len() >= KNOWN_TOKENS {
            known.clear();
        }
        known.insert(hash, (user.clone(), expires_at));
        Ok(Some(user))
    }

    pub async fn create_session(
        &self,
        user_id: &str,
        task_name: &str,
        language: &str,
    ) -> Result<Session, ApiError> {
        let session = Session {
            id: format!("ses_{}", tokens::random_hex(12)),
            task_id: format!("task_{}", tokens::random_hex(12)),
            user_id: user_id.to_string(),
            task_name: task_name.to_string(),
            language: language.to_string(),
            current_piece: None,
            last_event_id: 0,
        };
        sqlx::query(
            "INSERT INTO sessions (id, task_id, user_id, task_name, language, draft, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&session.id)
        .bind(&session.task_id)
        .bind(&session.user_id)
        .bind(&session.task_name)
        .bind(&session.language)
        .bind("{}")
        .bind(now_s())
        .execute(&self.pool)
        .await?;
        Ok(session)
    }

    /// A session of `user_id`; another user's session is as missing as an unknown one.
    pub async fn session(&self, user_id: &str, session_id: &str) -> Result<Session, ApiError> {
        let row = sqlx::query(
            "SELECT id, task_id, user_id, task_name, language, current_piece, last_event_id \
             FROM sessions WHERE id = $1 AND user_id = $2",
        )
        .bind(session_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(ApiError::SessionNotFound)?;
        Ok(Session {
            id: row.get("id"),
            task_id: row.get("task_id"),
            user_id: row.get("user_id"),
            task_name: row.get("task_name"),
            language: row.get("language"),
            current_piece: row.get("current_piece"),
            last_event_id: row.get("last_event_id"),
        })
    }

    /// An asset of `user_id`; another user's is as missing as an unknown one.
    pub async fn asset(
        &self,
        user_id: &str,
        asset_id: &str,
    ) -> Result<Option<AssetRecord>, ApiError> {
        let row = sqlx::query(&format!(
            "SELECT {ASSET_COLUMNS} FROM assets WHERE id = $1 AND user_id = $2"
        ))
        .bind(asset_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(asset_record))
    }

    /// Which of `ids` have an asset row (the rest are files no upload kept).
    pub async fn known_assets(&self, ids: &[String]) -> Result<Vec<String>, ApiError> {
        let mut known = Vec::new();
        for id in ids {
            let found: Option<String> = sqlx::query_scalar("SELECT id FROM assets WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            known.extend(found);
        }
        Ok(known)
    }

    /// The ids of every stored asset (what `media/` should hold).
    pub async fn asset_ids(&self) -> Result<std::collections::HashSet<String>, ApiError> {
        let rows = sqlx::query("SELECT id FROM assets")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|row| row.get("id")).collect())
    }

    /// The assets of a session, oldest first.
    pub async fn session_assets(&self, session_id: &str) -> Result<Vec<AssetRecord>, ApiError> {
        let rows = sqlx::query(&format!(
            "SELECT {ASSET_COLUMNS} FROM assets WHERE session_id = $1 ORDER BY created_at, {}",
            self.engine.insertion_order()
        ))
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(asset_record).collect())
    }

    /// Records the id of the last chat event sent in a session.
    pub async fn set_last_event_id(&self, session_id: &str, id: i64) -> Result<(), ApiError> {
        sqlx::query(
            "UPDATE sessions SET last_event_id = CASE WHEN last_event_id > $1 THEN last_event_id \
             ELSE $1 END WHERE id = $2",
        )
        .bind(id)
        .bind(session_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The secret named `name` every process on this database shares: the one stored, or
    /// `candidate` when there was none (the first process to ask makes it).
    pub async fn shared_secret(&self, name: &str, candidate: &str) -> Result<String, ApiError> {
        sqlx::query(
            "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// A transaction on the database (for changes that must land together), one at a time.
    /// SQLite: it takes the write lock at once (`BEGIN IMMEDIATE`); a deferred one that reads
    /// and then writes gets "database is locked" at once, without waiting, whenever another
    /// writer holds the lock at that moment (a turn failed with HTTP 500 that way under 200
    /// concurrent requests). Postgres: it takes one advisory lock, held to its end, so its
    /// checks see what the transactions before it wrote (`READ COMMITTED` alone would let
    /// two holds both pass one balance check).
    pub async fn begin(&self) -> Result<Transaction, ApiError> {
        match self.engine {
            Engine::Sqlite => Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?),
            Engine::Postgres => {
                let mut tx = self.pool.begin().await?;
                // A function returning `void` is no type the Any driver reads: count its row.
                sqlx::query("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    /// SQLite's `PRAGMA integrity_check`: "ok" for a sound database file.
    pub async fn integrity_check(&self) -> Result<String, ApiError> {
        if self.engine != Engine::Sqlite {
            return Err(ApiError::internal("integrity_check is SQLite's"));
        }
        let row = sqlx::query("PRAGMA integrity_check")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get(0))
    }
}

/// A transaction of the store.
pub type Transaction = sqlx::Transaction<'static, sqlx::Any>;

/// The columns [`asset_record`] reads.
const ASSET_COLUMNS: &str =
    "id, session_id, filename, kind, duration_ms, width, height, fps, size, sha256";

fn asset_record(row: &AnyRow) -> AssetRecord {
    AssetRecord {
        id: row.get("id"),
        session_id: row.get("session_id"),
        filename: row.get("filename"),
        // Written by `add_asset_in` from the same type; an unknown name is a video.
        kind: MediaKind::of_name(row.get("kind")).unwrap_or(MediaKind::Video),
        duration_ms: row.get::<i64, _>("duration_ms") as u64,
        width: row.get::<Option<i64>, _>("width").map(|w| w as u32),
        height: row.get::<Option<i64>, _>("height").map(|h| h as u32),
        fps: row.get("fps"),
        size: row.get::<i64, _>("size") as u64,
        sha256: row.get("sha256"),
    }
}

/// Records an uploaded file of `user_id` (inside the upload's transaction).
pub async fn add_asset_in(
    connection: &mut AnyConnection,
    user_id: &str,
    asset: &AssetRecord,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO assets (id, user_id, session_id, filename, kind, duration_ms, width, height, fps, size, sha256, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&asset.id)
    .bind(user_id)
    .bind(&asset.session_id)
    .bind(&asset.filename)
    .bind(asset.kind.name())
    .bind(asset.duration_ms as i64)
    .bind(asset.width.map(i64::from))
    .bind(asset.height.map(i64::from))
    .bind(asset.fps)
    .bind(asset.size as i64)
    .bind(&asset.sha256)
    .bind(now_s())
    .execute(connection)
    .await?;
    Ok(())
}

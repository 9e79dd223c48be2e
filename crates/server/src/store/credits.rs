//! Credits as a ledger and holds. The ledger's sum is what a user has; a hold freezes part of
//! it for work under way and ends exactly once: settled (a ledger entry charges it) or
//! released. `available = ledger − held`, and a hold is only taken when that covers it, in
//! one statement, so no interleaving of requests takes a balance below zero.
//!
//! A hold for work of this process only (a chat turn) carries the process's instance id; when
//! the process dies the work dies with it, so the next start releases such holds at once
//! ([`Store::release_holds_of_gone_processes`]) instead of waiting for them to expire. An
//! export's hold carries none: its job resumes after a restart and ends the hold then.

use sqlx::{Row, SqliteConnection};

use super::{now_s, Store};
use crate::error::ApiError;
use crate::tokens;

/// A user's credits: what can be spent, what is held for work under way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Balance {
    pub available: i64,
    pub frozen: i64,
}

/// How a hold ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldEnd {
    /// The work was done: charge the hold.
    Settle,
    /// The work failed, changed nothing or was cancelled: give it back.
    Release,
}

impl Store {
    pub async fn balance(&self, user_id: &str) -> Result<Balance, ApiError> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ?1) AS total, \
                    (SELECT COALESCE(SUM(amount), 0) FROM holds WHERE user_id = ?1 AND state = 'held') AS frozen",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?;
        let (total, frozen): (i64, i64) = (row.get("total"), row.get("frozen"));
        Ok(Balance {
            available: total - frozen,
            frozen,
        })
    }

    /// Holds `amount` credits of `user_id` for `reason`, for work of this process, if that
    /// many are available; `None` when they are not. An unended hold is released after
    /// `lifetime_s`, or when the server starts again.
    pub async fn hold(
        &self,
        user_id: &str,
        amount: i64,
        reason: &str,
        lifetime_s: i64,
    ) -> Result<Option<String>, ApiError> {
        let mut connection = self.pool.acquire().await?;
        let hold = NewHold {
            user_id,
            amount,
            reason,
            lifetime_s,
            instance: Some(&self.instance),
        };
        hold_in(&mut connection, &hold).await
    }

    /// Releases the holds of work of server processes other than this one (they died: one
    /// data folder has one server); how many. Called once at start.
    pub async fn release_holds_of_gone_processes(&self) -> Result<u64, ApiError> {
        let released = sqlx::query(
            "UPDATE holds SET state = 'released' \
             WHERE state = 'held' AND instance IS NOT NULL AND instance != ?",
        )
        .bind(&*self.instance)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(released)
    }

    /// Ends a hold (see [`end_hold_in`]) on its own.
    pub async fn end_hold(&self, hold_id: &str, end: HoldEnd) -> Result<bool, ApiError> {
        let mut tx = self.begin().await?;
        let ended = end_hold_in(&mut tx, hold_id, end).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Releases the holds whose work outlived their lifetime (its process died); how many.
    pub async fn release_expired_holds(&self) -> Result<u64, ApiError> {
        let released = sqlx::query(
            "UPDATE holds SET state = 'released' WHERE state = 'held' AND expires_at < ?",
        )
        .bind(now_s())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(released)
    }
}

/// A hold to take.
#[derive(Clone, Copy, Debug)]
pub struct NewHold<'a> {
    pub user_id: &'a str,
    pub amount: i64,
    pub reason: &'a str,
    /// Released after this long if still held (its work died).
    pub lifetime_s: i64,
    /// The server process whose work it pays for (a chat turn); `None` for work that
    /// outlives the process (an export, whose job resumes).
    pub instance: Option<&'a str>,
}

/// Takes `hold` if its amount is available (see [`Store::hold`]), on `connection` (e.g. in
/// the transaction that creates the export it pays for); its id, `None` when not available.
pub async fn hold_in(
    connection: &mut SqliteConnection,
    hold: &NewHold<'_>,
) -> Result<Option<String>, ApiError> {
    let id = format!("h_{}", tokens::random_hex(10));
    let now = now_s();
    // One statement: the check and the hold cannot be split by another request.
    let taken = sqlx::query(
        "INSERT INTO holds (id, user_id, amount, reason, expires_at, created_at, instance) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 \
         WHERE (SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = ?2) \
             - (SELECT COALESCE(SUM(amount), 0) FROM holds WHERE user_id = ?2 AND state = 'held') >= ?3",
    )
    .bind(&id)
    .bind(hold.user_id)
    .bind(hold.amount)
    .bind(hold.reason)
    .bind(now + hold.lifetime_s)
    .bind(now)
    .bind(hold.instance)
    .execute(&mut *connection)
    .await?
    .rows_affected()
        == 1;
    Ok(taken.then_some(id))
}

/// Ends a hold if it is still held, in the caller's transaction (the one that records what
/// the hold paid for); `false` when it had already ended, so nothing is charged twice.
pub async fn end_hold_in(
    connection: &mut SqliteConnection,
    hold_id: &str,
    end: HoldEnd,
) -> Result<bool, ApiError> {
    let state = match end {
        HoldEnd::Settle => "settled",
        HoldEnd::Release => "released",
    };
    let ended = sqlx::query(
        "UPDATE holds SET state = ? WHERE id = ? AND state = 'held' RETURNING user_id, amount, reason",
    )
    .bind(state)
    .bind(hold_id)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(row) = ended else {
        return Ok(false);
    };
    if end == HoldEnd::Settle {
        let amount: i64 = row.get("amount");
        if amount > 0 {
            sqlx::query(
                "INSERT INTO ledger (user_id, delta, reason, created_at) VALUES (?, ?, ?, ?)",
            )
            .bind(row.get::<String, _>("user_id"))
            .bind(-amount)
            .bind(row.get::<String, _>("reason"))
            .bind(now_s())
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(true)
}

//! Credits as a ledger and holds. The ledger's sum is what a user has; a hold freezes part of
//! it for work under way and ends exactly once: settled (a ledger entry charges it) or
//! released. `available = ledger − held`, and a hold is only taken when that covers it, in
//! one statement, so no interleaving of requests takes a balance below zero.
//!
//! A hold for work of this process only (a chat turn) carries the process's instance id; when
//! the process dies the work dies with it. Each process renews a lease on its id
//! ([`Store::renew_instance`]); once a process's lease has run out, any other process
//! releases its holds ([`Store::release_holds_of_gone_processes`]), and a start alone with
//! its database releases them at once, instead of waiting for them to expire. An export's
//! hold carries none: its job resumes after a restart and ends the hold then.

use sqlx::{AnyConnection, Row};

use super::{now_ms, now_s, Store};
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
            // Postgres sums BIGINTs as NUMERIC, which the Any driver does not read.
            "SELECT CAST((SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = $1) AS BIGINT) AS total, \
                    CAST((SELECT COALESCE(SUM(amount), 0) FROM holds WHERE user_id = $1 AND state = 'held') AS BIGINT) AS frozen",
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
        let mut tx = self.begin().await?;
        let hold = NewHold {
            user_id,
            amount,
            reason,
            lifetime_s,
            instance: Some(&self.instance),
        };
        let taken = hold_in(&mut tx, &hold).await?;
        tx.commit().await?;
        Ok(taken)
    }

    /// Records that this process is alive for `lease_ms` more: at its start, then again
    /// and again while it runs. Its chat turns' holds stay while the lease does.
    pub async fn renew_instance(&self, lease_ms: i64) -> Result<(), ApiError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO instances (id, lease_until) VALUES ($1, $2) \
             ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until",
        )
        .bind(&*self.instance)
        .bind(now + lease_ms)
        .execute(&self.pool)
        .await?;
        // Processes gone for a day are forgotten (their holds were released long before).
        sqlx::query("DELETE FROM instances WHERE lease_until < $1")
            .bind(now - 24 * 3600 * 1000)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Releases the holds of chat turns of other server processes that died: those whose
    /// lease ran out, or every other one when `all_others_gone` (a start that knows it is
    /// alone with its database, as SQLite in a data folder no other process uses); how many.
    pub async fn release_holds_of_gone_processes(
        &self,
        all_others_gone: bool,
    ) -> Result<u64, ApiError> {
        let released = sqlx::query(
            "UPDATE holds SET state = 'released' \
             WHERE state = 'held' AND instance IS NOT NULL AND instance != $1 \
               AND ($2 = 1 OR NOT EXISTS (SELECT 1 FROM instances i \
                                          WHERE i.id = holds.instance AND i.lease_until >= $3))",
        )
        .bind(&*self.instance)
        .bind(i64::from(all_others_gone))
        .bind(now_ms())
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
            "UPDATE holds SET state = 'released' WHERE state = 'held' AND expires_at < $1",
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
    connection: &mut AnyConnection,
    hold: &NewHold<'_>,
) -> Result<Option<String>, ApiError> {
    let id = format!("h_{}", tokens::random_hex(10));
    let now = now_s();
    // One statement: the check and the hold cannot be split by another request.
    let taken = sqlx::query(
        "INSERT INTO holds (id, user_id, amount, reason, expires_at, created_at, instance) \
         SELECT $1, $2, $3, $4, $5, $6, $7 \
         WHERE (SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE user_id = $2) \
             - (SELECT COALESCE(SUM(amount), 0) FROM holds WHERE user_id = $2 AND state = 'held') >= $3",
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
    connection: &mut AnyConnection,
    hold_id: &str,
    end: HoldEnd,
) -> Result<bool, ApiError> {
    let state = match end {
        HoldEnd::Settle => "settled",
        HoldEnd::Release => "released",
    };
    let ended = sqlx::query(
        "UPDATE holds SET state = $1 WHERE id = $2 AND state = 'held' RETURNING user_id, amount, reason",
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
                "INSERT INTO ledger (user_id, delta, reason, created_at) VALUES ($1, $2, $3, $4)",
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

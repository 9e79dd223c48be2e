//! The export queue. A job is claimed by a worker under a new attempt number with a lease;
//! the worker renews the lease as it renders and finishes the job only under the attempt it
//! claimed, so a worker that lost its job (it was cancelled, or its lease ran out and another
//! took it) cannot overwrite what came after. A job whose lease ran out is claimed again.
//! Holds paid for a job are settled or released in the transaction that ends it.
//!
//! Claims are fair: a worker takes a job only while its user has fewer than `per_user` jobs
//! rendering, users with fewer running jobs first, then the oldest job; a worker of the short
//! lane takes only jobs whose timeline is at most its `longest_ms`, so a short export never
//! waits behind a long one. Each claim is one SQL statement, so two workers never take the
//! same job or together go past a user's cap.

use media::render::{Format, Quality};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::credits::{end_hold_in, hold_in, HoldEnd, NewHold};
use super::{now_ms, Store};
use crate::error::ApiError;

/// Attempts after which a job whose workers keep dying fails.
pub(super) const MAX_ATTEMPTS: i64 = 3;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderStatus {
    Pending,
    Processing,
    Completed,
    Failed,
    Cancelled,
}

impl RenderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RenderStatus::Pending => "pending",
            RenderStatus::Processing => "processing",
            RenderStatus::Completed => "completed",
            RenderStatus::Failed => "failed",
            RenderStatus::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "processing" => RenderStatus::Processing,
            "completed" => RenderStatus::Completed,
            "failed" => RenderStatus::Failed,
            "cancelled" => RenderStatus::Cancelled,
            _ => RenderStatus::Pending,
        }
    }

    /// Whether the job is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RenderStatus::Completed | RenderStatus::Failed | RenderStatus::Cancelled
        )
    }
}

/// An export to queue.
#[derive(Clone, Debug)]
pub struct NewRender {
    pub user_id: String,
    pub id: String,
    pub session_id: String,
    /// The piece of work it is made of, if any.
    pub piece_id: Option<String>,
    pub draft_json: String,
    pub draft_hash: String,
    pub quality: Quality,
    pub format: Format,
    /// The length of its timeline.
    pub length_ms: u64,
    /// Credits to hold until it ends (none when 0).
    pub price: i64,
}

/// Which jobs a worker may claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lane {
    /// Only jobs whose timeline is at most this long (the short lane); `None`: any job.
    pub longest_ms: Option<u64>,
    /// Jobs of one user rendering at once, at most (at least 1).
    pub per_user: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RenderRecord {
    pub user_id: String,
    pub id: String,
    pub session_id: String,
    pub piece_id: Option<String>,
    pub draft_json: String,
    pub draft_hash: String,
    pub quality: Quality,
    pub format: Format,
    pub status: RenderStatus,
    pub progress: i64,
    pub attempt: i64,
    pub error: Option<String>,
    pub duration_ms: Option<i64>,
    pub size: Option<i64>,
    /// Epoch milliseconds.
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

/// How a claimed job ended.
#[derive(Clone, Debug)]
pub enum RenderEnd {
    Completed { duration_ms: u64, size: u64 },
    Failed { error: String },
}

/// Why a job could not be queued.
#[derive(Debug)]
pub enum Refused {
    /// The id is taken by an export of another Draft.
    OtherDraft,
    /// The price is not available.
    OutOfCredits,
}

const COLUMNS: &str =
    "user_id, id, session_id, piece_id, draft, draft_hash, quality, format, status, progress, \
                       attempt, error, duration_ms, size, created_at, completed_at";

fn record(row: &AnyRow) -> RenderRecord {
    RenderRecord {
        user_id: row.get("user_id"),
        id: row.get("id"),
        session_id: row.get("session_id"),
        piece_id: row.get("piece_id"),
        draft_json: row.get("draft"),
        draft_hash: row.get("draft_hash"),
        // Written by `queue_render` from the same types, so they read back.
        quality: row.get::<String, _>("quality").parse().unwrap_or_default(),
        format: row.get::<String, _>("format").parse().unwrap_or_default(),
        status: RenderStatus::parse(row.get::<String, _>("status").as_str()),
        progress: row.get("progress"),
        attempt: row.get("attempt"),
        error: row.get("error"),
        duration_ms: row.get("duration_ms"),
        size: row.get("size"),
        created_at: row.get("created_at"),
        completed_at: row.get("completed_at"),
    }
}

impl Store {
    /// Queues `new`, or returns the job already under its id (then `false`): the same id never
    /// renders or charges twice.
    pub async fn queue_render(
        &self,
        new: &NewRender,
    ) -> Result<Result<(RenderRecord, bool), Refused>, ApiError> {
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO renders (user_id, id, session_id, piece_id, draft, draft_hash, quality, \
             format, length_ms, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (user_id, id) DO NOTHING",
        )
        .bind(&new.user_id)
        .bind(&new.id)
        .bind(&new.session_id)
        .bind(&new.piece_id)
        .bind(&new.draft_json)
        .bind(&new.draft_hash)
        .bind(new.quality.name())
        .bind(new.format.name())
        .bind(new.length_ms.min(i64::MAX as u64) as i64)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted && new.price > 0 {
            let reason = format!("export {}", new.id);
            let week = 7 * 24 * 3600;
            let hold = NewHold {
                user_id: &new.user_id,
                amount: new.price,
                reason: &reason,
                lifetime_s: week,
                instance: None,
            };
            let Some(hold) = hold_in(&mut tx, &hold).await? else {
                tx.rollback().await?;
                return Ok(Err(Refused::OutOfCredits));
            };
            sqlx::query("UPDATE renders SET hold_id = $1 WHERE user_id = $2 AND id = $3")
                .bind(hold)
                .bind(&new.user_id)
                .bind(&new.id)
                .execute(&mut *tx)
                .await?;
        }
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM renders WHERE user_id = $1 AND id = $2"
        ))
        .bind(&new.user_id)
        .bind(&new.id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        let job = record(&row);
        if !inserted && job.draft_hash != new.draft_hash {
            return Ok(Err(Refused::OtherDraft));
        }
        Ok(Ok((job, inserted)))
    }

    /// A job of `user_id`.
    pub async fn render(&self, user_id: &str, id: &str) -> Result<Option<RenderRecord>, ApiError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM renders WHERE user_id = $1 AND id = $2"
        ))
        .bind(user_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(record))
    }

    /// The finished exports of a session, oldest first.
    pub async fn completed_renders(&self, session_id: &str) -> Result<Vec<RenderRecord>, ApiError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM renders WHERE session_id = $1 AND status = 'completed' ORDER BY completed_at"
        ))
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record).collect())
    }

    /// Claims, for `lease_ms`, a job `lane` may take that is pending or whose worker stopped
    /// renewing its lease (see the module's note on fairness). A job claimed too often fails
    /// instead (its hold released).
    pub async fn claim_render(
        &self,
        lease_ms: i64,
        lane: Lane,
    ) -> Result<Option<RenderRecord>, ApiError> {
        let longest = lane
            .longest_ms
            .map_or(i64::MAX, |ms| ms.min(i64::MAX as u64) as i64);
        loop {
            let now = now_ms();
            // `running` is the user's jobs under a live lease (one whose lease ran out is
            // nobody's, and may be claimed again).
            let order = self.engine.insertion_order();
            let mut tx = self.begin().await?;
            let row = sqlx::query(&format!(
                // The outer condition again, as in `claim_part`.
                "UPDATE renders SET status = 'processing', attempt = attempt + 1, lease_until = $1 \
                 WHERE (status = 'pending' OR (status = 'processing' AND lease_until < $2)) \
                   AND {order} = ( \
                   SELECT job FROM ( \
                     SELECT r.{order} AS job, r.created_at, \
                            (SELECT COUNT(*) FROM renders o WHERE o.user_id = r.user_id \
                              AND o.status = 'processing' AND o.lease_until >= $2) AS running \
                     FROM renders r \
                     WHERE (r.status = 'pending' OR (r.status = 'processing' AND r.lease_until < $2)) \
                       AND r.length_ms <= $3) AS waiting \
                   WHERE running < $4 ORDER BY running, created_at, job LIMIT 1) \
                 RETURNING {COLUMNS}"
            ))
            .bind(now + lease_ms)
            .bind(now)
            .bind(longest)
            .bind(i64::from(lane.per_user.max(1)))
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            let Some(job) = row.as_ref().map(record) else {
                return Ok(None);
            };
            if job.attempt <= MAX_ATTEMPTS {
                return Ok(Some(job));
            }
            let error = "the export stopped with its worker three times".to_string();
            self.finish_render(&job, RenderEnd::Failed { error })
                .await?;
        }
    }

    /// Renews a claimed job's lease and records its progress (0–100). `false` when the job is
    /// no longer this attempt's (cancelled, or claimed again): its worker must stop.
    pub async fn renew_render(
        &self,
        job: &RenderRecord,
        progress: i64,
        lease_ms: i64,
    ) -> Result<bool, ApiError> {
        let renewed = sqlx::query(
            "UPDATE renders SET progress = CASE WHEN progress > $1 THEN progress ELSE $1 END, \
                    lease_until = $2 \
             WHERE user_id = $3 AND id = $4 AND attempt = $5 AND status = 'processing'",
        )
        .bind(progress)
        .bind(now_ms() + lease_ms)
        .bind(&job.user_id)
        .bind(&job.id)
        .bind(job.attempt)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(renewed == 1)
    }

    /// Ends a claimed job under its attempt, settling (completed) or releasing (failed) its
    /// hold in the same transaction; `false` when the job was no longer this attempt's.
    pub async fn finish_render(
        &self,
        job: &RenderRecord,
        end: RenderEnd,
    ) -> Result<bool, ApiError> {
        let mut tx = self.begin().await?;
        let (status, error, duration, size, hold_end) = match &end {
            RenderEnd::Completed { duration_ms, size } => (
                "completed",
                None,
                Some(*duration_ms as i64),
                Some(*size as i64),
                HoldEnd::Settle,
            ),
            RenderEnd::Failed { error } => {
                ("failed", Some(error.clone()), None, None, HoldEnd::Release)
            }
        };
        let hold = sqlx::query(
            "UPDATE renders SET status = $1, error = $2, duration_ms = $3, size = $4, completed_at = $5, \
                    progress = CASE WHEN $6 = 'completed' THEN 100 ELSE progress END \
             WHERE user_id = $7 AND id = $8 AND attempt = $9 AND status = 'processing' RETURNING hold_id",
        )
        .bind(status)
        .bind(error)
        .bind(duration)
        .bind(size)
        .bind(now_ms())
        .bind(status)
        .bind(&job.user_id)
        .bind(&job.id)
        .bind(job.attempt)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(hold) = hold else {
            tx.rollback().await?;
            return Ok(false);
        };
        if let Some(hold_id) = hold.get::<Option<String>, _>("hold_id") {
            end_hold_in(&mut tx, &hold_id, hold_end).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Puts a claimed job back in the queue (its worker is stopping with the server).
    pub async fn requeue_render(&self, job: &RenderRecord) -> Result<(), ApiError> {
        sqlx::query(
            // A worker stopping is not a worker dying: the attempt is not counted.
            "UPDATE renders SET status = 'pending', lease_until = 0, attempt = attempt - 1 \
             WHERE user_id = $1 AND id = $2 AND attempt = $3 AND status = 'processing'",
        )
        .bind(&job.user_id)
        .bind(&job.id)
        .bind(job.attempt)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Cancels a pending or running job of `user_id` (its hold released); the job as it is
    /// after, `None` when there is no such job.
    pub async fn cancel_render(
        &self,
        user_id: &str,
        id: &str,
    ) -> Result<Option<RenderRecord>, ApiError> {
        let mut tx = self.begin().await?;
        let hold = sqlx::query(
            "UPDATE renders SET status = 'cancelled', completed_at = $1 \
             WHERE user_id = $2 AND id = $3 AND status IN ('pending', 'processing') RETURNING hold_id",
        )
        .bind(now_ms())
        .bind(user_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(hold_id) = hold.and_then(|row| row.get::<Option<String>, _>("hold_id")) {
            end_hold_in(&mut tx, &hold_id, HoldEnd::Release).await?;
        }
        tx.commit().await?;
        self.render(user_id, id).await
    }
}

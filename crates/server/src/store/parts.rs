//! The parts of long exports (see `server::worker`): rows made when a worker first takes
//! the export, then claimed one by one by any worker under a lease and attempt, exactly as
//! exports are (`renders`), so a part whose worker died is taken again and a worker that lost
//! its part cannot mark it done. A part is taken only while its export is being rendered, so
//! cancelling the export stops its parts at their next renewal.

use sqlx::any::AnyRow;
use sqlx::Row;
use timeline::time::TimeRange;

use super::credits::{end_hold_in, HoldEnd};
use super::renders::MAX_ATTEMPTS;
use super::{now_ms, RenderRecord, Store};
use crate::error::ApiError;

/// One part of an export: number 0 is its whole sound, 1… the picture of a range.
#[derive(Clone, Debug, PartialEq)]
pub struct PartRecord {
    pub user_id: String,
    pub render_id: String,
    pub number: i64,
    pub range: TimeRange,
    pub done: bool,
    pub progress: i64,
    pub attempt: i64,
}

impl PartRecord {
    pub fn is_sound(&self) -> bool {
        self.number == 0
    }
}

const COLUMNS: &str = "user_id, render_id, number, start_ms, end_ms, status, progress, attempt";

fn record(row: &AnyRow) -> PartRecord {
    let (start, end): (i64, i64) = (row.get("start_ms"), row.get("end_ms"));
    PartRecord {
        user_id: row.get("user_id"),
        render_id: row.get("render_id"),
        number: row.get("number"),
        range: TimeRange::new(start.max(0) as u64, end.max(0) as u64),
        done: row.get::<String, _>("status") == "done",
        progress: row.get("progress"),
        attempt: row.get("attempt"),
    }
}

impl Store {
    /// The parts of `job`, made now (its sound and one per range) unless they were made by
    /// an earlier attempt; in number order.
    pub async fn split_render(
        &self,
        job: &RenderRecord,
        ranges: &[TimeRange],
    ) -> Result<Vec<PartRecord>, ApiError> {
        let whole = TimeRange::new(0, ranges.last().map_or(0, |r| r.end_ms));
        let mut tx = self.begin().await?;
        for (number, range) in std::iter::once(whole)
            .chain(ranges.iter().copied())
            .enumerate()
        {
            sqlx::query(
                "INSERT INTO render_parts (user_id, render_id, number, start_ms, end_ms) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(&job.user_id)
            .bind(&job.id)
            .bind(number as i64)
            .bind(range.start_ms as i64)
            .bind(range.end_ms as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.render_parts(job).await
    }

    /// The exports that may still need their parts (pending or being rendered), as
    /// (user, export id).
    pub async fn unfinished_renders(&self) -> Result<Vec<(String, String)>, ApiError> {
        let rows = sqlx::query(
            "SELECT user_id, id FROM renders WHERE status IN ('pending', 'processing')",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| (row.get("user_id"), row.get("id")))
            .collect())
    }

    /// The parts of `job`, in number order.
    pub async fn render_parts(&self, job: &RenderRecord) -> Result<Vec<PartRecord>, ApiError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM render_parts WHERE user_id = $1 AND render_id = $2 ORDER BY number"
        ))
        .bind(&job.user_id)
        .bind(&job.id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(record).collect())
    }

    /// Claims, for `lease_ms`, a part that is pending or whose worker stopped renewing its
    /// lease, of an export being rendered (of `only` when given), the oldest export first.
    pub async fn claim_part(
        &self,
        lease_ms: i64,
        only: Option<&RenderRecord>,
    ) -> Result<Option<PartRecord>, ApiError> {
        let (user, id) = only.map_or((None, None), |job| (Some(&job.user_id), Some(&job.id)));
        loop {
            let now = now_ms();
            let order = self.engine.insertion_order();
            let mut tx = self.begin().await?;
            let row = sqlx::query(&format!(
                // The outer condition again: Postgres re-reads a row another statement changed
                // meanwhile against it, not against the subquery (a part just done stays done).
                "UPDATE render_parts SET status = 'processing', attempt = attempt + 1, lease_until = $1 \
                 WHERE (status = 'pending' OR (status = 'processing' AND lease_until < $2)) \
                   AND {order} = ( \
                   SELECT p.{order} FROM render_parts p \
                   JOIN renders r ON r.user_id = p.user_id AND r.id = p.render_id \
                   WHERE r.status = 'processing' \
                     AND (p.status = 'pending' OR (p.status = 'processing' AND p.lease_until < $2)) \
                     AND ($3 IS NULL OR (p.user_id = $3 AND p.render_id = $4)) \
                   ORDER BY r.created_at, p.render_id, p.number LIMIT 1) \
                 RETURNING {COLUMNS}"
            ))
            .bind(now + lease_ms)
            .bind(now)
            .bind(user)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            let Some(part) = row.as_ref().map(record) else {
                return Ok(None);
            };
            if part.attempt <= MAX_ATTEMPTS {
                return Ok(Some(part));
            }
            // Its workers keep dying on it: the export fails, its hold released.
            let error = format!(
                "part {} of the export stopped with its worker {MAX_ATTEMPTS} times",
                part.number
            );
            self.fail_render_of(&part, &error).await?;
        }
    }

    /// Renews a claimed part's lease and records its progress (0–100). `false` when it is no
    /// longer this attempt's or its export is no longer being rendered: its worker stops.
    pub async fn renew_part(
        &self,
        part: &PartRecord,
        progress: i64,
        lease_ms: i64,
    ) -> Result<bool, ApiError> {
        let renewed = sqlx::query(
            "UPDATE render_parts SET progress = CASE WHEN progress > $1 THEN progress ELSE $1 END, \
                    lease_until = $2 \
             WHERE user_id = $3 AND render_id = $4 AND number = $5 AND attempt = $6 \
               AND status = 'processing' \
               AND EXISTS (SELECT 1 FROM renders r WHERE r.user_id = render_parts.user_id \
                           AND r.id = render_parts.render_id AND r.status = 'processing')",
        )
        .bind(progress)
        .bind(now_ms() + lease_ms)
        .bind(&part.user_id)
        .bind(&part.render_id)
        .bind(part.number)
        .bind(part.attempt)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(renewed == 1)
    }

    /// Marks a claimed part done under its attempt; `false` when it was no longer its.
    pub async fn finish_part(&self, part: &PartRecord) -> Result<bool, ApiError> {
        let done = sqlx::query(
            "UPDATE render_parts SET status = 'done', progress = 100 \
             WHERE user_id = $1 AND render_id = $2 AND number = $3 AND attempt = $4 \
               AND status = 'processing'",
        )
        .bind(&part.user_id)
        .bind(&part.render_id)
        .bind(part.number)
        .bind(part.attempt)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Puts a claimed part back (its worker is stopping).
    pub async fn requeue_part(&self, part: &PartRecord) -> Result<(), ApiError> {
        sqlx::query(
            // A worker stopping is not a worker dying: the attempt is not counted.
            "UPDATE render_parts SET status = 'pending', lease_until = 0, attempt = attempt - 1 \
             WHERE user_id = $1 AND render_id = $2 AND number = $3 AND attempt = $4 \
               AND status = 'processing'",
        )
        .bind(&part.user_id)
        .bind(&part.render_id)
        .bind(part.number)
        .bind(part.attempt)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Fails the export a part of it failed in, whichever attempt holds it (its hold
    /// released); `false` when it was no longer being rendered.
    pub async fn fail_render_of(&self, part: &PartRecord, error: &str) -> Result<bool, ApiError> {
        let mut tx = self.begin().await?;
        let hold = sqlx::query(
            "UPDATE renders SET status = 'failed', error = $1, completed_at = $2 \
             WHERE user_id = $3 AND id = $4 AND status = 'processing' RETURNING hold_id",
        )
        .bind(error)
        .bind(now_ms())
        .bind(&part.user_id)
        .bind(&part.render_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(hold) = hold else {
            tx.rollback().await?;
            return Ok(false);
        };
        if let Some(hold_id) = hold.get::<Option<String>, _>("hold_id") {
            end_hold_in(&mut tx, &hold_id, HoldEnd::Release).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

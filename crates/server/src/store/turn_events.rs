//! A chat turn in the database, for every server on it: the server a session's turn runs in
//! (one turn per session across servers), and the latest turn's events as they are sent (a
//! new turn's claim drops the ones before, as a server's own log does), so a client
//! whose stream dropped resumes with `Last-Event-ID` at any server and misses nothing. A turn
//! whose server stopped renewing its lease (it was killed) is ended, by whichever server a
//! client resumes at, with an `error` event: it changed nothing (a turn commits all or nothing)
//! and its hold goes with the next sweep (`credits`).

use sqlx::Row;

use super::{now_ms, Store};

/// A session's claim is an orphan (`sessions`' row; `$2`: now in ms): its server's lease ran
/// out, or it outlived the longest a turn may take.
const ORPHANED: &str = "(turn_until < $2 OR NOT EXISTS (SELECT 1 FROM instances i \
     WHERE i.id = sessions.turn_instance AND i.lease_until >= $2))";
use crate::error::ApiError;
use crate::tokens;

/// A session's turn, taken for this server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TurnClaim {
    /// Which turn holds the session: only its end clears the claim.
    pub token: String,
    /// The id of the session's last event, on any server: the turn's ids go on after it.
    pub last_event_id: i64,
}

/// Where a session's turn stands, as the database knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TurnStand {
    /// No turn runs.
    Over,
    /// A turn runs in a server that renews its lease.
    Running,
    /// A turn runs in a server whose lease ran out: it died with it.
    Orphaned { token: String },
}

impl Store {
    /// Takes the session's turn for this server for at most `longest_ms`, unless another live
    /// server runs one there. (A claim of this server's own is an earlier turn whose end is
    /// still being written: the caller knows no turn of its runs there.)
    pub async fn claim_turn(
        &self,
        session_id: &str,
        longest_ms: i64,
    ) -> Result<Option<TurnClaim>, ApiError> {
        let token = format!("t_{}", tokens::random_hex(8));
        let now = now_ms();
        let mut tx = self.begin().await?;
        let claimed = sqlx::query(&format!(
            "UPDATE sessions SET turn_instance = $1, turn_token = $3, turn_until = $5 \
             WHERE id = $4 AND (turn_instance IS NULL OR turn_instance = $1 OR {ORPHANED}) \
             RETURNING last_event_id"
        ))
        .bind(&*self.instance)
        .bind(now)
        .bind(&token)
        .bind(session_id)
        .bind(now + longest_ms)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = claimed else {
            tx.rollback().await?;
            return Ok(None);
        };
        let recorded: Option<i64> =
            sqlx::query_scalar("SELECT MAX(id) FROM turn_events WHERE session_id = $1")
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
        // Only the latest turn is replayed (as a server's own log keeps only it).
        sqlx::query("DELETE FROM turn_events WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let last: i64 = row.get("last_event_id");
        Ok(Some(TurnClaim {
            token,
            last_event_id: last.max(recorded.unwrap_or(0)),
        }))
    }

    /// Keeps one event of a session's turn (`event`: its JSON, as sent).
    pub async fn record_event(
        &self,
        session_id: &str,
        id: i64,
        event: &str,
    ) -> Result<(), ApiError> {
        sqlx::query(
            "INSERT INTO turn_events (session_id, id, event) VALUES ($1, $2, $3) \
             ON CONFLICT (session_id, id) DO NOTHING",
        )
        .bind(session_id)
        .bind(id)
        .bind(event)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends the turn `token` holds (every event of it recorded, the last `last_id`).
    pub async fn end_turn(
        &self,
        session_id: &str,
        token: &str,
        last_id: i64,
    ) -> Result<(), ApiError> {
        sqlx::query(
            "UPDATE sessions SET turn_instance = NULL, turn_token = NULL, turn_until = NULL, \
                    last_event_id = CASE WHEN last_event_id > $1 THEN last_event_id ELSE $1 END \
             WHERE id = $2 AND turn_token = $3",
        )
        .bind(last_id)
        .bind(session_id)
        .bind(token)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The recorded events of a session after `after`, in order: (id, JSON).
    pub async fn events_after(
        &self,
        session_id: &str,
        after: i64,
    ) -> Result<Vec<(i64, String)>, ApiError> {
        let rows = sqlx::query(
            "SELECT id, event FROM turn_events WHERE session_id = $1 AND id > $2 ORDER BY id",
        )
        .bind(session_id)
        .bind(after)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| (row.get("id"), row.get("event")))
            .collect())
    }

    /// Where the session's turn stands.
    pub async fn turn_stand(&self, session_id: &str) -> Result<TurnStand, ApiError> {
        let row = sqlx::query(&format!(
            "SELECT turn_token, CASE WHEN {ORPHANED} THEN 1 ELSE 0 END AS orphaned \
             FROM sessions WHERE id = $1"
        ))
        .bind(session_id)
        .bind(now_ms())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(TurnStand::Over);
        };
        let token: Option<String> = row.get("turn_token");
        Ok(match token {
            None => TurnStand::Over,
            Some(token) if row.get::<i64, _>("orphaned") == 1 => TurnStand::Orphaned { token },
            Some(_) => TurnStand::Running,
        })
    }

    /// Marks every other server's lease as run out: a start alone with its database (SQLite
    /// in its folder) knows they stopped, so their turns are orphans at once.
    pub async fn expire_other_instances(&self) -> Result<(), ApiError> {
        sqlx::query("UPDATE instances SET lease_until = 0 WHERE id != $1")
            .bind(&*self.instance)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends an orphaned turn (`token`) with `error` (its JSON) as its last event, numbered
    /// after every id recorded and `seen` (the reader's last: the dead server may have sent
    /// events it never recorded); `false` when it was no longer orphaned (its end came, its
    /// server renewed its lease, or another server ended it).
    pub async fn end_orphaned_turn(
        &self,
        session_id: &str,
        token: &str,
        error: &str,
        seen: i64,
    ) -> Result<bool, ApiError> {
        let mut tx = self.begin().await?;
        let last: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT CASE WHEN COALESCE((SELECT MAX(id) FROM turn_events WHERE session_id = $1), 0) \
                         > last_event_id \
                    THEN (SELECT MAX(id) FROM turn_events WHERE session_id = $1) \
                    ELSE last_event_id END \
             FROM sessions WHERE id = $1 AND turn_token = $3 AND {ORPHANED}"
        ))
        .bind(session_id)
        .bind(now_ms())
        .bind(token)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(last) = last.map(|last| last.max(seen)) else {
            tx.rollback().await?;
            return Ok(false);
        };
        sqlx::query(
            "INSERT INTO turn_events (session_id, id, event) VALUES ($1, $2, $3) \
             ON CONFLICT (session_id, id) DO NOTHING",
        )
        .bind(session_id)
        .bind(last + 1)
        .bind(error)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE sessions SET turn_instance = NULL, turn_token = NULL, turn_until = NULL, \
                    last_event_id = $1 WHERE id = $2",
        )
        .bind(last + 1)
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

//! Pieces of work: a session's timelines, one per uploaded video (named after its file) and
//! one per join. A piece's Draft changes only from the version a change started from, so a
//! turn and an upload never overwrite each other.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{now_ms, now_s, Store};
use crate::error::ApiError;
use crate::tokens;

#[derive(Clone, Debug, PartialEq)]
pub struct Piece {
    pub id: String,
    pub session_id: String,
    pub position: i64,
    pub name: String,
    pub joined: bool,
    pub draft_json: String,
    pub draft_version: i64,
}

impl Piece {
    pub fn draft(&self) -> Result<timeline::Draft, ApiError> {
        timeline::wire::from_json(&self.draft_json).map_err(ApiError::internal)
    }
}

fn piece(row: &AnyRow) -> Piece {
    Piece {
        id: row.get("id"),
        session_id: row.get("session_id"),
        position: row.get("position"),
        name: row.get("name"),
        joined: row.get::<i64, _>("joined") != 0,
        draft_json: row.get("draft"),
        draft_version: row.get("draft_version"),
    }
}

impl Store {
    /// A session's pieces, in upload (and join) order.
    pub async fn pieces(&self, session_id: &str) -> Result<Vec<Piece>, ApiError> {
        let rows = sqlx::query(
            "SELECT id, session_id, position, name, joined, draft, draft_version FROM pieces \
             WHERE session_id = $1 ORDER BY position",
        )
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(piece).collect())
    }
}

/// A session as the studio lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    pub session_id: String,
    pub task_name: String,
    pub language: String,
    /// The length of the piece words go to (the current one, else the last).
    pub duration_ms: u64,
    pub pieces: i64,
    /// When a piece last changed (or the session was made), in Unix seconds.
    pub updated_at: i64,
    pub created_at: i64,
}

impl Store {
    /// The sessions of `user_id`, the last changed first, at most `limit`.
    pub async fn sessions_of(&self, user_id: &str, limit: i64) -> Result<Vec<Listed>, ApiError> {
        let engine = self.engine;
        let (greatest, order) = (engine.greatest(), engine.insertion_order());
        let length = engine.draft_length("p.draft");
        let rows = sqlx::query(&format!(
            "SELECT s.id, s.task_name, s.language, s.created_at, \
                    (SELECT COUNT(*) FROM pieces p WHERE p.session_id = s.id) AS piece_count, \
                    {greatest}(s.created_at * 1000, COALESCE((SELECT MAX(p.changed_ms) FROM pieces p \
                        WHERE p.session_id = s.id), 0)) AS changed_ms, \
                    COALESCE((SELECT {length} FROM pieces p \
                                WHERE p.id = s.current_piece AND p.session_id = s.id), \
                             (SELECT {length} FROM pieces p \
                                WHERE p.session_id = s.id ORDER BY p.position DESC LIMIT 1), \
                             0) AS duration_ms \
             FROM sessions s WHERE s.user_id = $1 \
             ORDER BY changed_ms DESC, s.{order} DESC LIMIT $2",
        ))
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|row| Listed {
                session_id: row.get("id"),
                task_name: row.get("task_name"),
                language: row.get("language"),
                duration_ms: row.get::<i64, _>("duration_ms").max(0) as u64,
                pieces: row.get("piece_count"),
                updated_at: row.get::<i64, _>("changed_ms") / 1000,
                created_at: row.get("created_at"),
            })
            .collect())
    }
}

/// Adds a piece after the session's others.
pub async fn insert_in(
    connection: &mut AnyConnection,
    session_id: &str,
    name: &str,
    joined: bool,
    draft_json: &str,
) -> Result<Piece, ApiError> {
    let id = format!("piece_{}", tokens::random_hex(8));
    let position: i64 = sqlx::query_scalar(
        "INSERT INTO pieces (id, session_id, position, name, joined, draft, created_at, changed_ms) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM pieces WHERE session_id = $2), \
         $3, $4, $5, $6, $7) RETURNING position",
    )
    .bind(&id)
    .bind(session_id)
    .bind(name)
    .bind(joined as i64)
    .bind(draft_json)
    .bind(now_s())
    .bind(now_ms())
    .fetch_one(&mut *connection)
    .await?;
    Ok(Piece {
        id,
        session_id: session_id.to_string(),
        position,
        name: name.to_string(),
        joined,
        draft_json: draft_json.to_string(),
        draft_version: 0,
    })
}

/// Replaces a piece's Draft if it is still at `version`; `false` when it changed since.
pub async fn set_draft_in(
    connection: &mut AnyConnection,
    piece_id: &str,
    version: i64,
    draft_json: &str,
) -> Result<bool, ApiError> {
    let changed = sqlx::query(
        "UPDATE pieces SET draft = $1, draft_version = draft_version + 1, changed_ms = $2 \
         WHERE id = $3 AND draft_version = $4",
    )
    .bind(draft_json)
    .bind(now_ms())
    .bind(piece_id)
    .bind(version)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Makes `piece_id` the piece words without a name are for (`None`: they must say which).
pub async fn set_current_in(
    connection: &mut AnyConnection,
    session_id: &str,
    piece_id: Option<&str>,
) -> Result<(), ApiError> {
    sqlx::query("UPDATE sessions SET current_piece = $1 WHERE id = $2")
        .bind(piece_id)
        .bind(session_id)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// The piece words without a name are for: the current one, else the last (what "this one"
/// means, and what the protocol's `draft` shows).
pub fn shown<'a>(pieces: &'a [Piece], current: Option<&str>) -> Option<&'a Piece> {
    current
        .and_then(|id| pieces.iter().find(|p| p.id == id))
        .or(pieces.last())
}

/// A piece's name from a file's: `name`, or `name (2)`, `name (3)`… when a piece of the
/// session has it already.
pub fn unique_name(name: &str, taken: &[String]) -> String {
    // A name words can say: one with no letters or digits before its extension is "video".
    let name = match name.rsplit_once('.') {
        Some((stem, _)) if stem.chars().any(char::is_alphanumeric) => name,
        None if name.chars().any(char::is_alphanumeric) => name,
        _ => "video.mp4",
    };
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (name, String::new()),
    };
    (1..)
        .map(|n| match n {
            1 => name.to_string(),
            n => format!("{stem} ({n}){extension}"),
        })
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::unique_name;

    #[test]
    fn piece_names_are_ones_words_can_say_and_never_taken_twice() {
        let taken = ["talk.mp4".to_string(), "talk (2).mp4".to_string()];
        assert_eq!(unique_name("phone.mp4", &taken), "phone.mp4");
        assert_eq!(unique_name("talk.mp4", &taken), "talk (3).mp4");
        for nameless in ["", ".mp4", "-", "…"] {
            assert_eq!(unique_name(nameless, &taken), "video.mp4", "{nameless:?}");
        }
        assert_eq!(
            unique_name("video.mp4", &["video.mp4".into()]),
            "video (2).mp4"
        );
    }
}

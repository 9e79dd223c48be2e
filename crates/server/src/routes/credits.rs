//! `GET /api/credits/balance/simple`.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::auth::Caller;
use crate::error::{ok, ApiError};
use crate::AppState;

pub async fn balance(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let balance = state.store.balance(&caller.0).await?;
    Ok(ok(json!({
        "available": balance.available,
        "frozen": balance.frozen,
        "total": balance.available + balance.frozen,
    })))
}

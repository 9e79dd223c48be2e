//! Two servers on one PostgreSQL database and one data folder (a shared disk): what one
//! records the other knows — tokens, sessions, uploads, credits, the links it signs — and an
//! export queued at a server without workers is rendered by the other's, charged once.

use serde_json::json;
use testkit::talk::{specs, talk};

use crate::{
    attributed, balance, call, download, session, start_beside, start_on, state, upload,
    wait_for_export,
};

#[test]
fn two_servers_on_one_postgres_database_share_users_sessions_links_credits_and_jobs() {
    let Some(database) = testkit::postgres::fresh_database() else {
        eprintln!("no PostgreSQL server for this run (scripts/test.sh starts one): not run");
        return;
    };
    let front = start_on(&database, |config| {
        config.workers = 0;
        config.prices.export = 2;
    });
    let back = start_beside(&front, |_| {});

    // A token and a session made at the front work at the back.
    let (bearer, session_id) = session(&front);
    assert_eq!(balance(&back, &bearer), balance(&front, &bearer));
    let clip = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    let uploaded = upload(&front, &bearer, &session_id, &[("talk.mp4", &clip)]);
    let link = uploaded.data()["files"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let at_back = state(&back, &bearer, &session_id);
    let draft_ms = at_back["draft"]["d"].as_u64().unwrap();
    assert!(
        draft_ms > 1_000,
        "the upload's timeline, seen at the back: {at_back}"
    );

    // A link the front signed works at the back, with no header: the key is the database's
    // (none in the data folder), so servers with folders of their own sign alike too.
    assert!(!front.data_dir().join("secret.key").exists());
    let scratch = testkit::scratch();
    let by_link = scratch.path().join("talk.mp4");
    assert_eq!(
        download(&format!("{}{link}", back.base), &[], &by_link),
        200
    );
    assert!(
        std::fs::read(&by_link).unwrap() == clip,
        "the bytes uploaded"
    );

    // Queued at the front (no workers), rendered by the back's worker, charged once.
    let (available, _, _) = balance(&front, &bearer);
    let export = json!({"id": "render_1", "sessionId": session_id});
    let queued = call(
        "POST",
        &format!("{}/api/render/proxy/lambda", front.base),
        &attributed(&bearer),
        Some(&export),
    );
    queued.data();
    let done = wait_for_export(&front, &bearer, "render_1");
    assert_eq!(done["status"], "completed", "{done}");
    let (after, frozen, _) = balance(&back, &bearer);
    let price = available - after;
    assert!(
        price > 0 && frozen == 0,
        "charged once: {available} → {after}, {frozen} held"
    );
    let out = scratch.path().join("out.mp4");
    let signed = done["outputUrl"].as_str().unwrap();
    assert_eq!(download(signed, &[], &out), 200);
    let made = testkit::measure::streams(&out);
    let made_ms = made.duration_s() * 1000.0;
    assert!(
        (made_ms - draft_ms as f64).abs() <= 40.0,
        "{made_ms} ms made for a {draft_ms} ms timeline"
    );
}

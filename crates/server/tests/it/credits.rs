//! Credits under concurrency: 200 turns and exports at once across 20 users, each with
//! credits for only half of what it asks. No balance ever goes below zero, nothing stays
//! frozen, and each balance is the grant less exactly what succeeded.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;
use testkit::talk::{specs, talk};

use crate::{attributed, balance, call, run_sse, session_for, start, upload, wait_for_export};

const USERS: usize = 20;
const REQUESTS_PER_USER: usize = 10;
const GRANT: i64 = 5;

/// What one request did: whether it was charged.
fn one_request(server: &crate::Running, bearer: &str, session_id: &str, n: usize) -> i64 {
    if n.is_multiple_of(2) {
        let turn = run_sse(
            server,
            &[("Authorization", bearer)],
            session_id,
            "make it 9:16",
            None,
        );
        match turn.status {
            200 => {
                assert!(turn.of("error").is_empty(), "{:?}", turn.events);
                1
            }
            402 => {
                assert_eq!(turn.refused.unwrap()["code"], 2001);
                0
            }
            other => panic!("turn: HTTP {other}"),
        }
    } else {
        let id = format!("render_{n}");
        let body = json!({"id": id, "sessionId": session_id,
                          "output": {"quality": "draft", "resolution": "480p"}});
        let reply = call(
            "POST",
            &format!("{}/api/render/proxy/lambda", server.base),
            &attributed(bearer),
            Some(&body),
        );
        match reply.status {
            200 => {
                let done = wait_for_export(server, bearer, &id);
                assert_eq!(done["status"], "completed", "{done}");
                1
            }
            402 => {
                assert_eq!(reply.body["code"], 2001, "{}", reply.body);
                0
            }
            other => panic!("export: HTTP {other}: {}", reply.body),
        }
    }
}

#[test]
fn two_hundred_turns_and_exports_across_twenty_users_never_go_below_zero() {
    let server = start(|config| {
        config.free_credits = GRANT;
        config.prices.export = 1;
        config.anonymous_per_hour = 100;
        config.workers = 2;
    });
    let clip = std::fs::read(talk(&specs::SHORT_LANDSCAPE).path).unwrap();
    // Each request has a session of its own, so turns never wait for each other.
    let users: Vec<(String, Vec<String>)> = std::thread::scope(|scope| {
        let made: Vec<_> = (0..USERS)
            .map(|u| {
                let (server, clip) = (&server, &clip);
                scope.spawn(move || {
                    let client = format!("user-{u}");
                    let sessions: Vec<(String, String)> = (0..REQUESTS_PER_USER)
                        .map(|_| session_for(server, &client, "en"))
                        .collect();
                    for (bearer, session_id) in &sessions {
                        upload(server, bearer, session_id, &[("clip.mp4", clip)]).data();
                    }
                    let bearer = sessions[0].0.clone();
                    (bearer, sessions.into_iter().map(|(_, s)| s).collect())
                })
            })
            .collect();
        made.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let running = AtomicBool::new(true);
    let charged: Vec<i64> = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut looks = 0;
            while running.load(Ordering::SeqCst) {
                for (bearer, _) in &users {
                    let (available, frozen, total) = balance(&server, bearer);
                    assert!(available >= 0 && frozen >= 0, "{available} / {frozen}");
                    assert_eq!(total, available + frozen);
                    looks += 1;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            looks
        });
        let requests: Vec<_> = users
            .iter()
            .flat_map(|(bearer, sessions)| {
                sessions
                    .iter()
                    .enumerate()
                    .map(move |(n, session_id)| (bearer, session_id, n))
            })
            .map(|(bearer, session_id, n)| {
                let server = &server;
                scope.spawn(move || one_request(server, bearer, session_id, n))
            })
            .collect();
        assert_eq!(requests.len(), USERS * REQUESTS_PER_USER);
        // Every request ends (a failed one too) before the watcher is stopped, so a failure
        // is reported instead of leaving the watcher running.
        let ended: Vec<_> = requests.into_iter().map(|r| r.join()).collect();
        running.store(false, Ordering::SeqCst);
        assert!(watcher.join().unwrap() > 0, "balances were watched");
        ended
            .into_iter()
            .map(|r| r.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });

    for (u, (bearer, _)) in users.iter().enumerate() {
        let succeeded: i64 = charged[u * REQUESTS_PER_USER..(u + 1) * REQUESTS_PER_USER]
            .iter()
            .sum();
        assert_eq!(
            succeeded, GRANT,
            "user {u}: all of the grant is used, no more"
        );
        assert_eq!(balance(&server, bearer), (0, 0, 0), "user {u}");
    }
}

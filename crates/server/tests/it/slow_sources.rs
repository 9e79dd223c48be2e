//! Slow URL sources cannot starve the server (issue 13): uploads by URL pointed at sources on
//! loopback that dribble a byte every 200 ms. Those within the caps (4 a user, 32 in all)
//! fetch until the deadline cuts them; the rest are 429 at once; ordinary requests still
//! answer while they run; no part file is left when they end.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::listeners::{dribbler, wait_for, Listener};
use crate::{call, session_for, start, upload, upload_url, Reply};

/// What "still answers" means here: a liveness bound, not a speed benchmark.
const ANSWERS_WITHIN: Duration = Duration::from_secs(10);

fn timed<T>(work: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let result = work();
    (result, started.elapsed())
}

#[test]
fn slow_url_sources_are_capped_cut_at_the_deadline_and_starve_no_one() {
    let stop = Arc::new(AtomicBool::new(false));
    let every = Duration::from_millis(200);
    let source = Listener::start("127.0.0.1:0", dribbler(every, Arc::clone(&stop))).unwrap();
    let allowed = source.address;
    let deadline = Duration::from_secs(4);
    let server = start(move |config| {
        config.allowed_private = vec![allowed];
        config.url_timeout = deadline;
        config.anonymous_per_hour = 100;
    });
    let (per_user, in_all) = (4, 32);
    let users: Vec<(String, String)> = (0..in_all / per_user + 1)
        .map(|i| session_for(&server, &format!("slow-source-{i}"), "en"))
        .collect();
    let slow = format!("http://{allowed}/slow");
    let clip = testkit::picture_clip(
        "slow-sources-small.mp4",
        "testsrc2=s=160x90:r=10:d=1",
        "null",
    );
    let clip = std::fs::read(clip).unwrap();

    let (fetched, refused, ordinary) = std::thread::scope(|scope| {
        // 32 fetches: 4 for each of 8 users, all dribbling at once.
        let running: Vec<_> = users[..in_all / per_user]
            .iter()
            .flat_map(|user| std::iter::repeat_n(user, per_user))
            .map(|(bearer, session_id)| {
                let (server, slow) = (&server, &slow);
                scope.spawn(move || timed(|| upload_url(server, bearer, session_id, slow)))
            })
            .collect();
        wait_for(
            "32 fetches connected to the slow source",
            Duration::from_secs(60),
            || source.connections() >= in_all,
        );
        // Over the caps: a fifth for each of four users (and over the cap in all), and four
        // for a user with none running (over the cap in all only).
        let over: Vec<&(String, String)> = users[..4]
            .iter()
            .chain(std::iter::repeat_n(&users[in_all / per_user], 4))
            .collect();
        let refused: Vec<(Reply, Duration)> = over
            .iter()
            .map(|(bearer, session_id)| timed(|| upload_url(&server, bearer, session_id, &slow)))
            .collect();
        // Ordinary requests while the fetches run.
        let ordinary = [
            timed(|| {
                let reply = call(
                    "POST",
                    &format!("{}/api/auth/anonymous-token", server.base),
                    &[("X-Client-Id", "an-ordinary-client")],
                    None,
                );
                reply.data();
            })
            .1,
            timed(|| {
                let reply = call(
                    "POST",
                    &format!("{}/api/tasks/me/with-session/nemo_agent", server.base),
                    &[("Authorization", users[0].0.as_str())],
                    Some(&json!({"task_name": "ordinary", "language": "en"})),
                );
                reply.data();
            })
            .1,
            timed(|| {
                let (bearer, session_id) = &users[in_all / per_user];
                let reply = upload(&server, bearer, session_id, &[("small.mp4", &clip)]);
                assert_eq!(reply.data()["files"][0]["file_type"], "video");
            })
            .1,
        ];
        let fetched: Vec<(Reply, Duration)> = running
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .collect();
        (fetched, refused, ordinary)
    });

    for (reply, took) in &refused {
        reply.expect_error(429, 429);
        assert_eq!(reply.retry_after.as_deref(), Some("15"), "{}", reply.body);
        assert!(*took < ANSWERS_WITHIN, "a refusal took {took:?}");
    }
    for took in &ordinary {
        assert!(*took < ANSWERS_WITHIN, "an ordinary request took {took:?}");
    }
    for (reply, took) in &fetched {
        reply.expect_error(400, 400);
        let message = reply.body["message"].as_str().unwrap();
        assert!(
            message.contains("longer than the limit of 4 s"),
            "{message}"
        );
        assert!(
            *took >= deadline && *took < deadline + ANSWERS_WITHIN,
            "cut after {took:?}"
        );
    }
    assert_eq!(
        source.connections(),
        in_all,
        "the refused fetches never connected"
    );
    let media: Vec<String> = std::fs::read_dir(server.data_dir().join("media"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let parts = media.iter().filter(|name| name.ends_with(".part")).count();
    assert_eq!(parts, 0, "part files left: {media:?}");
    assert_eq!(
        media.len(),
        1,
        "only the ordinary upload is kept: {media:?}"
    );

    // Every place was given back: the first user may fetch again (text, so 4001).
    let again = upload_url(
        &server,
        &users[0].0,
        &users[0].1,
        &format!("http://{allowed}/short"),
    );
    again.expect_error(415, 4001);
    stop.store(true, Ordering::SeqCst);

    let longest =
        |times: &mut dyn Iterator<Item = Duration>| times.max().unwrap_or_default().as_millis();
    println!(
        "slow sources: {} URL uploads at sources dribbling a byte every {} ms: {} fetched until \
         cut at the {} s deadline (the last answered after {} ms), {} over the caps refused \
         with 429 (slowest {} ms); a token, a session and an upload answered meanwhile \
         (slowest {} ms); {parts} part files left",
        fetched.len() + refused.len(),
        every.as_millis(),
        fetched.len(),
        deadline.as_secs(),
        longest(&mut fetched.iter().map(|(_, took)| *took)),
        refused.len(),
        longest(&mut refused.iter().map(|(_, took)| *took)),
        longest(&mut ordinary.iter().copied()),
    );
}

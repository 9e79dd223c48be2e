//! The store's behaviour on both engines: each test runs on SQLite and on PostgreSQL (a fresh
//! database on the run's server, `testkit::postgres`) with the same expectations, and races
//! the steps that must stay atomic (holds, claims) with many tasks at once.

use media::render::{Format, Quality};
use timeline::time::TimeRange;

use super::credits::HoldEnd;
use super::renders::{Lane, NewRender, RenderStatus, MAX_ATTEMPTS};
use super::{pieces, Engine, Store};

/// A store on each engine the run has (SQLite always; Postgres under the test command),
/// with the folders they keep.
async fn each_engine() -> Vec<(Store, tempfile::TempDir)> {
    let mut stores = Vec::new();
    let folder = tempfile::tempdir().unwrap();
    stores.push((Store::open(folder.path()).await.unwrap(), folder));
    if let Some(url) = testkit::postgres::fresh_database() {
        let folder = tempfile::tempdir().unwrap();
        let store = Store::connect(Some(&url), folder.path()).await.unwrap();
        assert_eq!(store.engine(), Engine::Postgres);
        stores.push((store, folder));
    }
    stores
}

/// Two stores on one database (two server processes sharing it), on each engine.
async fn two_processes_on_each_engine() -> Vec<(Store, Store, tempfile::TempDir)> {
    let folder = tempfile::tempdir().unwrap();
    let first = Store::open(folder.path()).await.unwrap();
    let second = Store::open(folder.path()).await.unwrap();
    let mut pairs = vec![(first, second, folder)];
    if let Some(url) = testkit::postgres::fresh_database() {
        let folder = tempfile::tempdir().unwrap();
        let first = Store::connect(Some(&url), folder.path()).await.unwrap();
        let second = Store::connect(Some(&url), folder.path()).await.unwrap();
        pairs.push((first, second, folder));
    }
    pairs
}

/// Asserts what `user` has: (available, frozen).
async fn assert_credits(store: &Store, user: &str, expected: (i64, i64)) {
    let balance = store.balance(user).await.unwrap();
    let engine = store.engine();
    assert_eq!((balance.available, balance.frozen), expected, "{engine:?}");
}

fn export(user: &str, session: &str, id: &str, length_ms: u64, price: i64) -> NewRender {
    NewRender {
        user_id: user.into(),
        id: id.into(),
        session_id: session.into(),
        piece_id: None,
        draft_json: "{}".into(),
        draft_hash: format!("hash of {id}"),
        quality: Quality::Draft,
        format: Format::Mp4,
        length_ms,
        price,
    }
}

#[tokio::test]
async fn thirty_holds_racing_for_a_hundred_credits_take_exactly_ten_of_ten() {
    for (store, _folder) in each_engine().await {
        let user = store.named_user("ann", 100).await.unwrap();
        let racers: Vec<_> = (0..30)
            .map(|n| {
                let (store, user) = (store.clone(), user.clone());
                tokio::spawn(async move { store.hold(&user, 10, &format!("turn {n}"), 60).await })
            })
            .collect();
        let mut holds = Vec::new();
        for racer in racers {
            holds.extend(racer.await.unwrap().unwrap());
        }
        let engine = store.engine();
        assert_eq!(holds.len(), 10, "{engine:?}");
        assert_credits(&store, &user, (0, 100)).await;

        // Five settled (charged), five released; each ends once.
        for (n, hold) in holds.iter().enumerate() {
            let end = if n < 5 {
                HoldEnd::Settle
            } else {
                HoldEnd::Release
            };
            assert!(store.end_hold(hold, end).await.unwrap(), "{engine:?}");
            assert!(!store.end_hold(hold, end).await.unwrap(), "{engine:?}");
        }
        assert_credits(&store, &user, (50, 0)).await;
    }
}

#[tokio::test]
async fn eight_workers_racing_take_each_job_once_and_one_per_user() {
    for (store, _folder) in each_engine().await {
        let engine = store.engine();
        let ann = store.named_user("ann", 100).await.unwrap();
        let bob = store.named_user("bob", 100).await.unwrap();
        for (user, ids) in [(&ann, ["a1", "a2", "a3"].as_slice()), (&bob, &["b1"])] {
            let session = store.create_session(user, "t", "en").await.unwrap();
            for id in ids {
                let new = export(user, &session.id, id, 10_000, 1);
                store.queue_render(&new).await.unwrap().unwrap();
            }
        }
        let lane = Lane {
            longest_ms: None,
            per_user: 1,
        };
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.claim_render(60_000, lane).await })
            })
            .collect();
        let mut taken = Vec::new();
        for racer in racers {
            taken.extend(racer.await.unwrap().unwrap());
        }
        let mut who: Vec<&str> = taken.iter().map(|job| job.user_id.as_str()).collect();
        who.sort();
        let mut expected = vec![ann.as_str(), bob.as_str()];
        expected.sort();
        assert_eq!(who, expected, "one job of each user, {engine:?}");
        let first_of_ann = taken.iter().find(|job| job.user_id == ann).unwrap();
        assert_eq!(first_of_ann.id, "a1", "the oldest first, {engine:?}");

        // Ann's first one done: her next one, and only it, may be taken.
        let end = super::renders::RenderEnd::Completed {
            duration_ms: 10_000,
            size: 1,
        };
        assert!(store.finish_render(first_of_ann, end).await.unwrap());
        let next = store.claim_render(60_000, lane).await.unwrap().unwrap();
        assert_eq!(next.id, "a2", "{engine:?}");
        assert_eq!(store.claim_render(60_000, lane).await.unwrap(), None);
        assert_credits(&store, &ann, (97, 2)).await;
    }
}

#[tokio::test]
async fn a_part_whose_workers_keep_dying_fails_its_export_and_releases_the_hold_but_a_stop_is_not_counted(
) {
    for (store, _folder) in each_engine().await {
        let engine = store.engine();
        let user = store.named_user("ann", 10).await.unwrap();
        let session = store.create_session(&user, "t", "en").await.unwrap();
        let new = export(&user, &session.id, "render_1", 120_000, 4);
        store.queue_render(&new).await.unwrap().unwrap();
        let lane = Lane {
            longest_ms: None,
            per_user: 1,
        };
        let job = store.claim_render(60_000, lane).await.unwrap().unwrap();
        let ranges = [TimeRange::new(0, 60_000), TimeRange::new(60_000, 120_000)];
        assert_eq!(store.split_render(&job, &ranges).await.unwrap().len(), 3);
        assert_eq!(store.balance(&user).await.unwrap().frozen, 4);

        // A worker stopping puts its part back: not counted as an attempt.
        let part = store.claim_part(60_000, Some(&job)).await.unwrap().unwrap();
        store.requeue_part(&part).await.unwrap();
        // A lease that lapsed as it was taken: as if each worker were killed mid-part.
        for attempt in 1..=MAX_ATTEMPTS {
            let part = store.claim_part(-1, Some(&job)).await.unwrap().unwrap();
            assert_eq!((part.number, part.attempt), (0, attempt), "{engine:?}");
        }
        assert_eq!(store.claim_part(-1, Some(&job)).await.unwrap(), None);
        let ended = store.render(&user, "render_1").await.unwrap().unwrap();
        assert_eq!(ended.status, RenderStatus::Failed, "{engine:?}");
        assert!(
            ended.error.as_deref().unwrap().contains("part 0"),
            "{:?}",
            ended.error
        );
        assert_credits(&store, &user, (10, 0)).await;
    }
}

#[tokio::test]
async fn sessions_are_listed_by_their_last_change_with_the_current_pieces_length() {
    for (store, _folder) in each_engine().await {
        let engine = store.engine();
        let user = store.named_user("ann", 10).await.unwrap();
        let older = store.create_session(&user, "older", "en").await.unwrap();
        let newer = store.create_session(&user, "newer", "en").await.unwrap();
        let draft = |d: u64| format!(r#"{{"d":{d},"t":[]}}"#);

        // Pieces in the older session: it changed last. Its current piece is the first.
        let mut tx = store.begin().await.unwrap();
        let first = pieces::insert_in(&mut tx, &older.id, "a.mp4", false, &draft(4_000))
            .await
            .unwrap();
        let second = pieces::insert_in(&mut tx, &older.id, "b.mp4", false, &draft(9_000))
            .await
            .unwrap();
        pieces::set_current_in(&mut tx, &older.id, Some(&first.id))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!((first.position, second.position), (1, 2), "{engine:?}");

        let listed = store.sessions_of(&user, 10).await.unwrap();
        let names: Vec<&str> = listed.iter().map(|s| s.task_name.as_str()).collect();
        assert_eq!(names, ["older", "newer"], "{engine:?}");
        assert_eq!((listed[0].duration_ms, listed[0].pieces), (4_000, 2));
        assert_eq!((listed[1].duration_ms, listed[1].pieces), (0, 0));
        assert_eq!(store.sessions_of(&user, 1).await.unwrap().len(), 1);

        // A Draft changes only from the version its change started from.
        let mut tx = store.begin().await.unwrap();
        assert!(pieces::set_draft_in(&mut tx, &first.id, 0, &draft(3_000))
            .await
            .unwrap());
        assert!(!pieces::set_draft_in(&mut tx, &first.id, 0, &draft(2_000))
            .await
            .unwrap());
        tx.commit().await.unwrap();
        let now = store.pieces(&older.id).await.unwrap();
        assert_eq!(
            (now[0].draft_version, now[0].draft_json.as_str()),
            (1, draft(3_000).as_str())
        );
        let listed = store.sessions_of(&user, 10).await.unwrap();
        assert_eq!(listed[0].duration_ms, 3_000, "{engine:?}");

        // Event ids only go forward.
        store.set_last_event_id(&newer.id, 7).await.unwrap();
        store.set_last_event_id(&newer.id, 5).await.unwrap();
        assert_eq!(
            store.session(&user, &newer.id).await.unwrap().last_event_id,
            7
        );
    }
}

#[tokio::test]
async fn a_turns_hold_stays_while_its_process_renews_its_lease_and_goes_when_that_lapses() {
    for (ann_server, other, _folder) in two_processes_on_each_engine().await {
        let ann = ann_server.named_user("ann", 10).await.unwrap();
        let sweep = |all_others_gone| other.release_holds_of_gone_processes(all_others_gone);
        ann_server.renew_instance(60_000).await.unwrap();
        ann_server
            .hold(&ann, 4, "turn", 3600)
            .await
            .unwrap()
            .unwrap();

        // The other server sweeps: ann's server is alive, its turn's hold stays.
        assert_eq!(sweep(false).await.unwrap(), 0);
        assert_credits(&other, &ann, (6, 4)).await;

        // Its lease lapses (it was killed): the next sweep gives the credits back, once.
        ann_server.renew_instance(-1).await.unwrap();
        assert_eq!(sweep(false).await.unwrap(), 1);
        assert_eq!(sweep(false).await.unwrap(), 0);
        assert_credits(&other, &ann, (10, 0)).await;

        // A start alone with its database releases every other process's at once.
        ann_server.renew_instance(60_000).await.unwrap();
        ann_server
            .hold(&ann, 3, "turn", 3600)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sweep(true).await.unwrap(), 1);
        assert_credits(&other, &ann, (10, 0)).await;
    }
}

#[tokio::test]
async fn a_data_folder_named_with_url_characters_holds_the_database_itself() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("my data %41 ?#[1]");
    let store = Store::open(&folder).await.unwrap();
    store.named_user("ann", 1).await.unwrap();
    assert!(folder.join("cutline.db").is_file());
    let names: Vec<String> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["my data %41 ?#[1]"], "no other file or folder made");
}

#[tokio::test]
async fn one_turn_per_session_across_servers_and_a_dead_servers_turn_ends_with_an_error() {
    use super::turn_events::TurnStand;
    for (first, other, _folder) in two_processes_on_each_engine().await {
        let engine = first.engine();
        let user = first.named_user("ann", 10).await.unwrap();
        let session = first.create_session(&user, "t", "en").await.unwrap();
        first.renew_instance(60_000).await.unwrap();
        other.renew_instance(60_000).await.unwrap();

        let claim = first
            .claim_turn(&session.id, 60_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claim.last_event_id, 0);
        assert_eq!(
            other.claim_turn(&session.id, 60_000).await.unwrap(),
            None,
            "{engine:?}"
        );
        first
            .record_event(&session.id, 1, r#"{"type":"text"}"#)
            .await
            .unwrap();
        assert_eq!(
            other.turn_stand(&session.id).await.unwrap(),
            TurnStand::Running
        );
        assert_eq!(other.events_after(&session.id, 0).await.unwrap().len(), 1);

        // The first server dies mid-turn, after sending event 3 it never recorded: its turn
        // is orphaned, and ended once, numbered after what the reader saw.
        first.renew_instance(-1).await.unwrap();
        let TurnStand::Orphaned { token } = other.turn_stand(&session.id).await.unwrap() else {
            panic!("orphaned, {engine:?}");
        };
        let error = r#"{"type":"error"}"#;
        assert!(other
            .end_orphaned_turn(&session.id, &token, error, 3)
            .await
            .unwrap());
        assert!(!other
            .end_orphaned_turn(&session.id, &token, error, 3)
            .await
            .unwrap());
        let events = other.events_after(&session.id, 0).await.unwrap();
        assert_eq!(events[1], (4, error.to_string()), "{engine:?}");
        assert_eq!(
            other.turn_stand(&session.id).await.unwrap(),
            TurnStand::Over
        );

        // The dead turn's late end changes nothing; the next turn takes the session and
        // numbers on after the error.
        first.end_turn(&session.id, &claim.token, 1).await.unwrap();
        let next = other
            .claim_turn(&session.id, 60_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(next.last_event_id, 4, "{engine:?}");
        other.end_turn(&session.id, &next.token, 5).await.unwrap();
        assert_eq!(
            other.turn_stand(&session.id).await.unwrap(),
            TurnStand::Over
        );
    }
}

#[tokio::test]
async fn a_claim_nothing_ended_lapses_after_the_longest_turn_even_with_its_server_alive() {
    use super::turn_events::TurnStand;
    for (first, other, _folder) in two_processes_on_each_engine().await {
        let engine = first.engine();
        let user = first.named_user("ann", 10).await.unwrap();
        let session = first.create_session(&user, "t", "en").await.unwrap();
        first.renew_instance(60_000).await.unwrap();
        // A claim whose longest turn is already over (its end was lost).
        first.claim_turn(&session.id, -1).await.unwrap().unwrap();
        let stand = other.turn_stand(&session.id).await.unwrap();
        assert!(matches!(stand, TurnStand::Orphaned { .. }), "{engine:?}");
        assert!(other
            .claim_turn(&session.id, 60_000)
            .await
            .unwrap()
            .is_some());
    }
}

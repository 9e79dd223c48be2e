//! Fetching a model over real HTTP from a server in the test: an interrupted download resumes
//! with a range request, and a damaged one is refused and removed.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use speech::models::{fetch, Download};

/// Serves `body` at any path with `Range` support. The first `cut_first` responses stop half
/// way (as a dropped connection does). Returns the base URL and the count of requests.
fn serve(body: Vec<u8>, cut_first: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let mut stream = stream.unwrap();
            let mut range_start = 0usize;
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
                    range_start = value.trim().trim_end_matches('-').parse().unwrap();
                }
            }
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let rest = &body[range_start..];
            let status = if range_start > 0 {
                "206 Partial Content"
            } else {
                "200 OK"
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                rest.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            let sent = if n < cut_first {
                &rest[..rest.len() / 2]
            } else {
                rest
            };
            let _ = stream.write_all(sent);
        }
    });
    (url, requests)
}

fn model_bytes() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn sha1_hex(bytes: &[u8]) -> String {
    let mut hasher = sha1_smol::Sha1::new();
    hasher.update(bytes);
    hasher.digest().to_string()
}

#[test]
fn an_interrupted_fetch_resumes_where_it_stopped() {
    let body = model_bytes();
    let (url, requests) = serve(body.clone(), 1);
    let folder = tempfile::tempdir().unwrap();
    let download = Download {
        url: format!("{url}/ggml-test.bin"),
        sha1: sha1_hex(&body),
        destination: folder.path().join("ggml-test.bin"),
    };
    let err = fetch(&download, |_, _| {}).unwrap_err();
    assert!(
        err.to_string()
            .contains("run the same command again to resume"),
        "{err}"
    );
    let part = folder.path().join("ggml-test.bin.part");
    assert_eq!(
        std::fs::metadata(&part).unwrap().len(),
        body.len() as u64 / 2
    );
    assert!(!download.destination.exists());

    let mut last = (0, None);
    let path = fetch(&download, |done, total| last = (done, total)).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), body);
    assert_eq!(last, (body.len() as u64, Some(body.len() as u64)));
    assert!(!part.exists());
    assert_eq!(
        requests.load(Ordering::SeqCst),
        2,
        "the second request asked only for the rest"
    );
}

#[test]
fn a_damaged_download_is_refused_and_removed() {
    let (url, _) = serve(model_bytes(), 0);
    let folder = tempfile::tempdir().unwrap();
    let download = Download {
        url: format!("{url}/ggml-test.bin"),
        sha1: "0000000000000000000000000000000000000000".into(),
        destination: folder.path().join("ggml-test.bin"),
    };
    let err = fetch(&download, |_, _| {}).unwrap_err();
    assert!(err.to_string().contains("arrived damaged"), "{err}");
    assert_eq!(
        std::fs::read_dir(folder.path()).unwrap().count(),
        0,
        "nothing left behind"
    );
}

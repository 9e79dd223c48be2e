//! The LLM planner against a chat-completions server run by the test on loopback: its tool
//! calls become Steps, bad ones are refused with the reason, and the built-in planner
//! answers whenever the model cannot.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use agent::{
    Context, LlmConfig, LlmError, LlmPlanner, RulePlanner, Step, Understand, Understanding,
};
use serde_json::{json, Value};

/// Serves one chat completion `answer` on loopback; returns the base URL and the request
/// body it received.
fn serve_once(answer: Value) -> (String, mpsc::Receiver<Value>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let (sent, received) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        assert!(
            request_line.starts_with("POST /v1/chat/completions "),
            "{request_line}"
        );
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header.trim().is_empty() {
                break;
            }
            if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        // (a test that does not look at the request has dropped the receiver)
        let _ = sent.send(serde_json::from_slice(&body).unwrap());
        let text = answer.to_string();
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
            text.len()
        )
        .unwrap();
    });
    (url, received)
}

fn planner(url: &str) -> LlmPlanner {
    LlmPlanner {
        config: LlmConfig {
            url: url.to_string(),
            model: "test-model".into(),
            api_key: Some("secret".into()),
            timeout: Duration::from_secs(10),
        },
    }
}

fn tool_call(arguments: Value) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": null,
                "tool_calls": [{
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "plan_edits", "arguments": arguments.to_string()}
                }]
            }
        }]
    })
}

#[test]
fn a_tool_call_becomes_the_plan() {
    let steps = json!({"steps": [
        {"do": "trim_pauses", "min_pause_ms": 700, "padding_ms": 100},
        {"do": "aspect", "aspect": "9:16", "fit": "blur"}
    ]});
    let (url, request) = serve_once(tool_call(steps));
    let understanding = planner(&url)
        .ask("tighten it up and make it vertical", &Context::default())
        .unwrap();
    let Understanding::Plan(plan) = understanding else {
        panic!("{understanding:?}")
    };
    assert_eq!(
        plan.steps,
        [
            Step::TrimPauses {
                min_pause_ms: 700,
                padding_ms: 100
            },
            Step::Aspect {
                aspect: timeline::Aspect::Portrait9x16,
                fit: timeline::Fit::Blur
            }
        ]
    );
    let sent = request.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(sent["model"], "test-model");
    assert_eq!(sent["tools"][0]["function"]["name"], "plan_edits");
    assert_eq!(
        sent["messages"][1]["content"],
        "tighten it up and make it vertical"
    );
}

#[test]
fn an_impossible_step_is_refused_with_the_reason_and_the_rules_answer() {
    let steps = json!({"steps": [{"do": "speed", "factor": 50}]});
    let (url, _) = serve_once(tool_call(steps.clone()));
    let refused = planner(&url).ask("speed it up 1.5x", &Context::default());
    assert!(
        matches!(&refused, Err(LlmError::Refused(reason)) if reason.contains("a speed of 50 is outside 0.25 to 4")),
        "{refused:?}"
    );
    let (url, _) = serve_once(tool_call(steps));
    let answered = planner(&url).understand("speed it up 1.5x", &Context::default());
    assert_eq!(
        answered,
        RulePlanner.understand("speed it up 1.5x", &Context::default())
    );

    let (url, _) = serve_once(tool_call(json!({"steps": [{"do": "teleport"}]})));
    let unknown = planner(&url).ask("teleport it", &Context::default());
    assert!(matches!(unknown, Err(LlmError::Refused(_))), "{unknown:?}");
}

#[test]
fn text_without_a_tool_call_is_a_question_back() {
    let answer = json!({"choices": [{"message": {"role": "assistant", "content": "Which part should I cut?"}}]});
    let (url, _) = serve_once(answer);
    let understanding = planner(&url).ask("cut the boring bit", &Context::default());
    assert_eq!(
        understanding,
        Ok(Understanding::Question {
            text: "Which part should I cut?".into()
        })
    );
}

#[test]
fn an_unreachable_model_leaves_the_rules_to_answer() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", closed.local_addr().unwrap());
    drop(closed);
    let planner = planner(&url);
    assert!(matches!(
        planner.ask("trim the pauses", &Context::default()),
        Err(LlmError::Unreachable(_))
    ));
    assert_eq!(
        planner.understand("trim the pauses", &Context::default()),
        RulePlanner.understand("trim the pauses", &Context::default())
    );
}

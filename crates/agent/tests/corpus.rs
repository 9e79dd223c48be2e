//! The instruction corpus (`corpus.jsonl`): every line an instruction, in English or Chinese,
//! and what it must mean:
//!
//! - `"plan": [...]`: the Steps (in their JSON form), and `"not_done": [...]` the parts left
//!   undone, in the user's words (none when absent), and `"aims": [...]` the pieces of work
//!   (videos of a batch session) they are for (none when absent); the session has
//!   `talk.mp4` and `phone.mp4`;
//! - `"expect": "question" | "not_understood" | "answer"`, with `"text"`: words the reply
//!   must hold, and for `not_understood` its `"not_done"` parts.
//!
//! All of it must pass; a failure prints every line that differs.

use agent::{Context, RulePlanner, Understand, Understanding};
use serde_json::Value;

fn texts(parts: &[agent::NotDone]) -> Value {
    Value::Array(
        parts
            .iter()
            .map(|p| Value::String(p.text.clone()))
            .collect(),
    )
}

#[test]
fn every_instruction_of_the_corpus_means_what_it_should() {
    let corpus = include_str!("corpus.jsonl");
    let context = Context {
        music: Some("music".into()),
        image: Some("image".into()),
        pieces: ["talk.mp4", "phone.mp4"]
            .map(|name| agent::pieces::PieceName {
                name: name.into(),
                joined: false,
            })
            .to_vec(),
        ..Context::default()
    };
    let mut failures = Vec::new();
    let mut counts = (0, 0);
    for (number, line) in corpus.lines().enumerate() {
        let case: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", number + 1));
        let say = case["say"].as_str().expect("say");
        if say.chars().any(|c| c as u32 >= 0x3000) {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
        let got = RulePlanner.understand(say, &context);
        let expected_not_done = match &case["not_done"] {
            Value::Null => Value::Array(Vec::new()),
            other => other.clone(),
        };
        let has_text = |text: &str| case["text"].as_str().is_none_or(|t| text.contains(t));
        let matches = match (&got, &case["expect"], &case["plan"]) {
            (Understanding::Plan(plan), Value::Null, expected) => {
                serde_json::to_value(&plan.steps).unwrap() == *expected
                    && texts(&plan.not_done) == expected_not_done
                    && serde_json::to_value(&plan.aims).unwrap()
                        == match &case["aims"] {
                            Value::Null => Value::Array(Vec::new()),
                            aims => aims.clone(),
                        }
            }
            (Understanding::Question { text }, Value::String(kind), _) => {
                kind == "question" && has_text(text)
            }
            (Understanding::Answer { text }, Value::String(kind), _) => {
                kind == "answer" && has_text(text)
            }
            (Understanding::NotUnderstood { text, not_done }, Value::String(kind), _) => {
                kind == "not_understood"
                    && has_text(text)
                    && (case["not_done"].is_null() || texts(not_done) == expected_not_done)
            }
            _ => false,
        };
        if !matches {
            let got = match &got {
                Understanding::Plan(plan) => format!(
                    "{} not_done {} aims {}",
                    serde_json::to_string(&plan.steps).unwrap(),
                    texts(&plan.not_done),
                    serde_json::to_string(&plan.aims).unwrap()
                ),
                other => format!("{other:?}"),
            };
            failures.push(format!(
                "line {}: {say}\n  got  {got}\n  want {}",
                number + 1,
                line
            ));
        }
    }
    assert!(
        counts.0 + counts.1 >= 450 && counts.1 >= 150,
        "corpus too small: {counts:?} (English, Chinese)"
    );
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        counts.0 + counts.1,
        failures.join("\n")
    );
}

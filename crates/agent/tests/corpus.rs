//! The instruction corpus (`corpus.jsonl`): every line an instruction, in English or Chinese,
//! and what it must mean: a Plan of Steps (in their JSON form), a question, or "not
//! understood". All of it must pass; a failure prints every line that differs.

use agent::{Context, RulePlanner, Understand, Understanding};
use serde_json::Value;

#[test]
fn every_instruction_of_the_corpus_means_what_it_should() {
    let corpus = include_str!("corpus.jsonl");
    let context = Context {
        music: Some("music".into()),
        image: Some("image".into()),
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
        let matches = match (&got, &case["expect"], &case["plan"]) {
            (Understanding::Plan(plan), Value::Null, expected) => {
                serde_json::to_value(&plan.steps).unwrap() == *expected
            }
            (Understanding::Question { .. }, Value::String(kind), _) => kind == "question",
            (Understanding::NotUnderstood { .. }, Value::String(kind), _) => {
                kind == "not_understood"
            }
            _ => false,
        };
        if !matches {
            let got = match &got {
                Understanding::Plan(plan) => serde_json::to_string(&plan.steps).unwrap(),
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
        counts.0 + counts.1 >= 200 && counts.1 >= 60,
        "corpus too small: {counts:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        counts.0 + counts.1,
        failures.join("\n")
    );
}

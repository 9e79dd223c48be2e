//! The registry of intents is complete and true: every Step kind is declared, each example
//! (English and Chinese) plans to its Step (a Step only sent typed has none), and the
//! README's catalogue is the registry's.

use agent::registry::{catalogue_markdown, intent, INTENTS};
use agent::{Context, RulePlanner, Step, Understand, Understanding};

/// A Step's name, as in `{"do": "trim_pauses"}`.
fn name(step: &Step) -> String {
    serde_json::to_value(step).unwrap()["do"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every Step kind there is, as serde knows them: the names its error for an unknown kind
/// lists ("unknown variant `x`, expected one of `trim_pauses`, …").
fn every_kind() -> Vec<String> {
    let error = serde_json::from_value::<Step>(serde_json::json!({"do": "no such kind"}))
        .unwrap_err()
        .to_string();
    let listed = error.split("expected one of").nth(1).expect(&error);
    listed
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn every_step_kind_is_declared_once() {
    let kinds = every_kind();
    assert!(kinds.len() > 20, "{kinds:?}");
    for kind in &kinds {
        assert!(intent(kind).is_some(), "{kind} is not in the registry");
    }
    assert_eq!(
        INTENTS.len(),
        kinds.len(),
        "the registry declares a kind twice or one that is not a Step"
    );
}

#[test]
fn every_example_plans_to_its_step_in_both_languages() {
    let context = Context {
        music: Some("music".into()),
        image: Some("image".into()),
        can_translate: true,
        ..Context::default()
    };
    for intent in INTENTS.iter().filter(|i| i.by_words()) {
        for example in [intent.example.0, intent.example.1] {
            let understood = RulePlanner.understand(example, &context);
            let Understanding::Plan(plan) = &understood else {
                panic!("{}: {example:?} gives {understood:?}", intent.name)
            };
            let names: Vec<String> = plan.steps.iter().map(name).collect();
            // What the Step writes is what the schema offers a model.
            for step in &plan.steps {
                let written = serde_json::to_value(step).unwrap();
                let kind = agent::registry::intent(written["do"].as_str().unwrap()).unwrap();
                let offered: serde_json::Value = serde_json::from_str(kind.args).unwrap();
                for key in written.as_object().unwrap().keys().filter(|k| *k != "do") {
                    assert!(
                        offered.get(key).is_some(),
                        "{}: the schema of {} lacks {key}",
                        example,
                        kind.name
                    );
                }
            }
            assert!(
                names.iter().any(|n| n == intent.name) && plan.not_done.is_empty(),
                "{}: {example:?} gives {names:?}, not done {:?}",
                intent.name,
                plan.not_done
            );
        }
    }
}

#[test]
fn the_readme_catalogue_is_the_registrys() {
    let readme = include_str!("../../../README.md");
    let begin = "<!-- catalogue: generated from crates/agent/src/registry.rs -->\n";
    let end = "<!-- catalogue end -->";
    let from = readme
        .find(begin)
        .expect("the README has the catalogue markers")
        + begin.len();
    let to = from
        + readme[from..]
            .find(end)
            .expect("the catalogue's end marker");
    assert_eq!(
        &readme[from..to],
        catalogue_markdown(),
        "the README's catalogue differs from the registry; put this between the markers:\n{}",
        catalogue_markdown()
    );
}

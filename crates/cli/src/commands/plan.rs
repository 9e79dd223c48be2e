//! `cutline plan "instruction" [--input FILE…] [--json]`: what an instruction would do, without
//! rendering: the ordered Steps with their parameters, and the reply the user would read.
//!
//! With a video among the inputs the Plan is also applied to it (analyses run, nothing is
//! rendered), so the reply carries the real numbers ("Removed 14 pauses (23.4 s)").

use std::path::PathBuf;

use agent::{Context, Language, Plan, Session, Understanding};
use clap::Args;
use media::library::Library;
use media::process::CancelToken;
use media::{Limits, MediaKind};
use serde_json::{json, Value};

use crate::planner::PlannerArgs;
use crate::transcription::{Bars, SpeechArgs};
use agent::media_facts::{filler_words, LibraryMedia};

#[derive(Args)]
pub struct PlanArgs {
    /// What to do, in English or Chinese.
    instruction: String,
    /// Files the instruction is about (a video to apply the Plan to, an audio file as music).
    #[arg(long = "input", value_name = "FILE")]
    inputs: Vec<PathBuf>,
    /// The language of the reply: en or zh-CN (default: the instruction's own).
    #[arg(long, value_name = "LANG")]
    reply_language: Option<String>,
    /// Print JSON: {"understanding": …, "reply": …}.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    speech: SpeechArgs,
    #[command(flatten)]
    planner: PlannerArgs,
}

pub fn run(args: &PlanArgs, cancel: &CancelToken) -> Result<(), String> {
    let library = Library::at_default_location(Limits::default()).with_cancel(cancel);
    let mut assets = std::collections::BTreeMap::new();
    let mut order = Vec::new();
    for file in &args.inputs {
        let asset = library.add(file).map_err(|e| e.to_string())?;
        order.push(asset.id.clone());
        assets.insert(asset.id.clone(), asset);
    }
    let language = match args.reply_language.as_deref() {
        None => agent::understand::language_of(&args.instruction),
        Some("en") => Language::English,
        Some("zh" | "zh-CN" | "zh-cn") => Language::Chinese,
        Some(other) => return Err(format!("unknown language '{other}' (use en or zh-CN)")),
    };
    let context = Context {
        language: Some(language),
        music: order
            .iter()
            .find(|id| assets[*id].probe.kind == MediaKind::Audio)
            .cloned(),
        image: order
            .iter()
            .find(|id| assets[*id].probe.kind == MediaKind::Image)
            .cloned(),
        can_translate: args.planner.config().is_some(),
        ..agent::Context::default()
    };
    let understanding = args
        .planner
        .planner()
        .understand(&args.instruction, &context);
    let reply = match &understanding {
        Understanding::Plan(plan) => {
            let main = order
                .iter()
                .map(|id| &assets[id])
                .find(|a| a.probe.kind == MediaKind::Video);
            match main {
                Some(main) => {
                    let draft = crate::draft_file::of_clip(main)?;
                    let model = args.planner.config();
                    let (speech, bars) = (args.speech.options(), Bars::default());
                    let media = LibraryMedia {
                        library: &library,
                        assets: &assets,
                        speech: &speech,
                        fillers: filler_words(&[]),
                        report: &bars,
                        translator: model.as_ref(),
                    };
                    let mut session = Session::new(draft, language);
                    match session.apply(plan, &media) {
                        Ok(outcome) => outcome.reply,
                        Err(error) => error.reply,
                    }
                }
                None => preview(plan, language),
            }
        }
        Understanding::Question { text }
        | Understanding::NotUnderstood { text, .. }
        | Understanding::Answer { text } => text.clone(),
    };
    if args.json {
        let out = json!({ "understanding": understanding, "reply": reply });
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    if let Understanding::Plan(plan) = &understanding {
        for (number, step) in plan.steps.iter().enumerate() {
            println!("{}. {}", number + 1, step_line(step));
        }
    }
    println!("{reply}");
    Ok(())
}

/// "trim pauses: min_pause_ms=500, padding_ms=150".
fn step_line(step: &agent::Step) -> String {
    let value = serde_json::to_value(step).unwrap_or(Value::Null);
    let name = value["do"].as_str().unwrap_or("?").replace('_', " ");
    let parameters: Vec<String> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, _)| *key != "do")
        .map(|(key, value)| match value {
            Value::String(text) => format!("{key}={text}"),
            other => format!("{key}={other}"),
        })
        .collect();
    if parameters.is_empty() {
        name
    } else {
        format!("{name}: {}", parameters.join(", "))
    }
}

/// The reply before any media is known.
fn preview(plan: &Plan, language: Language) -> String {
    let count = plan.steps.len();
    let not_done = agent::reply::not_done_lines(&plan.not_done, language).join(" ");
    let planned = match language {
        Language::English => format!(
            "{count} edit{} planned; give the files with --input to apply {} and see the numbers.",
            if count == 1 { "" } else { "s" },
            if count == 1 { "it" } else { "them" }
        ),
        Language::Chinese => {
            format!("已规划{count}项修改；用 --input 提供文件即可执行并查看结果。")
        }
    };
    format!("{planned} {not_done}").trim().to_string()
}

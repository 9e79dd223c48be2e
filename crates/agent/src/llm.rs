//! An optional planner for the parts of an instruction the rules cannot place, on any
//! OpenAI-compatible chat-completions endpoint with tool calling (a local llama.cpp or Ollama
//! server, or a hosted one).
//!
//! The deterministic [`RulePlanner`] understands the instruction first: what it places is
//! never second-guessed. Each part it could not place is then put to the model, which is
//! offered one tool, `plan_edits`, whose `steps` are cutline's Steps in their JSON form (the
//! schema comes from the [`registry`](crate::registry), so a server that constrains its
//! output to the schema can only write Steps of real shapes). The call is read into the same
//! typed Steps and checked like any other input ([`Step::check`]); a part the model places is
//! done, one it cannot (refused, unreachable, too slow, a question back) stays a part not
//! done, with the reason.
//!
//! ```text
//! "trim the pauses and give it a retro look"
//!   rules   TrimPauses · not done: "give it a retro look"
//!   model   POST {url}/chat/completions {messages, tools:[plan_edits]} for that part
//!           ◄─ tool_calls[0].function.arguments = {"steps":[{"do":"color","saturation":0.6}]}
//!           ─► Vec<Step> (serde) ─► Step::check each ─► the part is done
//! ```

use std::time::Duration;

use serde_json::{json, Value};
use thiserror::Error;

use crate::plan::{Language, Plan, Step, Understanding};
use crate::rules::RulePlanner;
use crate::understand::{language_of, Context, Understand};

/// Where the model is and which one to ask.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmConfig {
    /// The API's base URL, e.g. `http://127.0.0.1:11434/v1`.
    pub url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout: Duration,
}

#[derive(Debug, Error, PartialEq)]
pub enum LlmError {
    #[error("the model could not be reached: {0}")]
    Unreachable(String),
    #[error("the model's answer is not a chat completion: {0}")]
    Malformed(String),
    #[error("the model's edits were refused: {0}")]
    Refused(String),
}

/// The rules first; the model for the parts they could not place.
#[derive(Clone, Debug)]
pub struct LlmPlanner {
    pub config: LlmConfig,
}

impl LlmConfig {
    /// Posts a chat completion request; the answer as JSON.
    fn complete(&self, body: &Value) -> Result<Value, LlmError> {
        let agent = ureq::AgentBuilder::new().timeout(self.timeout).build();
        let url = format!("{}/chat/completions", self.url.trim_end_matches('/'));
        let mut request = agent.post(&url).set("Content-Type", "application/json");
        if let Some(key) = &self.api_key {
            request = request.set("Authorization", &format!("Bearer {key}"));
        }
        let response = request
            .send_string(&body.to_string())
            .map_err(|e| LlmError::Unreachable(e.to_string()))?;
        response
            .into_json()
            .map_err(|e| LlmError::Malformed(e.to_string()))
    }

    /// `lines` translated into the language `to` (a code: "fr", "zh"), one for one: the
    /// model must call `translated` with exactly as many lines, else nothing is taken.
    pub fn translate(&self, lines: &[String], to: &str) -> Result<Vec<String>, LlmError> {
        let numbered: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, line)| format!("{}. {}", i + 1, line.replace('\n', " ")))
            .collect();
        let body = json!({
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": format!(
                    "Translate each numbered caption line into the language with code \"{to}\". \
                     Call translated with the {} translations in the same order, one per line, \
                     without numbers.", lines.len())},
                {"role": "user", "content": numbered.join("\n")},
            ],
            "tools": [{
                "type": "function",
                "function": {
                    "name": "translated",
                    "description": "The translated lines, in order.",
                    "parameters": {
                        "type": "object",
                        "properties": {"lines": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": lines.len(),
                            "maxItems": lines.len()
                        }},
                        "required": ["lines"]
                    }
                }
            }],
            "tool_choice": {"type": "function", "function": {"name": "translated"}}
        });
        let answer = self.complete(&body)?;
        let arguments = tool_arguments(&answer, "translated")?;
        let translated: Vec<String> = serde_json::from_value(arguments["lines"].clone())
            .map_err(|e| LlmError::Refused(format!("the lines are not text: {e}")))?;
        if translated.len() != lines.len() || translated.iter().any(|l| l.trim().is_empty()) {
            return Err(LlmError::Refused(format!(
                "{} lines came back for {}",
                translated.iter().filter(|l| !l.trim().is_empty()).count(),
                lines.len()
            )));
        }
        Ok(translated)
    }
}

impl LlmPlanner {
    /// The model's own understanding, or why there is none.
    pub fn ask(&self, instruction: &str, context: &Context) -> Result<Understanding, LlmError> {
        let language = context.language.unwrap_or_else(|| language_of(instruction));
        let body = request_body(&self.config.model, instruction, context, language);
        understanding_of(&self.config.complete(&body)?)
    }
}

impl Understand for LlmPlanner {
    fn understand(&self, instruction: &str, context: &Context) -> Understanding {
        let (mut plan, text) = match RulePlanner.understand(instruction, context) {
            Understanding::Plan(plan) if plan.not_done.is_empty() => {
                return Understanding::Plan(plan)
            }
            Understanding::Plan(plan) => (plan, None),
            Understanding::NotUnderstood { text, not_done } => (
                Plan {
                    not_done,
                    ..Plan::default()
                },
                Some(text),
            ),
            answered => return answered,
        };
        let parts = std::mem::take(&mut plan.not_done);
        for part in parts {
            match self.ask(&part.text, context) {
                Ok(Understanding::Plan(placed)) if placed.not_done.is_empty() => {
                    plan.steps.extend(placed.steps)
                }
                Ok(_) => plan.not_done.push(part),
                Err(error) => {
                    eprintln!("note: the model could not place \"{}\": {error}", part.text);
                    plan.not_done.push(part);
                }
            }
        }
        crate::rules::merge_exports(&mut plan.steps);
        match text {
            // Nothing placed by either: the rules' refusal stands, word for word.
            Some(text) if plan.steps.is_empty() => Understanding::NotUnderstood {
                text,
                not_done: plan.not_done,
            },
            _ => Understanding::Plan(plan),
        }
    }
}

/// The chat-completions request: a system message saying what the tool's Steps are, the
/// user's words, and the one tool.
fn request_body(model: &str, instruction: &str, context: &Context, language: Language) -> Value {
    let reply_language = match language {
        Language::English => "English",
        Language::Chinese => "Simplified Chinese",
    };
    let music = context
        .music
        .as_deref()
        .map(|id| format!(" The user's music file is the asset \"{id}\"."))
        .unwrap_or_default();
    let image = context
        .image
        .as_deref()
        .map(|id| format!(" The user's image is the asset \"{id}\"."))
        .unwrap_or_default();
    let system = format!(
        "You are cutline's video editing planner. Turn the user's instruction into cutline edit \
         steps by calling plan_edits once, with the steps in the order asked. Each step is a JSON \
         object with \"do\" set to one of: {}. A span is written into the step as \"span\": \
         \"whole\", or \"first\"/\"last\" with \"ms\", or \"between\" with \"start_ms\" \
         and \"end_ms\", or \"from\" with \"start_ms\". A clip is {{\"from_start\": n}} or \
         {{\"from_end\": n}}, counted from 0. Times are integer milliseconds. If the words ask for \
         nothing these steps can do, call it with no steps. Answer in {reply_language}.{music}{image}",
        crate::registry::prompt_lines()
    );
    json!({
        "model": model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": instruction},
        ],
        "tools": [{
            "type": "function",
            "function": {
                "name": "plan_edits",
                "description": "The edits to make to the video, in order.",
                "parameters": crate::registry::tool_parameters()
            }
        }],
        // The call is required: a server that constrains output to the schema then writes
        // only Steps of real shapes (or none).
        "tool_choice": {"type": "function", "function": {"name": "plan_edits"}}
    })
}

/// The arguments of the first tool call of a chat completion, which must be of `tool`.
fn tool_arguments(answer: &Value, tool: &str) -> Result<Value, LlmError> {
    let call = answer["choices"][0]["message"]["tool_calls"]
        .as_array()
        .and_then(|calls| calls.first())
        .ok_or_else(|| LlmError::Malformed("no tool call".into()))?;
    let name = call["function"]["name"].as_str().unwrap_or_default();
    if name != tool {
        return Err(LlmError::Refused(format!("unknown tool '{name}'")));
    }
    // `arguments` is a JSON string in the wire format (some servers send an object).
    match &call["function"]["arguments"] {
        Value::String(text) => serde_json::from_str::<Value>(text)
            .map_err(|e| LlmError::Refused(format!("arguments are not JSON: {e}"))),
        other => Ok(other.clone()),
    }
}

/// Reads a chat completion: a `plan_edits` call becomes a checked Plan; plain text (no call)
/// is the model's question back.
fn understanding_of(answer: &Value) -> Result<Understanding, LlmError> {
    let message = &answer["choices"][0]["message"];
    if message.is_null() {
        return Err(LlmError::Malformed("no choices[0].message".into()));
    }
    let called = message["tool_calls"]
        .as_array()
        .is_some_and(|calls| !calls.is_empty());
    if !called {
        let text = message["content"].as_str().unwrap_or_default().trim();
        if text.is_empty() {
            return Err(LlmError::Malformed("neither a tool call nor text".into()));
        }
        return Ok(Understanding::Question {
            text: text.to_string(),
        });
    }
    let arguments = tool_arguments(answer, "plan_edits")?;
    let steps: Vec<Step> = serde_json::from_value(arguments["steps"].clone())
        .map_err(|e| LlmError::Refused(format!("a step is not one cutline knows: {e}")))?;
    if steps.is_empty() {
        return Err(LlmError::Refused("no steps".into()));
    }
    for step in &steps {
        step.check().map_err(LlmError::Refused)?;
    }
    Ok(Understanding::Plan(Plan {
        steps,
        ..Plan::default()
    }))
}

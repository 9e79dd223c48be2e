//! Which planner understands instructions: the built-in rules, or a chat-completions model
//! when `--llm-url` / `CUTLINE_LLM_URL` names one (the rules still answer when it fails).

use std::time::Duration;

use agent::{LlmConfig, LlmPlanner, RulePlanner, Understand};
use clap::Args;

#[derive(Args, Clone, Debug)]
pub struct PlannerArgs {
    /// An OpenAI-compatible API to plan with (e.g. a local Ollama: http://127.0.0.1:11434/v1).
    #[arg(long, env = "CUTLINE_LLM_URL", value_name = "URL")]
    pub llm_url: Option<String>,
    /// The model to ask at --llm-url.
    #[arg(
        long,
        env = "CUTLINE_LLM_MODEL",
        default_value = "llama3.1",
        value_name = "NAME"
    )]
    pub llm_model: String,
    /// The API key for --llm-url, if it needs one.
    #[arg(
        long,
        env = "CUTLINE_LLM_API_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub llm_key: Option<String>,
}

impl PlannerArgs {
    /// The language model, when `--llm-url` names one.
    pub fn config(&self) -> Option<LlmConfig> {
        self.llm_url.as_ref().map(|url| LlmConfig {
            url: url.clone(),
            model: self.llm_model.clone(),
            api_key: self.llm_key.clone(),
            timeout: Duration::from_secs(60),
        })
    }

    pub fn planner(&self) -> Box<dyn Understand + Send + Sync> {
        match self.config() {
            Some(config) => Box::new(LlmPlanner { config }),
            None => Box::new(RulePlanner),
        }
    }
}

//! `cutline models list|path|fetch`: the speech models cutline knows, where they live, and
//! fetching one from its public home (resumable, checksum-checked).

use clap::{Args, Subcommand};
use speech::engine::{model_path, models_dir};
use speech::models::{fetch, find, Download, CATALOGUE};

use crate::progress::Progress;

#[derive(Args)]
pub struct ModelsArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Subcommand)]
enum Action {
    /// The models cutline knows, and which are installed.
    List,
    /// Where models live (or where NAME's file is).
    Path { name: Option<String> },
    /// Download a model (resumes an interrupted download; checks its SHA-1).
    Fetch { name: String },
}

pub fn run(args: &ModelsArgs) -> Result<(), String> {
    match &args.action {
        Action::List => {
            println!(
                "models in {} (CUTLINE_MODELS to change):",
                models_dir().display()
            );
            for model in CATALOGUE {
                let installed = if model_path(model.name).is_file() {
                    "installed"
                } else {
                    "-"
                };
                let languages = if model.english_only {
                    "English"
                } else {
                    "multilingual"
                };
                println!(
                    "  {:<9} {:>7}  {:<12} {installed}",
                    model.name, model.size, languages
                );
            }
        }
        Action::Path { name: None } => println!("{}", models_dir().display()),
        Action::Path { name: Some(name) } => {
            find(name).map_err(|e| e.to_string())?;
            println!("{}", model_path(name).display());
        }
        Action::Fetch { name } => {
            let model = find(name).map_err(|e| e.to_string())?;
            let bar = Progress::stage("downloading");
            let path = fetch(&Download::of(model), |done, total| {
                if let Some(total) = total {
                    bar.set(done as f64 / total.max(1) as f64);
                }
            })
            .map_err(|e| e.to_string())?;
            bar.done();
            println!("{}", path.display());
        }
    }
    Ok(())
}

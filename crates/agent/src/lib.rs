//! Understanding plain words as edits, in English and Simplified Chinese.
//!
//! - [`plan`]: the Steps an instruction asks for, a Plan of them, or a question back.
//! - [`understand`]: the [`Understand`] trait and its [`Context`].
//! - [`rules`]: the deterministic, offline planner ([`RulePlanner`]).

pub mod plan;
pub mod rules;
pub mod understand;

pub use plan::{Language, Plan, Quality, Sound, Span, Step, Understanding};
pub use rules::RulePlanner;
pub use understand::{Context, Understand};

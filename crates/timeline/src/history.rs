//! Undo and redo: every state a Draft has been in, kept whole.
//!
//! Drafts are small (a few kB of JSON), so keeping each state is simpler and exact where
//! inverting edits would not be: undo gives back precisely the Draft before, redo precisely
//! the one after.
//!
//! ```text
//! commit A, commit B      past [orig, A]   present B   future []
//! undo                    past [orig]      present A   future [B]
//! commit C                past [orig, A]   present C   future []   (B cannot be redone)
//! ```

use crate::draft::Draft;

#[derive(Clone, Debug, PartialEq)]
pub struct History {
    original: Draft,
    past: Vec<Draft>,
    present: Draft,
    future: Vec<Draft>,
}

impl History {
    pub fn new(draft: Draft) -> Self {
        Self {
            original: draft.clone(),
            past: Vec::new(),
            present: draft,
            future: Vec::new(),
        }
    }

    pub fn present(&self) -> &Draft {
        &self.present
    }

    /// Makes `draft` the present; the old present can be undone back to.
    pub fn commit(&mut self, draft: Draft) {
        let old = std::mem::replace(&mut self.present, draft);
        self.past.push(old);
        self.future.clear();
    }

    /// Steps back one state; `false` when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.past.pop() else {
            return false;
        };
        let undone = std::mem::replace(&mut self.present, previous);
        self.future.push(undone);
        true
    }

    /// Steps forward again; `false` when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.future.pop() else {
            return false;
        };
        let redone = std::mem::replace(&mut self.present, next);
        self.past.push(redone);
        true
    }

    /// Back to the first Draft, as a new state (so a reset can itself be undone).
    pub fn reset(&mut self) {
        self.commit(self.original.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draft::DraftMeta;

    fn draft(ms: u64) -> Draft {
        Draft::single_clip("clip", ms, DraftMeta::default())
    }

    #[test]
    fn undo_and_redo_walk_the_states_and_a_new_edit_drops_the_redo() {
        let mut history = History::new(draft(1));
        history.commit(draft(2));
        history.commit(draft(3));
        assert!(history.undo());
        assert_eq!(history.present(), &draft(2));
        assert!(history.redo());
        assert_eq!(history.present(), &draft(3));
        assert!(!history.redo());
        assert!(history.undo() && history.undo());
        assert!(!history.undo());
        assert_eq!(history.present(), &draft(1));
        assert!(history.redo());
        history.commit(draft(4));
        assert!(!history.redo(), "a new edit ends what could be redone");
        history.reset();
        assert_eq!(history.present(), &draft(1));
        assert!(history.undo());
        assert_eq!(history.present(), &draft(4), "a reset can be undone");
    }
}

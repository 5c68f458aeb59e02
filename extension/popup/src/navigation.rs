//! The views of a connected popup and the history that Escape walks back through.

/// A view shown once a site is connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    /// Detected keys, search, recent issues and the quick actions.
    Home,
    /// One issue and its actions.
    Issue { key: String },
    /// The create-issue form.
    Create,
    /// The editor of saved quick actions, with import and export.
    QuickActions,
    /// The connect form, opened to add another site.
    AddSite,
}

impl View {
    /// Returns the id of the popup.html section that shows this view.
    pub fn section_id(&self) -> &'static str {
        match self {
            View::Home => "home",
            View::Issue { .. } => "issue-view",
            View::Create => "connected",
            View::QuickActions => "quick-actions-view",
            View::AddSite => "connect-form",
        }
    }
}

/// Views opened so far, the current one last. Home is always at the bottom, so going back
/// ends there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Navigation {
    stack: Vec<View>,
}

/// Deepest history kept; older views are dropped from the bottom, above Home.
const MAX_DEPTH: usize = 20;

impl Default for Navigation {
    fn default() -> Self {
        Navigation {
            stack: vec![View::Home],
        }
    }
}

impl Navigation {
    pub fn current(&self) -> &View {
        // The stack is never empty: it starts with Home and `back` keeps the last view.
        self.stack.last().unwrap_or(&View::Home)
    }

    /// Opens `view` on top of the current one. Opening the current view again, or Home,
    /// does not grow the history: Home clears it.
    pub fn open(&mut self, view: View) {
        if view == View::Home {
            self.stack.truncate(1);
            return;
        }
        if self.current() == &view {
            return;
        }
        // An issue opened from another issue's view replaces nothing, but opening a view
        // already in the history returns to it, so Escape never cycles.
        if let Some(position) = self.stack.iter().position(|open| open == &view) {
            self.stack.truncate(position + 1);
            return;
        }
        self.stack.push(view);
        if self.stack.len() > MAX_DEPTH {
            self.stack.remove(1);
        }
    }

    /// Goes back one view and returns the view now shown, or `None` when already home.
    pub fn back(&mut self) -> Option<&View> {
        if self.stack.len() <= 1 {
            return None;
        }
        self.stack.pop();
        Some(self.current())
    }

    /// Returns whether a Back action has somewhere to go.
    pub fn can_go_back(&self) -> bool {
        self.stack.len() > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(key: &str) -> View {
        View::Issue { key: key.into() }
    }

    #[test]
    fn starts_at_home() {
        let navigation = Navigation::default();

        assert_eq!(navigation.current(), &View::Home);
        assert!(!navigation.can_go_back());
    }

    #[test]
    fn back_walks_history() {
        let mut navigation = Navigation::default();
        navigation.open(issue("WEB-1"));
        navigation.open(View::Create);

        assert_eq!(navigation.back(), Some(&issue("WEB-1")));
        assert_eq!(navigation.back(), Some(&View::Home));
        assert_eq!(navigation.back(), None, "home is the bottom");
        assert_eq!(navigation.current(), &View::Home);
    }

    #[test]
    fn reopening_view_returns_to_it() {
        let mut navigation = Navigation::default();
        navigation.open(issue("WEB-1"));
        navigation.open(issue("WEB-2"));
        navigation.open(issue("WEB-1"));

        assert_eq!(navigation.current(), &issue("WEB-1"));
        assert_eq!(navigation.back(), Some(&View::Home), "WEB-2 was dropped");
    }

    #[test]
    fn same_view_twice_kept_once() {
        let mut navigation = Navigation::default();
        navigation.open(View::Create);
        navigation.open(View::Create);

        assert_eq!(navigation.back(), Some(&View::Home));
    }

    #[test]
    fn home_clears_history() {
        let mut navigation = Navigation::default();
        navigation.open(issue("WEB-1"));
        navigation.open(View::QuickActions);
        navigation.open(View::Home);

        assert!(!navigation.can_go_back());
    }

    #[test]
    fn depth_capped_above_home() {
        let mut navigation = Navigation::default();
        for number in 1..=30 {
            navigation.open(issue(&format!("WEB-{number}")));
        }

        let mut steps = 0;
        while navigation.back().is_some() {
            steps += 1;
        }

        assert_eq!(steps, MAX_DEPTH - 1, "history keeps {MAX_DEPTH} views including home");
        assert_eq!(navigation.current(), &View::Home);
    }
}

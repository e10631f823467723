//! Showing deployment progress: a live line per stack on a terminal (indicatif), plain
//! timestamped lines otherwise. Resource events appear with `-v`.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::time::{Duration, Instant};

use eksharden_aws::{Progress, StackAction, StackEvent};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Plain lines, one per change, on any writer.
pub struct Lines<'a> {
    out: RefCell<&'a mut dyn Write>,
    started: RefCell<HashMap<String, Instant>>,
    verbose: bool,
}

impl<'a> Lines<'a> {
    /// Progress lines on `out`; resource events too when `verbose`.
    pub fn new(out: &'a mut dyn Write, verbose: bool) -> Self {
        Self { out: RefCell::new(out), started: RefCell::new(HashMap::new()), verbose }
    }

    fn line(&self, text: &str) {
        let _ = writeln!(self.out.borrow_mut(), "{text}");
    }
}

impl Progress for Lines<'_> {
    fn started(&self, stack: &str, action: StackAction) {
        self.started.borrow_mut().insert(stack.to_owned(), Instant::now());
        self.line(&format!("{stack}: {}", action.verb()));
    }

    fn event(&self, stack: &str, event: &StackEvent) {
        if self.verbose {
            let reason = event.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            self.line(&format!("{stack}:   {} {} {}{reason}", event.logical_id, event.resource_type, event.status));
        }
    }

    fn finished(&self, stack: &str, action: StackAction, status: &str, ok: bool) {
        let took =
            self.started.borrow().get(stack).map(|t| format!(" in {}", seconds(t.elapsed()))).unwrap_or_default();
        let mark = if ok { "done" } else { "FAILED" };
        self.line(&format!("{stack}: {} {mark}: {status}{took}", action.verb()));
    }
}

/// A live line per stack, on a terminal.
pub struct Bars {
    multi: MultiProgress,
    bars: RefCell<HashMap<String, (ProgressBar, StackAction)>>,
}

impl Bars {
    /// Bars drawn on stderr.
    pub fn new() -> Self {
        Self {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: RefCell::new(HashMap::new()),
        }
    }
}

impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for Bars {
    fn started(&self, stack: &str, action: StackAction) {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:<22} {msg} {elapsed}").expect("a valid template"),
        );
        bar.set_prefix(stack.to_owned());
        bar.set_message(action.verb());
        bar.enable_steady_tick(Duration::from_millis(120));
        self.bars.borrow_mut().insert(stack.to_owned(), (bar, action));
    }

    fn event(&self, stack: &str, event: &StackEvent) {
        if let Some((bar, action)) = self.bars.borrow().get(stack) {
            bar.set_message(format!("{} {} {}", action.verb(), event.logical_id, event.status));
        }
    }

    fn finished(&self, stack: &str, action: StackAction, status: &str, ok: bool) {
        let bars = self.bars.borrow();
        let bar = match bars.get(stack) {
            Some((bar, _)) => bar.clone(),
            None => self.multi.add(ProgressBar::new_spinner()),
        };
        bar.set_style(ProgressStyle::with_template("{prefix:<24} {msg}").expect("a valid template"));
        bar.set_prefix(format!("{} {stack}", if ok { "✓" } else { "✗" }));
        bar.finish_with_message(format!("{} {status} ({})", action.verb(), seconds(bar.elapsed())));
    }
}

/// Passes progress on to another [`Progress`] and remembers which stacks are under way and
/// which are done, to say what CloudFormation still works on when a run is interrupted.
pub struct Tracked<'p> {
    inner: &'p dyn Progress,
    running: RefCell<BTreeSet<String>>,
    finished: RefCell<BTreeSet<String>>,
}

impl<'p> Tracked<'p> {
    /// Tracks the stacks reported to `inner`.
    pub fn new(inner: &'p dyn Progress) -> Self {
        Self { inner, running: RefCell::default(), finished: RefCell::default() }
    }

    /// The stacks started and not finished.
    pub fn running(&self) -> Vec<String> {
        self.running.borrow().iter().cloned().collect()
    }

    /// Whether `stack` has finished, well or not.
    pub fn is_finished(&self, stack: &str) -> bool {
        self.finished.borrow().contains(stack)
    }
}

impl Progress for Tracked<'_> {
    fn started(&self, stack: &str, action: StackAction) {
        self.running.borrow_mut().insert(stack.to_owned());
        self.inner.started(stack, action);
    }

    fn event(&self, stack: &str, event: &StackEvent) {
        self.inner.event(stack, event);
    }

    fn finished(&self, stack: &str, action: StackAction, status: &str, ok: bool) {
        self.running.borrow_mut().remove(stack);
        self.finished.borrow_mut().insert(stack.to_owned());
        self.inner.finished(stack, action, status, ok);
    }
}

fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

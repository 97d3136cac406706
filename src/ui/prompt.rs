//! Questions to a person, behind a trait so that the flows can be tested with scripted answers.

use std::cell::RefCell;
use std::collections::VecDeque;

use dialoguer::theme::ColorfulTheme;

use crate::error::{Error, Kind, Result};

/// What the interactive flows ask.
pub trait Prompter {
    /// Pick one of `items` (fuzzy-filtered as the person types); `None` when they back out.
    fn select(&self, prompt: &str, items: &[String]) -> Result<Option<usize>>;
    fn confirm(&self, prompt: &str, default: bool) -> Result<bool>;
    fn input(&self, prompt: &str, default: &str) -> Result<String>;
}

/// The real thing, on the terminal (stderr), with dialoguer.
pub struct Terminal {
    theme: ColorfulTheme,
}

impl Terminal {
    pub fn new(color: bool) -> Terminal {
        console::set_colors_enabled_stderr(color);
        Terminal {
            theme: ColorfulTheme::default(),
        }
    }
}

fn prompt_error(e: dialoguer::Error) -> Error {
    let dialoguer::Error::IO(io) = e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        Error::new(Kind::Interrupted, "interrupted; nothing was changed")
    } else {
        Error::failed(format!("the terminal failed: {io}"))
    }
}

impl Prompter for Terminal {
    fn select(&self, prompt: &str, items: &[String]) -> Result<Option<usize>> {
        // One line per item on the terminal as it is (80 columns when it cannot say): a line
        // that wraps breaks the picker's redraw.
        let width = console::Term::stderr()
            .size_checked()
            .map_or(80, |(_, cols)| usize::from(cols));
        let fitted: Vec<String> = items
            .iter()
            .map(|i| fit(&super::terminal_safe(i), width.saturating_sub(4)))
            .collect();
        dialoguer::FuzzySelect::with_theme(&self.theme)
            .with_prompt(super::terminal_safe(prompt))
            .items(&fitted)
            .default(0)
            .max_length(15)
            .interact_opt()
            .map_err(prompt_error)
    }

    fn confirm(&self, prompt: &str, default: bool) -> Result<bool> {
        dialoguer::Confirm::with_theme(&self.theme)
            .with_prompt(super::terminal_safe(prompt))
            .default(default)
            .interact_opt()
            .map(|answer| answer.unwrap_or(false))
            .map_err(prompt_error)
    }

    fn input(&self, prompt: &str, default: &str) -> Result<String> {
        let mut input = dialoguer::Input::<String>::with_theme(&self.theme)
            .with_prompt(super::terminal_safe(prompt))
            .allow_empty(true);
        // An empty default would show as `()`.
        if !default.is_empty() {
            input = input.default(default.to_string());
        }
        input.interact_text().map_err(prompt_error)
    }
}

/// `text` cut to `width` characters, with an ellipsis when cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width || width < 2 {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width - 1).collect();
    out.push('…');
    out
}

/// Answers given in advance, for tests of the flows.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Pick the first item whose text contains this.
    Pick(String),
    Back,
    Yes,
    No,
    Text(String),
}

#[derive(Default)]
pub struct Scripted {
    answers: RefCell<VecDeque<Answer>>,
    /// Every prompt shown, with the items of selections.
    pub asked: RefCell<Vec<String>>,
}

impl Scripted {
    pub fn new(answers: Vec<Answer>) -> Scripted {
        Scripted {
            answers: RefCell::new(answers.into()),
            asked: RefCell::new(Vec::new()),
        }
    }

    fn next(&self, prompt: &str) -> Result<Answer> {
        self.asked.borrow_mut().push(prompt.to_string());
        self.answers
            .borrow_mut()
            .pop_front()
            .ok_or_else(|| Error::failed(format!("no scripted answer for: {prompt}")))
    }
}

impl Prompter for Scripted {
    fn select(&self, prompt: &str, items: &[String]) -> Result<Option<usize>> {
        match self.next(prompt)? {
            Answer::Pick(text) => items
                .iter()
                .position(|i| i.contains(&text))
                .map(Some)
                .ok_or_else(|| Error::failed(format!("no item contains '{text}' in {items:?}"))),
            Answer::Back => Ok(None),
            other => Err(Error::failed(format!(
                "{prompt}: expected a pick, got {other:?}"
            ))),
        }
    }

    fn confirm(&self, prompt: &str, _default: bool) -> Result<bool> {
        match self.next(prompt)? {
            Answer::Yes => Ok(true),
            Answer::No | Answer::Back => Ok(false),
            other => Err(Error::failed(format!(
                "{prompt}: expected yes or no, got {other:?}"
            ))),
        }
    }

    fn input(&self, prompt: &str, default: &str) -> Result<String> {
        match self.next(prompt)? {
            Answer::Text(t) if t.is_empty() => Ok(default.to_string()),
            Answer::Text(t) => Ok(t),
            other => Err(Error::failed(format!(
                "{prompt}: expected text, got {other:?}"
            ))),
        }
    }
}

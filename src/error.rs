//! One error type for every command: a kind that maps to the documented exit code, a message,
//! hints that say what to do next, and the conflicting paths of a failed revert.

use std::fmt;

/// What went wrong, as far as the exit code is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// git, network or forge failure (exit 1).
    Failed,
    /// Bad input or usage (exit 2).
    BadInput,
    /// A revert conflicts; nothing was written (exit 3).
    Conflict,
    /// Refused by a safety check (exit 4).
    Refused,
    /// Interrupted by the user (exit 130).
    Interrupted,
}

impl Kind {
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Failed => 1,
            Kind::BadInput => 2,
            Kind::Conflict => 3,
            Kind::Refused => 4,
            Kind::Interrupted => 130,
        }
    }

    /// The name used in `--json` error output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Failed => "failed",
            Kind::BadInput => "bad_input",
            Kind::Conflict => "conflict",
            Kind::Refused => "refused",
            Kind::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hints: Vec<String>,
    /// The paths of a revert that conflicts, exactly as they are in the tree, with the kind.
    pub conflicts: Vec<ConflictDetail>,
    /// More about what happened, for `--json` (`error.details`).
    pub details: Option<serde_json::Value>,
    /// The command already printed its result (e.g. a report whose verdict is the exit code),
    /// so `--json` must not print a second object.
    pub reported: bool,
}

/// One conflicting path and what kind of conflict it is (`content`, `modify/delete`, …).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConflictDetail {
    /// The path as text: as it is in the tree when it is UTF-8, else git's C-quoted form, so
    /// that no name is lost or mistaken for another.
    pub path: String,
    pub kind: String,
    /// The path's bytes, for showing it.
    #[serde(skip)]
    pub raw: Vec<u8>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hints: Vec::new(),
            conflicts: Vec::new(),
            details: None,
            reported: false,
        }
    }

    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(Kind::Failed, message)
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::new(Kind::BadInput, message)
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(Kind::Refused, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn reported(mut self) -> Self {
        self.reported = true;
        self
    }

    /// Prefix the message with what was being done, keeping kind and hints.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<git2::Error> for Error {
    fn from(err: git2::Error) -> Self {
        Error::failed(format!("git: {}", err.message()))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::failed(err.to_string())
    }
}

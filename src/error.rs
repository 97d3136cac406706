//! One error type for every command: a kind that maps to the documented exit code, a message,
//! hints that say what to do next, the conflicting paths of a failed revert, and its cause.

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

/// A command-line option a hint names. Below the interface, code names an option by this,
/// never by its spelling: `flag` is the one place the two meet (checked against the command
/// line's definition by a test), and a menu that asks instead of taking the flag leaves out
/// the hints that name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opt {
    AllowDestructiveMigrations,
    AllowMigration,
    Branch,
    HookTimeout,
    NoFetch,
    NoGpgSign,
    Releases,
    Remote,
    RollbackTo,
    Shared,
    SharedFile,
}

impl Opt {
    pub const ALL: [Opt; 11] = [
        Opt::AllowDestructiveMigrations,
        Opt::AllowMigration,
        Opt::Branch,
        Opt::HookTimeout,
        Opt::NoFetch,
        Opt::NoGpgSign,
        Opt::Releases,
        Opt::Remote,
        Opt::RollbackTo,
        Opt::Shared,
        Opt::SharedFile,
    ];

    /// As typed on the command line (`rollback --to` names the subcommand too).
    pub fn flag(self) -> &'static str {
        match self {
            Opt::AllowDestructiveMigrations => "--allow-destructive-migrations",
            Opt::AllowMigration => "--allow-migration",
            Opt::Branch => "--branch",
            Opt::HookTimeout => "--hook-timeout",
            Opt::NoFetch => "--no-fetch",
            Opt::NoGpgSign => "--no-gpg-sign",
            Opt::Releases => "--releases",
            Opt::Remote => "--remote",
            Opt::RollbackTo => "rollback --to",
            Opt::Shared => "--shared",
            Opt::SharedFile => "--shared-file",
        }
    }
}

/// What to do next. The text may name one option as `{option}`, said as its flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    pub text: String,
    pub option: Option<Opt>,
}

impl Hint {
    /// A hint that names `option` where its text says `{option}`.
    pub fn naming(option: Opt, text: impl Into<String>) -> Hint {
        Hint {
            text: text.into(),
            option: Some(option),
        }
    }

    pub fn contains(&self, what: &str) -> bool {
        self.to_string().contains(what)
    }
}

impl fmt::Display for Hint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.option {
            Some(o) => f.write_str(&self.text.replacen("{option}", o.flag(), 1)),
            None => f.write_str(&self.text),
        }
    }
}

impl From<String> for Hint {
    fn from(text: String) -> Hint {
        Hint { text, option: None }
    }
}

impl From<&str> for Hint {
    fn from(text: &str) -> Hint {
        Hint::from(text.to_string())
    }
}

impl serde::Serialize for Hint {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
    pub hints: Vec<Hint>,
    /// The paths of a revert that conflicts, exactly as they are in the tree, with the kind.
    pub conflicts: Vec<ConflictDetail>,
    /// More about what happened, for `--json` (`error.details`).
    pub details: Option<Box<serde_json::Value>>,
    /// What caused it (a libgit2 error, a failed git process, an I/O error), kept so that
    /// code asks it what it is rather than reading the message, and people see the chain.
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
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
            source: None,
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

    pub fn hint(mut self, hint: impl Into<Hint>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// Whether `option` overrules this error: one of its hints says to pass it. A menu asks
    /// instead of naming the flag.
    pub fn overruled_by(&self, option: Opt) -> bool {
        self.hints.iter().any(|h| h.option == Some(option))
    }

    /// Keep what caused this error.
    pub fn because(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(cause));
        self
    }

    /// The cause of type `T` somewhere in the chain.
    pub fn cause<T: std::error::Error + 'static>(&self) -> Option<&T> {
        let mut at = std::error::Error::source(self);
        while let Some(e) = at {
            if let Some(found) = e.downcast_ref::<T>() {
                return Some(found);
            }
            at = e.source();
        }
        None
    }

    /// The causes people have not read yet: each in the chain whose text the message (or an
    /// earlier cause) does not already hold.
    pub fn causes(&self) -> Vec<String> {
        let mut said = self.message.clone();
        let mut out = Vec::new();
        let mut at = std::error::Error::source(self);
        while let Some(e) = at {
            let text = e.to_string();
            if !text.is_empty() && !said.contains(&text) {
                said.push_str(&text);
                out.push(text);
            }
            at = e.source();
        }
        out
    }

    /// The `error` object of `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "kind": self.kind.as_str(),
            "message": self.message,
        });
        if !self.conflicts.is_empty() {
            let paths: Vec<&str> = self.conflicts.iter().map(|c| c.path.as_str()).collect();
            body["conflicts"] = serde_json::json!(paths);
            body["conflict_details"] = serde_json::json!(self.conflicts);
        }
        if !self.hints.is_empty() {
            body["hints"] = serde_json::json!(self.hints);
        }
        let causes = self.causes();
        if !causes.is_empty() {
            body["causes"] = serde_json::json!(causes);
        }
        if let Some(details) = &self.details {
            body["details"] = (**details).clone();
        }
        body
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

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::failed(err.to_string()).because(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_are_said_once_each() {
        let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let err = Error::failed("cannot write the job outputs").because(io);
        assert_eq!(err.causes(), ["permission denied"]);
        assert_eq!(
            err.to_json()["causes"],
            serde_json::json!(["permission denied"])
        );
        // A cause the message already says is not repeated.
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let err = Error::failed("reading x: no such file").because(io);
        assert!(err.causes().is_empty());
        assert!(err.to_json().get("causes").is_none());
    }

    #[test]
    fn a_cause_is_found_by_its_type() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let err = Error::failed("x").because(io);
        assert_eq!(
            err.cause::<std::io::Error>().map(|e| e.kind()),
            Some(std::io::ErrorKind::NotFound)
        );
        assert!(err.cause::<std::fmt::Error>().is_none());
    }
}

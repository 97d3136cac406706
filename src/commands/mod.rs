//! One file per subcommand: its arguments, handed to a flow, give its outcome. Commands do not
//! print and do not call each other (the menu runs the others).

pub mod check_migrations;
#[cfg(unix)]
pub mod deploy;
pub mod hold;
pub mod list;
pub mod menu;
pub mod prepare;
#[cfg(unix)]
pub mod releases;
pub mod revert;
pub mod rollback;
#[cfg(unix)]
pub mod status;
#[cfg(unix)]
pub mod switch;

pub use crate::flow::Ctx;
pub use crate::outcome::Outcome;

/// Release directories rely on symlinks, `rename(2)` over them and `flock`: Unix hosts.
#[cfg(not(unix))]
pub fn releases_unsupported() -> crate::error::Error {
    crate::error::Error::bad_input(
        "deploy, switch and releases work on Unix hosts (symlinks and rename(2) over them)",
    )
    .hint("run them on the servers that host the releases")
}

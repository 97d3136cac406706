//! `releases`: the releases on this host, newest first, marking current, previous and bad.

use super::Outcome;
use crate::cli::ReleasesArgs;
use crate::error::Result;

pub fn run(args: &ReleasesArgs) -> Result<Outcome> {
    crate::flow::release_dirs::list(args).map(Outcome::Releases)
}

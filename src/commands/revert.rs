//! `revert <REV>...`: revert commits, ranges, merges and merged pull requests on a new branch
//! on top of the base tip (or on the base itself with `--direct`).

use super::{Ctx, Outcome};
use crate::cli::RevertArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, args: &RevertArgs) -> Result<Outcome> {
    crate::flow::revert::run(ctx, args).map(Outcome::Revert)
}

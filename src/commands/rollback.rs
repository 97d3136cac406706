//! `rollback`: return production to a snapshot, release tag or commit, either as one commit
//! restoring that tree or by moving the base branch back with a backup.

use super::{Ctx, Outcome};
use crate::cli::RollbackArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, args: &RollbackArgs) -> Result<Outcome> {
    crate::flow::rollback::run(ctx, args).map(Outcome::Rollback)
}

//! `prepare [NAME]`: snapshot the production tip as an annotated tag and a staging branch, just
//! before a rollout, pushed atomically.

use super::{Ctx, Outcome};
use crate::cli::PrepareArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, args: &PrepareArgs) -> Result<Outcome> {
    crate::flow::snapshot::run(ctx, args).map(Outcome::Prepare)
}

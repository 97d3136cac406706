//! `hold [--release REV]`: the holds on deploys, after syncing with the remote; or lift one.

use super::{Ctx, Outcome};
use crate::cli::HoldArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, args: &HoldArgs) -> Result<Outcome> {
    crate::flow::holds::run(ctx, args.release.as_deref(), args.reason.as_deref())
        .map(Outcome::Holds)
}

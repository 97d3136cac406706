//! `list`: rollout points (pre-rollout tags) and release tags, newest first.

use super::{Ctx, Outcome};
use crate::cli::ListArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, _args: &ListArgs) -> Result<Outcome> {
    ctx.fetch_tags()?;
    crate::flow::points::list(ctx).map(Outcome::List)
}

//! `check-migrations [RANGE]`: classify the migrations a range adds or changes; exit 4 when
//! rolling code back over them would break it (the outcome is then also a refusal).

use super::{Ctx, Outcome};
use crate::cli::CheckMigrationsArgs;
use crate::error::Result;

pub fn run(ctx: &Ctx, args: &CheckMigrationsArgs) -> Result<Outcome> {
    crate::flow::migration_check::run(ctx, args).map(Outcome::CheckMigrations)
}

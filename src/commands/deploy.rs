//! `deploy <REV>`: export REV's tree into its own release directory and switch the live link
//! to it, with hooks and a health check that flips back.

use super::Outcome;
use crate::cli::{DeployArgs, GlobalArgs};
use crate::error::Result;
use crate::ui::Ui;

pub fn run(global: &GlobalArgs, ui: &Ui, args: &DeployArgs) -> Result<Outcome> {
    crate::flow::deploy::run(global, ui, args).map(Outcome::Deploy)
}

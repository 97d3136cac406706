//! `switch <RELEASE|previous>`: point the live link at another release atomically. Safe to run
//! twice: switching to the current release changes nothing.

use super::Outcome;
use crate::cli::{GlobalArgs, SwitchArgs};
use crate::error::Result;
use crate::ui::Ui;

pub fn run(global: &GlobalArgs, ui: &Ui, args: &SwitchArgs) -> Result<Outcome> {
    crate::flow::switch::run(global, ui, args).map(Outcome::Switch)
}

//! `status`: what is live here, marked bad and held, and how far the base has moved.

use super::Outcome;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::error::Result;
use crate::ui::Ui;

pub fn run(global: &GlobalArgs, ui: &Ui, args: &StatusArgs) -> Result<Outcome> {
    crate::flow::status::run(global, ui, args).map(Outcome::Status)
}

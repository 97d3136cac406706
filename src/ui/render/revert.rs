//! `revert` and `rollback`: what was (or would be) undone, made, pushed and opened.

use crate::outcome::Revert;

pub fn revert(o: &Revert) -> Vec<String> {
    o.lines.clone()
}

//! Planning and computing reverts, rollbacks and snapshots: functions over a repository that
//! write objects (into whatever object database the caller set up) and never print or move refs.

pub mod attributes;
pub mod merge;
pub mod message;
pub mod rename_search;
pub mod revert;
pub mod similarity;

//! One test binary: the engine checked against git, and the built binary run against real
//! local bare remotes.

mod action;
mod agreement;
mod azure_devops;
mod azure_pipelines;
mod cli;
mod common;
mod corpus;
mod docs;
mod forge;
mod gitea;
mod github_api;
mod gitlab;
mod gitlab_ci;
mod holds;
mod hostile;
mod interactive;
mod layers;
mod messages;
mod migrations;
mod output;
mod pr_truth;
mod recipes;
mod releases;
mod signing;
mod tls;
mod trust;

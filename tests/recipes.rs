//! The recipes of docs/recipes.md run as written, with stand-ins for the servers' tools that
//! record what they were asked, where, and whether the link had moved yet.

use std::path::{Path, PathBuf};
use std::process::Command;

use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

use crate::common::{path_with_binary, Env, FakeForge as Fake};

/// The `sh` block that follows `<!-- recipe: NAME -->`, continuation lines joined.
fn recipe(name: &str) -> String {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/recipes.md"))
            .unwrap();
    let start = text
        .find(&format!("<!-- recipe: {name} -->"))
        .unwrap_or_else(|| panic!("no recipe {name}"));
    let block = &text[start..];
    let body = block.split("```sh\n").nth(1).unwrap();
    let body = &body[..body.find("```").unwrap()];
    body.replace("\\\n", " ")
}

/// Stand-ins for the tools the recipes call: each records `tool args | folder | link target`
/// and leaves what the real one would (vendor/, node_modules/, compiled caches).
fn stand_ins(env: &Env) -> (PathBuf, PathBuf) {
    let bin = env.path("stand-ins");
    std::fs::create_dir_all(&bin).unwrap();
    let log = env.path("calls.log");
    let record = format!(
        "echo \"$(basename \"$0\") $* | $(pwd) | $(readlink \"$FASTREVERT_LINK\")\" >> {}\n",
        log.display()
    );
    let tools: [(&str, &str); 6] = [
        (
            "composer",
            "mkdir -p vendor && echo ok > vendor/autoload.php",
        ),
        ("php", "mkdir -p bootstrap/cache"),
        ("bundle", ""),
        ("npm", "mkdir -p node_modules"),
        ("systemctl", ""),
        ("sudo", "exec \"$@\""),
    ];
    for (tool, does) in tools {
        let script = bin.join(tool);
        let body = if tool == "sudo" {
            format!("#!/bin/sh\n{does}\n")
        } else {
            format!("#!/bin/sh\n{record}{does}\n")
        };
        std::fs::write(&script, body).unwrap();
        std::os::unix::fs::PermissionsExt::set_mode(
            &mut std::fs::metadata(&script).unwrap().permissions(),
            0o755,
        );
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    (bin, log)
}

/// Run recipe `name` in an application with `files`, `shared` files put in place first; the
/// health check asks a local server that answers 200. Returns the calls recorded.
fn run_recipe(
    name: &str,
    files: &[(&str, &str)],
    shared: &[(&str, &str)],
) -> (Env, Vec<String>, PathBuf) {
    let env = Env::new();
    let repo = env.repo("app");
    env.commit(&repo, files, "App");
    let site = env.path("srv/app");
    let releases = site.join("releases");
    std::fs::create_dir_all(&releases).unwrap();
    for (path, content) in shared {
        let file = site.join("shared").join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
    }
    env.git(
        &repo,
        &["config", "fastrevert.releases", releases.to_str().unwrap()],
    );
    let health = Fake::start();
    health.mount(Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)));
    let (bin, log) = stand_ins(&env);
    let command = recipe(name)
        .replace("http://127.0.0.1:3000/", &format!("{}/", health.uri()))
        .replace("http://127.0.0.1/", &format!("{}/", health.uri()));
    let mut cmd = Command::new("sh");
    env.apply_to(&mut cmd);
    let out = cmd
        .arg("-c")
        .arg(&command)
        .current_dir(&repo)
        .env("PATH", format!("{}:{}", bin.display(), path_with_binary()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {command}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let release = releases.join(env.rev(&repo, "main"));
    (env, calls, release)
}

/// Before-switch steps ran in the release while the link pointed elsewhere; after-switch steps
/// after the flip.
fn assert_order(calls: &[String], release: &Path, before: &[&str], after: &[&str]) {
    let id = release.file_name().unwrap().to_str().unwrap();
    for want in before {
        let call = calls
            .iter()
            .find(|c| c.starts_with(want))
            .unwrap_or_else(|| panic!("{want} did not run: {calls:#?}"));
        assert!(
            call.contains(&format!("| {} |", release.display())),
            "{call}"
        );
        assert!(!call.ends_with(id), "{want} ran after the flip: {call}");
    }
    for want in after {
        let call = calls
            .iter()
            .find(|c| c.starts_with(want))
            .unwrap_or_else(|| panic!("{want} did not run: {calls:#?}"));
        assert!(call.ends_with(id), "{want} ran before the flip: {call}");
    }
}

#[test]
fn the_laravel_recipe_builds_before_the_flip_and_reloads_php_fpm_after() {
    let (_env, calls, release) = run_recipe(
        "laravel",
        &[
            ("composer.json", "{}\n"),
            ("artisan", "<?php\n"),
            ("public/index.php", "<?php\n"),
            ("storage/logs/.gitignore", "*\n!.gitignore\n"),
        ],
        &[(".env", "APP_KEY=base64:x\n")],
    );
    assert_order(
        &calls,
        &release,
        &[
            "composer install --no-dev",
            "php artisan config:cache",
            "php artisan route:cache",
        ],
        &["systemctl reload php8.3-fpm", "php artisan queue:restart"],
    );
    assert!(release.join("vendor/autoload.php").is_file());
    assert!(std::fs::symlink_metadata(release.join(".env"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(
        release.join("storage/logs/.gitignore").is_file(),
        "shared storage seeded"
    );
}

#[test]
fn the_rails_recipe_precompiles_before_the_flip_and_restarts_puma_after() {
    let (_env, calls, release) = run_recipe(
        "rails",
        &[
            ("Gemfile", "source 'https://rubygems.org'\n"),
            ("config/puma.rb", "prune_bundler\n"),
        ],
        &[("config/master.key", "0123456789abcdef\n")],
    );
    assert_order(
        &calls,
        &release,
        &[
            "bundle config set --local deployment true",
            "bundle install",
            "bundle exec rails assets:precompile",
        ],
        &["bundle exec pumactl"],
    );
    assert!(release.join("config/master.key").exists());
}

#[test]
fn the_node_recipe_builds_before_the_flip_and_restarts_the_unit_after() {
    let (_env, calls, release) = run_recipe(
        "node",
        &[("package.json", "{}\n"), ("server.js", "1\n")],
        &[(".env", "PORT=3000\n")],
    );
    assert_order(
        &calls,
        &release,
        &["npm ci --omit=dev", "npm run build"],
        &["systemctl restart app"],
    );
    assert!(release.join("node_modules").is_dir());
}

//! Build a benchmark repository: `cargo run --release --example mkrepo -- DIR [--files N]
//! [--commits M] [--seed S] [--bare] [--variety]`.

#[path = "../fixtures/mkrepo.rs"]
mod mkrepo;

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let mut spec = mkrepo::Spec::default();
    let mut dir = None;
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Option<u64> {
            let v = args.next().and_then(|v| v.replace('_', "").parse().ok());
            if v.is_none() {
                eprintln!("mkrepo: {name} takes a number");
            }
            v
        };
        match arg.as_str() {
            "--files" => match number("--files") {
                Some(n) => spec.files = n as usize,
                None => return std::process::ExitCode::from(2),
            },
            "--commits" => match number("--commits") {
                Some(n) => spec.commits = n as usize,
                None => return std::process::ExitCode::from(2),
            },
            "--seed" => match number("--seed") {
                Some(n) => spec.seed = n,
                None => return std::process::ExitCode::from(2),
            },
            "--bare" => spec.bare = true,
            "--variety" => spec.variety = true,
            _ if dir.is_none() && !arg.starts_with('-') => dir = Some(arg),
            _ => {
                eprintln!(
                    "usage: mkrepo DIR [--files N] [--commits M] [--seed S] [--bare] [--variety]"
                );
                return std::process::ExitCode::from(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: mkrepo DIR [--files N] [--commits M] [--seed S] [--bare] [--variety]");
        return std::process::ExitCode::from(2);
    };
    match mkrepo::build(std::path::Path::new(&dir), &spec) {
        Ok(s) => {
            println!(
                "mkrepo: {dir}: {} files, {} commits on main, {} merged PRs, {} tags, {} migrations",
                spec.files, spec.commits, s.merged_prs, s.tags, s.migrations
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mkrepo: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! `list`: rollout points and release tags with how far the base has moved since each.

use crate::outcome::List;

pub fn list(o: &List) -> Vec<String> {
    if o.points.is_empty() {
        return vec!["No rollout points or release tags yet. Take one before the next rollout: git fastrevert prepare".into()];
    }
    o.points
        .iter()
        .map(|p| {
            let since = match (p.commits_since, p.commits_ahead) {
                (_, Some(n)) => format!("{n:>5} ahead of {}", o.base),
                (Some(n), None) => format!("{n:>5} commit(s) since"),
                (None, None) => "    ? commit(s) since".to_string(),
            };
            format!(
                "{:<8} {:<32} {} {}  {since}",
                p.kind.as_str(),
                p.name,
                super::abbrev(&p.commit, 7),
                &p.date[..16.min(p.date.len())].replace('T', " "),
            )
        })
        .collect()
}

/// How long ago, for people: seconds, minutes, hours or days.
pub fn age(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 120 => format!("{s} s ago"),
        s if s < 2 * 3600 => format!("{} min ago", s / 60),
        s if s < 2 * 86400 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86400),
    }
}

/// Now, in Unix seconds, for ages.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

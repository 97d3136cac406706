//! Azure Pipelines mode (`TF_BUILD=True`): the result as output variables of the step
//! (`##vso[task.setvariable …;isoutput=true]`), errors and warnings as logging commands.

use crate::error::Error;
use crate::outcome::{Outcome, Published};

pub fn active() -> bool {
    std::env::var("TF_BUILD").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// A logging command's message, escaped as the agent reads it: `%`, CR and LF.
fn escape_data(s: &str) -> String {
    s.replace('%', "%AZP25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A logging command's property value: also `;` and `]`, which would end it.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(';', "%3B").replace(']', "%5D")
}

/// One line the agent runs as a command: the tool's own, never text others wrote unescaped.
fn command(area_action: &str, properties: &[(&str, &str)], message: &str) {
    let props: Vec<String> = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    let message = escape_data(&super::terminal_safe(message));
    // Printed without `neutralize`: this is the one line meant to be a command. On stderr,
    // which the agent reads as well, so that stdout stays the command's own (`--json`).
    eprintln!("##vso[{area_action} {}]{message}", props.join(";"));
}

/// The outputs of a result, GitLab's names with the request called a pull request.
fn set_outputs(published: &Published, result: &str, extra: &[(&'static str, String)]) {
    let outputs = super::gitlab_ci::outputs(published, result);
    for (name, value) in outputs.iter().chain(extra) {
        let name = match *name {
            "FASTREVERT_MR_IID" => "FASTREVERT_PR_ID",
            "FASTREVERT_MR_URL" => "FASTREVERT_PR_URL",
            other => other,
        };
        // One line: the agent takes a variable's value up to the end of the line.
        let value: String = value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        command(
            "task.setvariable",
            &[("variable", name), ("isoutput", "true")],
            value.trim(),
        );
    }
}

/// Output variables and warnings for a command that succeeded.
pub fn publish(outcome: &Outcome) {
    let published = outcome.published();
    set_outputs(&published, "ok", &[]);
    for w in published.warnings {
        command("task.logissue", &[("type", "warning")], w);
    }
}

/// Output variables and the error for a command that failed; the step fails by its exit code.
pub fn fail(err: &Error) {
    set_outputs(
        &Published::default(),
        err.kind.as_str(),
        &[("FASTREVERT_ERROR", err.message.clone())],
    );
    command("task.logissue", &[("type", "error")], &err.message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logging_command_values_cannot_end_or_start_another() {
        assert_eq!(escape_data("50%\r\n##vso[x]"), "50%AZP25%0D%0A##vso[x]");
        assert_eq!(escape_property("a;b]c"), "a%3Bb%5Dc");
    }
}

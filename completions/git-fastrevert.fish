# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_git_fastrevert_global_optspecs
    string join \n C= remote= base= n/dry-run y/yes json no-fetch no-push no-pr color= q/quiet v/verbose h/help V/version
end

function __fish_git_fastrevert_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_git_fastrevert_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_git_fastrevert_using_subcommand
    set -l cmd (__fish_git_fastrevert_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "prepare" -d 'Snapshot the production tip (tag + staging branch) just before a rollout'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "list" -d 'List rollout points and release tags'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "revert" -d 'Revert commits, ranges and merge commits on a new branch, on top of the base tip'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "rollback" -d 'Return production to a snapshot, release tag or any commit'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "check-migrations" -d 'Tell whether the database schema allows rolling code back over a range'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "deploy" -d 'Export a revision into its own release directory and point the live link at it'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "switch" -d 'Point the live link at another release (`previous` to go back), atomically'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "releases" -d 'List the releases on this host, marking the current and the previous one'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c git-fastrevert -n "__fish_git_fastrevert_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l rollout -d 'The revision about to be rolled out, recorded in the tag message' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -s S -l gpg-sign -d 'Sign the commits (and prepare\'s tag), with KEYID or user.signingKey' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l no-gpg-sign -d 'Do not sign, whatever commit.gpgSign and tag.gpgSign say'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand prepare" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand list" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l pr -d 'Revert a merged pull request (GitLab: merge request !N), found through the forge: a merge commit against parent 1, a squash commit as is, a rebase-merged or fast-forwarded one as its whole range (repeatable)' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s m -l mainline -d 'Parent to revert merge commits against [default: 1, the branch it was merged into]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s S -l gpg-sign -d 'Sign the commits (and prepare\'s tag), with KEYID or user.signingKey' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l branch -d 'Name of the branch to create' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l reason -d 'Why; written as a Revert-Reason: trailer' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l label -d 'Label for the pull request (repeatable)' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l reviewer -d 'Reviewer for the pull request (repeatable): a user, or on GitHub a team as org/team' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l allow-migration -d 'A migration reviewed and known safe to roll code back over (its path in the repository; repeatable) [also fastrevert.allowMigration]: reported, not refused' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l squash -d 'One commit for everything reverted'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l no-gpg-sign -d 'Do not sign, whatever commit.gpgSign and tag.gpgSign say'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l sign-with-github -d 'Create the branch\'s commits through GitHub\'s API instead of pushing them, so that GitHub signs them (for GitHub Actions, where there is no key)'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l direct -d 'Commit onto the base branch itself and push it (fast-forward only, no pull request)'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l draft -d 'Open the pull request (GitLab: merge request) as a draft'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l allow-destructive-migrations -d 'Go ahead even when the range holds destructive migrations (dropped, renamed or retyped columns and tables): the old code may break against the current schema'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand revert" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l to -d 'Where to go back to [default: the newest pre-rollout tag]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l mode -d 'How to go back' -r -f -a "commit\t'One commit on top of the base tip whose tree is the target\'s tree'
reset\t'Move the base branch itself back, keeping a backup ref'"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -s S -l gpg-sign -d 'Sign the commits (and prepare\'s tag), with KEYID or user.signingKey' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l branch -d 'Name of the branch to create' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l reason -d 'Why; written as a Revert-Reason: trailer' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l label -d 'Label for the pull request (repeatable)' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l reviewer -d 'Reviewer for the pull request (repeatable): a user, or on GitHub a team as org/team' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l allow-migration -d 'A migration reviewed and known safe to roll code back over (its path in the repository; repeatable) [also fastrevert.allowMigration]: reported, not refused' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l force -d 'Allow --mode reset to move the base branch'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l no-gpg-sign -d 'Do not sign, whatever commit.gpgSign and tag.gpgSign say'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l sign-with-github -d 'Create the branch\'s commits through GitHub\'s API instead of pushing them, so that GitHub signs them (for GitHub Actions, where there is no key)'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l direct -d 'Commit onto the base branch itself and push it (fast-forward only, no pull request)'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l draft -d 'Open the pull request (GitLab: merge request) as a draft'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l allow-destructive-migrations -d 'Go ahead even when the range holds destructive migrations (dropped, renamed or retyped columns and tables): the old code may break against the current schema'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand rollback" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l paths -d 'Where migrations live (glob, repeatable) [default: fastrevert.migrationPaths, else the usual Rails, Django, Alembic, Flyway, Prisma and golang-migrate layouts]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l dialect -d 'SQL dialect to parse with [default: fastrevert.sqlDialect, else generic]' -r -f -a "generic\t''
postgres\t''
mysql\t''
sqlite\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l allow-migration -d 'A migration reviewed and known safe to roll code back over (its path in the repository; repeatable) [also fastrevert.allowMigration]: reported, not refused' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand check-migrations" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l releases -d 'Directory with one folder per release [default: fastrevert.releases]' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l current -d 'The live symlink [default: fastrevert.current, else DIR/../current]' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l wait -d 'Seconds to wait while another deploy or switch on this host holds the lock' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l keep -d 'How many releases to keep (the current and previous one are always kept)' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l shared -d 'A path kept outside the releases (log, tmp, uploads, config/database.yml): a symlink in the release to DIR/../shared/PATH, which is created when missing; repeatable [also fastrevert.shared]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l after-switch -d 'Run CMD (through sh) after every flip, with FASTREVERT_RELEASE, FASTREVERT_PREVIOUS, FASTREVERT_RELEASE_PATH and FASTREVERT_LINK set; repeatable [also fastrevert.afterSwitch]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l check -d 'Health check: CMD must exit 0 after the flip, or the link flips back and the new release is marked bad' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l check-url -d 'Health check: URL must answer with --check-status, or the link flips back' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l check-status -d 'The HTTP status --check-url expects' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l check-timeout -d 'Seconds one check attempt may take' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l check-retries -d 'Attempts before the check counts as failed (one second apart)' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l copy -d 'Write every file, sharing none with the live release (by default an unchanged file is a hard link to the live release\'s)'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand deploy" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l releases -d 'Directory with one folder per release [default: fastrevert.releases]' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l current -d 'The live symlink [default: fastrevert.current, else DIR/../current]' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l wait -d 'Seconds to wait while another deploy or switch on this host holds the lock' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l after-switch -d 'Run CMD (through sh) after every flip, with FASTREVERT_RELEASE, FASTREVERT_PREVIOUS, FASTREVERT_RELEASE_PATH and FASTREVERT_LINK set; repeatable [also fastrevert.afterSwitch]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l check -d 'Health check: CMD must exit 0 after the flip, or the link flips back and the new release is marked bad' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l check-url -d 'Health check: URL must answer with --check-status, or the link flips back' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l check-status -d 'The HTTP status --check-url expects' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l check-timeout -d 'Seconds one check attempt may take' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l check-retries -d 'Attempts before the check counts as failed (one second apart)' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l allow-migration -d 'A migration reviewed and known safe to roll code back over (its path in the repository; repeatable) [also fastrevert.allowMigration]: reported, not refused' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l mark-bad -d 'Leave a BAD_RELEASE note (time, user) in the release being left'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l allow-destructive-migrations -d 'Go ahead even when the range holds destructive migrations (dropped, renamed or retyped columns and tables): the old code may break against the current schema'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l force -d 'Switch to a release marked bad (without it: exit 4, or a confirmation on a terminal)'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand switch" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l releases -d 'Directory with one folder per release [default: fastrevert.releases]' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l current -d 'The live symlink [default: fastrevert.current, else DIR/../current]' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l wait -d 'Seconds to wait while another deploy or switch on this host holds the lock' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand releases" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -s C -d 'Run as if started in DIR' -r -F
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -l remote -d 'Remote to fetch from and push to [default: fastrevert.remote, else origin]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -l base -d 'The production branch [default: fastrevert.base, else the remote\'s HEAD branch, else main]' -r
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -l color -d 'When to use colours' -r -f -a "auto\t''
always\t''
never\t''"
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -s n -l dry-run -d 'Print the full plan and change nothing: no object, ref, file, push or API write'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -s y -l yes -d 'Answer yes to every confirmation'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -l json -d 'Print one JSON object on stdout; stderr then carries only warnings and errors'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -l no-fetch -d 'Do not fetch the base branch first'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -l no-push -d 'Create local refs only; implies --no-pr'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -l no-pr -d 'Push, but open no pull request'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -s q -l quiet -d 'Print only the result'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -s v -l verbose -d 'Show more detail, including every git call'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -s h -l help -d 'Print help'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand completions" -s V -l version -d 'Print version'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "prepare" -d 'Snapshot the production tip (tag + staging branch) just before a rollout'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "list" -d 'List rollout points and release tags'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "revert" -d 'Revert commits, ranges and merge commits on a new branch, on top of the base tip'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "rollback" -d 'Return production to a snapshot, release tag or any commit'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "check-migrations" -d 'Tell whether the database schema allows rolling code back over a range'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "deploy" -d 'Export a revision into its own release directory and point the live link at it'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "switch" -d 'Point the live link at another release (`previous` to go back), atomically'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "releases" -d 'List the releases on this host, marking the current and the previous one'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c git-fastrevert -n "__fish_git_fastrevert_using_subcommand help; and not __fish_seen_subcommand_from prepare list revert rollback check-migrations deploy switch releases completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'

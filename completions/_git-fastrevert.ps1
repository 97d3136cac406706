
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'git-fastrevert' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'git-fastrevert'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'git-fastrevert' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('prepare', 'prepare', [CompletionResultType]::ParameterValue, 'Snapshot the production tip (tag + staging branch) just before a rollout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List rollout points and release tags')
            [CompletionResult]::new('revert', 'revert', [CompletionResultType]::ParameterValue, 'Revert commits, ranges and merge commits on a new branch, on top of the base tip')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Return production to a snapshot, release tag or any commit')
            [CompletionResult]::new('check-migrations', 'check-migrations', [CompletionResultType]::ParameterValue, 'Tell whether the database schema allows rolling code back over a range')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Export a revision into its own release directory and point the live link at it')
            [CompletionResult]::new('switch', 'switch', [CompletionResultType]::ParameterValue, 'Point the live link at another release (`previous` to go back), atomically')
            [CompletionResult]::new('releases', 'releases', [CompletionResultType]::ParameterValue, 'List the releases on this host, marking the current and the previous one')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'git-fastrevert;prepare' {
            [CompletionResult]::new('--rollout', '--rollout', [CompletionResultType]::ParameterName, 'The revision about to be rolled out, recorded in the tag message')
            [CompletionResult]::new('-S', '-S ', [CompletionResultType]::ParameterName, 'Sign the commits (and prepare''s tag), with KEYID or user.signingKey')
            [CompletionResult]::new('--gpg-sign', '--gpg-sign', [CompletionResultType]::ParameterName, 'Sign the commits (and prepare''s tag), with KEYID or user.signingKey')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--no-gpg-sign', '--no-gpg-sign', [CompletionResultType]::ParameterName, 'Do not sign, whatever commit.gpgSign and tag.gpgSign say')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;list' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;revert' {
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'Revert a merged pull request (GitLab: merge request !N), found through the forge: a merge commit against parent 1, a squash commit as is, a rebase-merged or fast-forwarded one as its whole range (repeatable)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Parent to revert merge commits against [default: 1, the branch it was merged into]')
            [CompletionResult]::new('--mainline', '--mainline', [CompletionResultType]::ParameterName, 'Parent to revert merge commits against [default: 1, the branch it was merged into]')
            [CompletionResult]::new('-S', '-S ', [CompletionResultType]::ParameterName, 'Sign the commits (and prepare''s tag), with KEYID or user.signingKey')
            [CompletionResult]::new('--gpg-sign', '--gpg-sign', [CompletionResultType]::ParameterName, 'Sign the commits (and prepare''s tag), with KEYID or user.signingKey')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Name of the branch to create')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why; written as a Revert-Reason: trailer')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label for the pull request (repeatable)')
            [CompletionResult]::new('--reviewer', '--reviewer', [CompletionResultType]::ParameterName, 'Reviewer for the pull request (repeatable): a user, or on GitHub a team as org/team')
            [CompletionResult]::new('--allow-migration', '--allow-migration', [CompletionResultType]::ParameterName, 'A migration reviewed and known safe to roll code back over (its path in the repository; repeatable) [also fastrevert.allowMigration]: reported, not refused')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--squash', '--squash', [CompletionResultType]::ParameterName, 'One commit for everything reverted')
            [CompletionResult]::new('--no-gpg-sign', '--no-gpg-sign', [CompletionResultType]::ParameterName, 'Do not sign, whatever commit.gpgSign and tag.gpgSign say')
            [CompletionResult]::new('--sign-with-github', '--sign-with-github', [CompletionResultType]::ParameterName, 'Create the branch''s commits through GitHub''s API instead of pushing them, so that GitHub signs them (for GitHub Actions, where there is no key)')
            [CompletionResult]::new('--direct', '--direct', [CompletionResultType]::ParameterName, 'Commit onto the base branch itself and push it (fast-forward only, no pull request)')
            [CompletionResult]::new('--draft', '--draft', [CompletionResultType]::ParameterName, 'Open the pull request (GitLab: merge request) as a draft')
            [CompletionResult]::new('--allow-destructive-migrations', '--allow-destructive-migrations', [CompletionResultType]::ParameterName, 'Go ahead even when the range holds destructive migrations (dropped, renamed or retyped columns and tables): the old code may break against the current schema')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;rollback' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where to go back to [default: the newest pre-rollout tag]')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'How to go back')
            [CompletionResult]::new('-S', '-S ', [CompletionResultType]::ParameterName, 'Sign the commits (and prepare''s tag), with KEYID or user.signingKey')
            [CompletionResult]::new('--gpg-sign', '--gpg-sign', [CompletionResultType]::ParameterName, 'Sign the commits (and prepare''s tag), with KEYID or user.signingKey')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Name of the branch to create')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why; written as a Revert-Reason: trailer')
            [CompletionResult]::new('--label', '--label', [CompletionResultType]::ParameterName, 'Label for the pull request (repeatable)')
            [CompletionResult]::new('--reviewer', '--reviewer', [CompletionResultType]::ParameterName, 'Reviewer for the pull request (repeatable): a user, or on GitHub a team as org/team')
            [CompletionResult]::new('--allow-migration', '--allow-migration', [CompletionResultType]::ParameterName, 'A migration reviewed and known safe to roll code back over (its path in the repository; repeatable) [also fastrevert.allowMigration]: reported, not refused')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Allow --mode reset to move the base branch')
            [CompletionResult]::new('--no-gpg-sign', '--no-gpg-sign', [CompletionResultType]::ParameterName, 'Do not sign, whatever commit.gpgSign and tag.gpgSign say')
            [CompletionResult]::new('--sign-with-github', '--sign-with-github', [CompletionResultType]::ParameterName, 'Create the branch''s commits through GitHub''s API instead of pushing them, so that GitHub signs them (for GitHub Actions, where there is no key)')
            [CompletionResult]::new('--direct', '--direct', [CompletionResultType]::ParameterName, 'Commit onto the base branch itself and push it (fast-forward only, no pull request)')
            [CompletionResult]::new('--draft', '--draft', [CompletionResultType]::ParameterName, 'Open the pull request (GitLab: merge request) as a draft')
            [CompletionResult]::new('--allow-destructive-migrations', '--allow-destructive-migrations', [CompletionResultType]::ParameterName, 'Go ahead even when the range holds destructive migrations (dropped, renamed or retyped columns and tables): the old code may break against the current schema')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;check-migrations' {
            [CompletionResult]::new('--paths', '--paths', [CompletionResultType]::ParameterName, 'Where migrations live (glob, repeatable) [default: fastrevert.migrationPaths, else the usual Rails, Django, Alembic, Flyway, Prisma and golang-migrate layouts]')
            [CompletionResult]::new('--dialect', '--dialect', [CompletionResultType]::ParameterName, 'SQL dialect to parse with [default: fastrevert.sqlDialect, else generic]')
            [CompletionResult]::new('--allow-migration', '--allow-migration', [CompletionResultType]::ParameterName, 'A migration reviewed and known safe to roll code back over (its path in the repository; repeatable) [also fastrevert.allowMigration]: reported, not refused')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;deploy' {
            [CompletionResult]::new('--releases', '--releases', [CompletionResultType]::ParameterName, 'Directory with one folder per release [default: fastrevert.releases]')
            [CompletionResult]::new('--current', '--current', [CompletionResultType]::ParameterName, 'The live symlink [default: fastrevert.current, else DIR/../current]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Seconds to wait while another deploy or switch on this host holds the lock')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'How many releases to keep (the current and previous one are always kept)')
            [CompletionResult]::new('--shared', '--shared', [CompletionResultType]::ParameterName, 'A path kept outside the releases (log, tmp, uploads, config/database.yml): a symlink in the release to DIR/../shared/PATH, which is created when missing; repeatable [also fastrevert.shared]')
            [CompletionResult]::new('--after-switch', '--after-switch', [CompletionResultType]::ParameterName, 'Run CMD (through sh) after every flip, with FASTREVERT_RELEASE, FASTREVERT_PREVIOUS, FASTREVERT_RELEASE_PATH and FASTREVERT_LINK set; repeatable [also fastrevert.afterSwitch]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Health check: CMD must exit 0 after the flip, or the link flips back and the new release is marked bad')
            [CompletionResult]::new('--check-url', '--check-url', [CompletionResultType]::ParameterName, 'Health check: URL must answer with --check-status, or the link flips back')
            [CompletionResult]::new('--check-status', '--check-status', [CompletionResultType]::ParameterName, 'The HTTP status --check-url expects')
            [CompletionResult]::new('--check-timeout', '--check-timeout', [CompletionResultType]::ParameterName, 'Seconds one check attempt may take')
            [CompletionResult]::new('--check-retries', '--check-retries', [CompletionResultType]::ParameterName, 'Attempts before the check counts as failed (one second apart)')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--copy', '--copy', [CompletionResultType]::ParameterName, 'Write every file, sharing none with the live release (by default an unchanged file is a hard link to the live release''s)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;switch' {
            [CompletionResult]::new('--releases', '--releases', [CompletionResultType]::ParameterName, 'Directory with one folder per release [default: fastrevert.releases]')
            [CompletionResult]::new('--current', '--current', [CompletionResultType]::ParameterName, 'The live symlink [default: fastrevert.current, else DIR/../current]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Seconds to wait while another deploy or switch on this host holds the lock')
            [CompletionResult]::new('--after-switch', '--after-switch', [CompletionResultType]::ParameterName, 'Run CMD (through sh) after every flip, with FASTREVERT_RELEASE, FASTREVERT_PREVIOUS, FASTREVERT_RELEASE_PATH and FASTREVERT_LINK set; repeatable [also fastrevert.afterSwitch]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Health check: CMD must exit 0 after the flip, or the link flips back and the new release is marked bad')
            [CompletionResult]::new('--check-url', '--check-url', [CompletionResultType]::ParameterName, 'Health check: URL must answer with --check-status, or the link flips back')
            [CompletionResult]::new('--check-status', '--check-status', [CompletionResultType]::ParameterName, 'The HTTP status --check-url expects')
            [CompletionResult]::new('--check-timeout', '--check-timeout', [CompletionResultType]::ParameterName, 'Seconds one check attempt may take')
            [CompletionResult]::new('--check-retries', '--check-retries', [CompletionResultType]::ParameterName, 'Attempts before the check counts as failed (one second apart)')
            [CompletionResult]::new('--allow-migration', '--allow-migration', [CompletionResultType]::ParameterName, 'A migration reviewed and known safe to roll code back over (its path in the repository; repeatable) [also fastrevert.allowMigration]: reported, not refused')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--mark-bad', '--mark-bad', [CompletionResultType]::ParameterName, 'Leave a BAD_RELEASE note (time, user) in the release being left')
            [CompletionResult]::new('--allow-destructive-migrations', '--allow-destructive-migrations', [CompletionResultType]::ParameterName, 'Go ahead even when the range holds destructive migrations (dropped, renamed or retyped columns and tables): the old code may break against the current schema')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Switch to a release marked bad (without it: exit 4, or a confirmation on a terminal)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;releases' {
            [CompletionResult]::new('--releases', '--releases', [CompletionResultType]::ParameterName, 'Directory with one folder per release [default: fastrevert.releases]')
            [CompletionResult]::new('--current', '--current', [CompletionResultType]::ParameterName, 'The live symlink [default: fastrevert.current, else DIR/../current]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Seconds to wait while another deploy or switch on this host holds the lock')
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;completions' {
            [CompletionResult]::new('-C', '-C ', [CompletionResultType]::ParameterName, 'Run as if started in DIR')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Remote to fetch from and push to [default: fastrevert.remote, else origin]')
            [CompletionResult]::new('--base', '--base', [CompletionResultType]::ParameterName, 'The production branch [default: fastrevert.base, else the remote''s HEAD branch, else main]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the full plan and change nothing: no object, ref, file, push or API write')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object on stdout; stderr then carries only warnings and errors')
            [CompletionResult]::new('--no-fetch', '--no-fetch', [CompletionResultType]::ParameterName, 'Do not fetch the base branch first')
            [CompletionResult]::new('--no-push', '--no-push', [CompletionResultType]::ParameterName, 'Create local refs only; implies --no-pr')
            [CompletionResult]::new('--no-pr', '--no-pr', [CompletionResultType]::ParameterName, 'Push, but open no pull request')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only the result')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show more detail, including every git call')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'git-fastrevert;help' {
            [CompletionResult]::new('prepare', 'prepare', [CompletionResultType]::ParameterValue, 'Snapshot the production tip (tag + staging branch) just before a rollout')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List rollout points and release tags')
            [CompletionResult]::new('revert', 'revert', [CompletionResultType]::ParameterValue, 'Revert commits, ranges and merge commits on a new branch, on top of the base tip')
            [CompletionResult]::new('rollback', 'rollback', [CompletionResultType]::ParameterValue, 'Return production to a snapshot, release tag or any commit')
            [CompletionResult]::new('check-migrations', 'check-migrations', [CompletionResultType]::ParameterValue, 'Tell whether the database schema allows rolling code back over a range')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Export a revision into its own release directory and point the live link at it')
            [CompletionResult]::new('switch', 'switch', [CompletionResultType]::ParameterValue, 'Point the live link at another release (`previous` to go back), atomically')
            [CompletionResult]::new('releases', 'releases', [CompletionResultType]::ParameterValue, 'List the releases on this host, marking the current and the previous one')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'git-fastrevert;help;prepare' {
            break
        }
        'git-fastrevert;help;list' {
            break
        }
        'git-fastrevert;help;revert' {
            break
        }
        'git-fastrevert;help;rollback' {
            break
        }
        'git-fastrevert;help;check-migrations' {
            break
        }
        'git-fastrevert;help;deploy' {
            break
        }
        'git-fastrevert;help;switch' {
            break
        }
        'git-fastrevert;help;releases' {
            break
        }
        'git-fastrevert;help;completions' {
            break
        }
        'git-fastrevert;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}

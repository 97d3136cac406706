complete --keep-order --exclusive --command git-fastrevert --arguments "(GIT_FASTREVERT_COMPLETE=fish git-fastrevert -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"

# `git fastrevert <TAB>`
complete --keep-order --exclusive --command git --condition '__fish_seen_subcommand_from fastrevert' --arguments "(set -l words (commandline --current-process --tokenize --cut-at-cursor); set -e words[1]; set words[1] git-fastrevert; GIT_FASTREVERT_COMPLETE=fish git-fastrevert -- \$words (commandline --current-token))"


set edit:completion:arg-completer[git-fastrevert] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) GIT_FASTREVERT_COMPLETE="elvish" git-fastrevert -- $@words) | to-lines
}


fn main() -> std::process::ExitCode {
    git_fastrevert::main()
}

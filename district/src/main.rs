// The binary only parses arguments and hands over to the library, so every command
// can be driven from tests without spawning a process.
fn main() -> std::process::ExitCode {
    linli_district::cli::main()
}

//! Two start-up costs removed at link time on glibc Linux, each when the toolchain can.
//!
//! **The unwinder, linked statically.**
//! Rust's standard library links GCC's unwinder as a shared library (`libgcc_s.so.1`), and that
//! library's constructor asks the processor for its features (`cpuid`) at every start. In a
//! virtual machine, where most deploys and CI jobs run, each of those instructions traps to the
//! hypervisor: loading and starting the library was 5-6% of a 3 ms revert on the project's
//! machine. Listing GCC's static unwinder (`libgcc_eh.a`) first resolves the same symbols from
//! it, and `libgcc_s` is then not needed at all.
//!
//! Only when a test link of a position-independent program with that archive succeeds with the
//! host's `cc`.
//!
//! **Relative relocations packed** (`-z pack-relative-relocs`, glibc 2.36 and binutils 2.38 or
//! later). A position-independent binary is relocated at every start: 12,706 relative
//! relocations in a 300 KB table, read and applied one by one, 6% of a 2.3 ms revert. Packed,
//! the table is 3 KB of bitmaps. Only when a test program linked so runs here: the loader of an
//! older glibc refuses such a binary.
//!
//! Any other toolchain (clang without GCC's libraries, a cross build, musl) links as before.

use std::env;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let target = |key: &str| env::var(key).unwrap_or_default();
    let native = env::var("TARGET").ok() == env::var("HOST").ok();
    if !native
        || target("CARGO_CFG_TARGET_OS") != "linux"
        || target("CARGO_CFG_TARGET_ENV") != "gnu"
    {
        return;
    }
    if static_unwinder_links() {
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
    }
    if packed_relocations_run() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

fn linker() -> Command {
    Command::new(env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_string()))
}

fn probe_paths(name: &str, source: &str) -> Option<(PathBuf, PathBuf)> {
    let out = env::var_os("OUT_DIR").map(PathBuf::from)?;
    let source_path = out.join(format!("{name}.c"));
    std::fs::write(&source_path, source).ok()?;
    Some((source_path, out.join(name)))
}

fn quietly(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `cc` links a PIE that takes `_Unwind_Backtrace` from `libgcc_eh.a`.
fn static_unwinder_links() -> bool {
    let probe = "extern int _Unwind_Backtrace(void *, void *);\n\
                 int main(void) { return _Unwind_Backtrace(0, 0) == 12345; }\n";
    let Some((source, program)) = probe_paths("unwinder_probe", probe) else {
        return false;
    };
    quietly(
        linker()
            .args(["-fPIE", "-pie", "-o"])
            .arg(&program)
            .arg(&source)
            .args(["-Wl,-Bstatic", "-lgcc_eh", "-Wl,-Bdynamic"]),
    )
}

/// Whether a PIE whose pointers need relocating, linked with packed relative relocations,
/// links and runs here (and so finds its pointers relocated).
fn packed_relocations_run() -> bool {
    let probe = "static const char *words[] = {\"packed\", \"relocations\"};\n\
                 int main(void) { return words[1][0] != 'r'; }\n";
    let Some((source, program)) = probe_paths("relr_probe", probe) else {
        return false;
    };
    quietly(
        linker()
            .args([
                "-fPIE",
                "-pie",
                "-Wl,-z,pack-relative-relocs",
                "-Wl,--fatal-warnings",
                "-o",
            ])
            .arg(&program)
            .arg(&source),
    ) && quietly(&mut Command::new(&program))
}

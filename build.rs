//! Link the unwinder statically on glibc Linux, when the toolchain can.
//!
//! Rust's standard library links GCC's unwinder as a shared library (`libgcc_s.so.1`), and that
//! library's constructor asks the processor for its features (`cpuid`) at every start. In a
//! virtual machine, where most deploys and CI jobs run, each of those instructions traps to the
//! hypervisor: loading and starting the library was 5-6% of a 3 ms revert on the project's
//! machine. Listing GCC's static unwinder (`libgcc_eh.a`) first resolves the same symbols from
//! it, and `libgcc_s` is then not needed at all.
//!
//! Only when a test link of a position-independent program with that archive succeeds with the
//! host's `cc`: any other toolchain (clang without GCC's libraries, a cross build, musl) links
//! as before.

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
}

/// Whether `cc` links a PIE that takes `_Unwind_Backtrace` from `libgcc_eh.a`.
fn static_unwinder_links() -> bool {
    let Some(out) = env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let source = out.join("unwinder_probe.c");
    let program = out.join("unwinder_probe");
    let probe = "extern int _Unwind_Backtrace(void *, void *);\n\
                 int main(void) { return _Unwind_Backtrace(0, 0) == 12345; }\n";
    if std::fs::write(&source, probe).is_err() {
        return false;
    }
    let linker = env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_string());
    Command::new(linker)
        .args(["-fPIE", "-pie", "-o"])
        .arg(&program)
        .arg(&source)
        .args(["-Wl,-Bstatic", "-lgcc_eh", "-Wl,-Bdynamic"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

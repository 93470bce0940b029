//! `cgns [-m] CMD [ARGS...]`: enter a new cgroup namespace (with `-m` a new mount namespace
//! too), then exec CMD: `unshare --cgroup` for the test VM, whose busybox `unshare` has no
//! `--cgroup`. Built by tests/integration/vm.rs with `rustc --target x86_64-unknown-linux-musl`
//! (static, no crates).
use std::os::unix::process::CommandExt;

extern "C" {
    fn unshare(flags: i32) -> i32;
}

const CLONE_NEWCGROUP: i32 = 0x0200_0000;
const CLONE_NEWNS: i32 = 0x0002_0000;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut flags = CLONE_NEWCGROUP;
    if args.first().map(String::as_str) == Some("-m") {
        flags |= CLONE_NEWNS;
        args.remove(0);
    }
    if args.is_empty() {
        eprintln!("usage: cgns [-m] CMD [ARGS...]");
        std::process::exit(2);
    }
    // SAFETY: unshare(2) takes flags only and touches no memory of ours.
    if unsafe { unshare(flags) } != 0 {
        eprintln!("cgns: unshare: {}", std::io::Error::last_os_error());
        std::process::exit(1);
    }
    let err = std::process::Command::new(&args[0]).args(&args[1..]).exec();
    eprintln!("cgns: exec {}: {err}", args[0]);
    std::process::exit(127);
}
